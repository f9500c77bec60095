package store

import (
	"archive/zip"
	"collect"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
	"collect/evidence"
	"collect/portal/csvout"
)

// limitation computes the account's limitation period from its due date and
// the recorded demands, acknowledgements and suits.
func (s *Store) limitation(tx *gorm.DB, acc caseAccount) (casework.Limitation, error) {
	events := []casework.LimitationEvent{}
	if due, err := time.Parse(time.DateOnly, acc.DueDate); err == nil {
		events = append(events, casework.LimitationEvent{Kind: "due", At: due})
	}
	var rows []struct {
		Kind string
		At   time.Time
	}
	if err := tx.Table("limitation_events").Select("kind, at").Where("account_id = ?", acc.ID).Order("at").Scan(&rows).Error; err != nil {
		return casework.Limitation{}, err
	}
	for _, r := range rows {
		events = append(events, casework.LimitationEvent{Kind: r.Kind, At: r.At})
	}
	return casework.LimitationDateUnder(limitationRules(acc), events, s.now())
}

// limitationRules are the account's jurisdiction's: a US (Reg F) account
// its state's period, every other the PRC Civil Code's.
func limitationRules(acc caseAccount) casework.LimitationRules {
	if acc.ConductProfile == allocation.ConductProfileUSRegF {
		return casework.USLimitation(acc.State)
	}
	return casework.ChinaLimitation
}

// LegalCase is a referral for legal action and its progress.
type LegalCase struct {
	ID                string                 `json:"id"`
	AccountID         string                 `json:"account_id"`
	Status            string                 `json:"status"`
	Estimate          casework.LegalEstimate `json:"estimate"`
	LimitationExpires string                 `json:"limitation_expires"`
	CourtRef          string                 `json:"court_ref"`
	Note              string                 `json:"note"`
	CostsCents        int64                  `json:"costs_cents"` // recorded so far (RecordLegalCost)
	CreatedAt         time.Time              `json:"created_at"`
	UpdatedAt         time.Time              `json:"updated_at"`
	// DetailsWithheld: referred by another agency; its note is not shown.
	DetailsWithheld bool `json:"details_withheld"`

	agencyID string // the referring agency
}

// ReferLegal refers an account for legal action: the answer carries the
// cost-benefit and the limitation date; a time-barred account is refused.
// The lender approves before anything is filed.
func (s *Store) ReferLegal(ctx context.Context, a collect.Actor, accountID, note string) (LegalCase, error) {
	var out LegalCase
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, pl, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		lim, err := s.limitation(tx, acc)
		if err != nil {
			return err
		}
		var open int64
		if err := tx.Table("legal_cases").Where("account_id = ? AND status IN ?", acc.ID, casework.LegalOpenStatuses()).Count(&open).Error; err != nil {
			return err
		}
		if err := casework.CheckReferral(casework.LegalReferral{VerificationComplete: acc.VerificationComplete, TimeBarred: lim.TimeBarred,
			LimitationExpires: lim.Expires, OpenCase: open > 0}); err != nil {
			return err
		}
		var rpc int64
		tx.Table("contacts").Where("account_id = ? AND "+casework.RightPartyContactSQL(""), acc.ID).Count(&rpc)
		est := casework.EstimateLegal(casework.LegalInput{BalanceCents: acc.BalanceCents, PrincipalCents: acc.PrincipalCents, DPD: acc.DPD,
			RecoveredSoFarCents: acc.PaidCents, HasRightPartyContact: rpc > 0, Province: acc.Province})
		now := s.now()
		agency := pl.AgencyID
		if agency == "" {
			agency = a.OrgID
		}
		out = LegalCase{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, Status: casework.LegalReferred, Estimate: est,
			LimitationExpires: lim.Expires.Format(time.DateOnly), Note: note, CreatedAt: now, UpdatedAt: now}
		if err := tx.Table("legal_cases").Create(map[string]any{"id": out.ID, "account_id": acc.ID, "lender_id": acc.LenderID, "agency_id": agency,
			"status": casework.LegalReferred, "estimate": jsonString(est), "limitation_expires": out.LimitationExpires, "note": note,
			"referred_by": a.UserID, "created_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "legal.refer", ObjectType: "legal_case", ObjectID: out.ID, LenderID: acc.LenderID,
			After: map[string]any{"account": out.AccountID, "status": out.Status, "limitation_expires": out.LimitationExpires,
				"estimate": out.Estimate, "note_sha256": textDigest(out.Note)}})
	})
	return out, err
}

// AdvanceLegal moves a legal case to its next status: the lender approves
// or rejects a referral; filing records a suit for the limitation period.
func (s *Store) AdvanceLegal(ctx context.Context, a collect.Actor, id, status, courtRef string) (LegalCase, error) {
	var out LegalCase
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var row struct {
			ID, AccountID, LenderID, AgencyID, Status, Estimate, LimitationExpires, CourtRef, Note string
			CreatedAt                                                                              time.Time
		}
		if err := tx.Table("legal_cases").Scopes(legalScope(a)).Where("legal_cases.id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, "legal case")
		}
		if err := casework.CheckLegalStep(casework.LegalStep{From: row.Status, To: status, ByLender: a.OrgKind == collect.KindLender, CourtRef: courtRef}); err != nil {
			return err
		}
		now := s.now()
		cols := map[string]any{"status": status, "updated_at": now, "decided_by": a.UserID}
		if courtRef != "" {
			cols["court_ref"] = courtRef
		}
		res := tx.Table("legal_cases").Where("id = ? AND status = ?", id, row.Status).Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.legal.changed_meanwhile")
		}
		if kind := casework.LegalSuitEvent(row.Status, status); kind != "" {
			if err := addLimitationEvent(tx, row.AccountID, kind, now, "legal:"+id, now); err != nil {
				return err
			}
		}
		out = LegalCase{ID: row.ID, AccountID: row.AccountID, Status: status, LimitationExpires: row.LimitationExpires, CourtRef: courtRef, Note: row.Note, CreatedAt: row.CreatedAt, UpdatedAt: now}
		_ = json.Unmarshal([]byte(row.Estimate), &out.Estimate)
		return s.appendAudit(tx, a, auditRecord{Action: "legal." + status, ObjectType: "legal_case", ObjectID: id, LenderID: row.LenderID,
			Before: map[string]string{"status": row.Status}, After: map[string]string{"status": status}})
	})
	return out, err
}

// WriteEvidence streams a legal case's evidence bundle as a ZIP: the loan
// and contract data, the repayment history, the contact log, the
// arrangements, the account's audit excerpt, and a manifest of each file's
// SHA-256 so the bundle can be checked outside the portal.
//
// personal is whether the caller may see personal data: without it the
// debtor's ID number, phones and address are masked. The export is audited
// before the first byte, so an interrupted download still leaves its trace.
func (s *Store) WriteEvidence(ctx context.Context, a collect.Actor, caseID string, personal bool, w io.Writer, open ObjectOpener) error {
	db := s.db.WithContext(ctx)
	var lc struct{ AccountID, LenderID, AgencyID, Status string }
	if err := db.Table("legal_cases").Scopes(legalScope(a)).Where("legal_cases.id = ?", caseID).Take(&lc).Error; err != nil {
		return notFound(err, "legal case")
	}
	var acc allocation.Account
	if err := db.Table("accounts").Where("id = ?", lc.AccountID).Take(&acc).Error; err != nil {
		return err
	}
	if !personal {
		acc = allocation.MaskAccount(acc)
	}
	if err := s.inTx(ctx, func(tx *gorm.DB) error {
		return s.appendAudit(tx, a, auditRecord{Action: "legal.evidence", ObjectType: "legal_case", ObjectID: caseID, LenderID: lc.LenderID,
			After: map[string]any{"account": lc.AccountID, "personal_data": personal}})
	}); err != nil {
		return err
	}
	// An agency reads its own terms, not those of the agency that referred
	// the case before the account moved to it.
	termsOf := lc.AgencyID
	if a.OrgKind == collect.KindAgency {
		termsOf = a.OrgID
	}
	contract, _ := contractFor(db, lc.LenderID, termsOf)
	viewer := historyViewer(db, a, lc.LenderID)
	var orgs []string
	if err := db.Table("audit_events").Where("object_id = ?", acc.ID).Distinct("organisation_id").Pluck("organisation_id", &orgs).Error; err != nil {
		return err
	}
	agencies, err := agencyOrganisations(db, orgs)
	if err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"loan.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"account": acc, "contract_terms": contract})
		}},
		{"repayments.csv", func(w io.Writer) error {
			// A reference another agency's staff typed is its own.
			var recorders []string
			if err := db.Table("payments").Where("account_id = ?", acc.ID).Distinct("recorded_by").Pluck("recorded_by", &recorders).Error; err != nil {
				return err
			}
			agencyOf, err := userAgencies(db, recorders)
			if err != nil {
				return err
			}
			return csvQuery(db.Table("payments").Select("paid_at, amount_cents, currency, reference, source, recorded_by").Where("account_id = ?", acc.ID).Order("paid_at"),
				[]string{"paid_at", "amount_cents", "currency", "reference", "source"}, w, func(rec []string) []string {
					if casework.HistoryDetailFor(viewer, agencyOf[rec[5]]) != casework.HistoryFull {
						rec[3] = withheldNote
					}
					return rec[:5]
				})
		}},
		{"contacts.csv", func(w io.Writer) error {
			// The agency column says whose placement; another agency's note
			// is withheld from an agency reader (casework.HistoryDetailFor).
			return csvQuery(db.Table("contacts").Select("at, channel, party, direction, outcome, note, agency_id").Where("account_id = ?", acc.ID).Order("at"),
				[]string{"at", "channel", "party", "direction", "outcome", "note"}, w, func(rec []string) []string {
					if casework.HistoryDetailFor(viewer, rec[6]) != casework.HistoryFull {
						rec[5] = withheldNote
					}
					return rec[:6]
				})
		}},
		{"arrangements.csv", func(w io.Writer) error {
			return csvQuery(db.Table("arrangements").Select("created_at, kind, status, amount_cents, first_due, instalments").Where("account_id = ?", acc.ID).Order("created_at"),
				[]string{"created_at", "kind", "status", "amount_cents", "first_due", "instalments"}, w)
		}},
		{"audit.csv", func(w io.Writer) error {
			// Events by another agency's staff keep their place in the chain
			// (sequence and hashes) without their actor and summary.
			return csvQuery(db.Table("audit_events").Select("seq, at, actor_id, action, summary, prev_hash, hash, organisation_id").Where("object_id = ?", acc.ID).Order("seq"),
				[]string{"seq", "at", "actor_id", "action", "summary", "prev_hash", "hash"}, w, func(rec []string) []string {
					if agencies[rec[7]] && casework.HistoryDetailFor(viewer, rec[7]) != casework.HistoryFull {
						rec[2], rec[4] = "", withheldNote
					}
					return rec[:7]
				})
		}},
	}
	files = append(files, struct {
		name  string
		write func(io.Writer) error
	}{"legal_costs.csv", func(w io.Writer) error {
		return csvQuery(db.Table("legal_costs").Select("incurred_on, kind, amount_cents, note, agency_id, created_at").
			Where("legal_case_id = ?", caseID).Order("incurred_on, created_at"),
			[]string{"incurred_on", "kind", "amount_cents", "note", "agency_id", "recorded_at"}, w)
	}})
	// The recordings and documents of the account's contacts the reader may
	// see (attachmentScope), each under evidence/, its hash checked as it is
	// copied; documents and photos only for a reader of personal data.
	var atts []Attachment
	if err := db.Table("attachments att").Scopes(attachmentScope(a)).Where("att.account_id = ? AND att.deleted_at IS NULL", acc.ID).
		Order("att.uploaded_at, att.id").Find(&atts).Error; err != nil {
		return err
	}
	type evidenceEntry struct {
		File        string    `json:"file,omitempty"`
		Attachment  string    `json:"attachment"`
		Contact     string    `json:"contact"`
		Kind        string    `json:"kind"`
		ContentType string    `json:"content_type"`
		Size        int64     `json:"size"`
		SHA256      string    `json:"sha256"`
		RetainUntil time.Time `json:"retain_until"`
		// Verified: the bytes in the bundle hash to SHA256 (the hash
		// recorded at upload and in the audit trail); Withheld: not in
		// the bundle (personal data the reader does not see, or missing).
		Verified bool   `json:"verified"`
		Withheld string `json:"withheld,omitempty"`
	}
	var evidenceList []evidenceEntry
	zw := zip.NewWriter(w)
	for _, att := range atts {
		e := evidenceEntry{Attachment: att.ID, Contact: att.ContactID, Kind: att.Kind, ContentType: att.ContentType, Size: att.Size,
			SHA256: att.SHA256, RetainUntil: att.RetainUntil}
		switch {
		case att.Kind != evidence.KindRecording && !personal:
			e.Withheld = "personal_data"
		case open == nil:
			e.Withheld = "no_store"
		default:
			rc, err := open(ctx, att.SHA256)
			if err != nil {
				e.Withheld = "object_missing"
				break
			}
			e.File = "evidence/" + att.ContactID + "/" + att.ID + evidence.Extension(att.ContentType)
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.File, Method: zip.Store, Modified: att.UploadedAt})
			if err != nil {
				rc.Close()
				return err
			}
			h := sha256.New()
			_, err = io.Copy(io.MultiWriter(fw, h), rc)
			rc.Close()
			if err != nil {
				return err
			}
			e.Verified = hex.EncodeToString(h.Sum(nil)) == att.SHA256
		}
		evidenceList = append(evidenceList, e)
	}
	manifest := map[string]string{}
	for _, f := range files {
		fw, err := zw.Create(f.name)
		if err != nil {
			return err
		}
		h := sha256.New()
		if err := f.write(io.MultiWriter(fw, h)); err != nil {
			return err
		}
		manifest[f.name] = hex.EncodeToString(h.Sum(nil))
	}
	mw, err := zw.Create("manifest.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if evidenceList == nil {
		evidenceList = []evidenceEntry{}
	}
	if err := enc.Encode(map[string]any{"case": caseID, "account": acc.ExternalRef, "generated_at": s.now().Format(time.RFC3339), "sha256": manifest,
		"evidence": evidenceList}); err != nil {
		return err
	}
	return zw.Close()
}

// csvQuery writes a query's rows as CSV with the header given; each row
// passes through the mappers, which may change it and drop the columns
// beyond the header.
func csvQuery(q *gorm.DB, header []string, w io.Writer, mappers ...func([]string) []string) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csvout.NewWriter(w)
	_ = cw.Write(header)
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		rec := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
			case []byte:
				rec[i] = string(x)
			case time.Time:
				rec[i] = x.UTC().Format(time.RFC3339)
			case int64:
				rec[i] = strconv.FormatInt(x, 10)
			default:
				rec[i] = fmt.Sprint(x)
			}
		}
		for _, m := range mappers {
			rec = m(rec)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return rows.Err()
}

func jsonInto(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// LegalCaseVisible reports not found for a case outside the actor's scope.
func (s *Store) LegalCaseVisible(ctx context.Context, a collect.Actor, id string) error {
	var n int64
	if err := s.db.WithContext(ctx).Table("legal_cases").Scopes(legalScope(a)).Where("legal_cases.id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return collect.E(collect.ENOTFOUND, "err.legal.case_not_found")
	}
	return nil
}
