package store

import (
	"collect"
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/casework"
	"collect/evidence"
	"collect/oversight"
)

// ObjectOpener opens a stored evidence object by its hash (the blob
// store's, given by the portal: the store itself holds no bytes).
type ObjectOpener func(ctx context.Context, sha string) (io.ReadCloser, error)

// Attachment is one evidence object on a contact (or a case), as the API
// shows it (API.md: id, sha256, size, content_type, retain_until).
type Attachment struct {
	ID          string     `json:"id"`
	ContactID   string     `json:"contact_id"`
	LegalCaseID string     `json:"legal_case_id,omitempty"`
	AccountID   string     `json:"account_id"`
	Kind        string     `json:"kind"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256" gorm:"column:sha256"`
	FileName    string     `json:"file_name"`
	CallID      string     `json:"call_id"`
	DurationMS  *int64     `json:"duration_ms"`
	Profile     string     `json:"conduct_profile" gorm:"column:profile"`
	UploadedBy  string     `json:"uploaded_by"`
	UploadedOrg string     `json:"-"`
	UploadedAt  time.Time  `json:"uploaded_at"`
	RetainUntil time.Time  `json:"retain_until"`
	LegalHold   bool       `json:"legal_hold"`
	HoldReason  string     `json:"hold_reason"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	LenderID    string     `json:"-"`
	AgencyID    string     `json:"agency_id"`
}

// AttachmentTarget is the contact an upload is for, as the actor may see it.
type AttachmentTarget struct {
	ContactID, AccountID, LenderID, AgencyID string
	Channel, Outcome, Profile                string
	At                                       time.Time
}

// attachmentScope limits attachments (alias "att"): the lender's own, or
// those of the agency that made the contact; the platform none.
func attachmentScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("att", a) }

// contactTarget reads the contact in the actor's scope: the lender's, or
// one the actor's agency made.
func (s *Store) contactTarget(tx *gorm.DB, a collect.Actor, contactID string) (AttachmentTarget, error) {
	var t AttachmentTarget
	err := tx.Table("contacts c").Scopes(partyScope("c", a)).
		Select("c.id AS contact_id, c.account_id, c.lender_id, c.agency_id, c.channel, c.outcome, c.at, ac.conduct_profile AS profile").
		Joins("JOIN accounts ac ON ac.id = c.account_id").Where("c.id = ?", contactID).Take(&t).Error
	return t, notFound(err, "contact")
}

// ContactForUpload is the contact an upload is for; not found outside the
// actor's scope (before a byte of the upload is stored).
func (s *Store) ContactForUpload(ctx context.Context, a collect.Actor, contactID string) (AttachmentTarget, error) {
	return s.contactTarget(s.db.WithContext(ctx), a, contactID)
}

// caseTarget reads the legal case in the actor's scope (legalScope) as an
// upload's target: a court filing, a judgment, a lawyer's letter.
func (s *Store) caseTarget(tx *gorm.DB, a collect.Actor, caseID string) (AttachmentTarget, error) {
	var t AttachmentTarget
	err := tx.Table("legal_cases").Scopes(legalScope(a)).
		Select("legal_cases.account_id, legal_cases.lender_id, legal_cases.agency_id, legal_cases.created_at AS at, ac.conduct_profile AS profile").
		Joins("JOIN accounts ac ON ac.id = legal_cases.account_id").Where("legal_cases.id = ?", caseID).Take(&t).Error
	if err != nil {
		return t, notFound(err, "legal case")
	}
	if a.OrgKind == collect.KindAgency {
		t.AgencyID = a.OrgID // the agency holding the account now
	}
	return t, nil
}

// paymentTarget reads a payment as a voucher upload's target: one the
// actor's agency reported and that is still reported.
func (s *Store) paymentTarget(tx *gorm.DB, a collect.Actor, paymentID string, now time.Time) (AttachmentTarget, error) {
	var t AttachmentTarget
	if a.OrgKind != collect.KindAgency {
		return t, notFoundError("payment")
	}
	var p struct{ AccountID, LenderID, AgencyID, Status, Profile string }
	err := tx.Table("payments").Scopes(paymentScope(a)).
		Select("payments.account_id, payments.lender_id, payments.agency_id, payments.status, ac.conduct_profile AS profile").
		Joins("JOIN accounts ac ON ac.id = payments.account_id").Where("payments.id = ?", paymentID).Take(&p).Error
	if err != nil {
		return t, notFound(err, "payment")
	}
	if p.Status != "reported" {
		return t, collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", p.Status)
	}
	return AttachmentTarget{AccountID: p.AccountID, LenderID: p.LenderID, AgencyID: p.AgencyID, Profile: p.Profile, At: now}, nil
}

// CaseForUpload is the legal case an upload is for; not found outside the
// actor's scope.
func (s *Store) CaseForUpload(ctx context.Context, a collect.Actor, caseID string) (AttachmentTarget, error) {
	return s.caseTarget(s.db.WithContext(ctx), a, caseID)
}

// CaseAttachments lists a legal case's own documents in the actor's scope.
func (s *Store) CaseAttachments(ctx context.Context, a collect.Actor, caseID string) ([]Attachment, error) {
	if _, err := s.caseTarget(s.db.WithContext(ctx), a, caseID); err != nil {
		return nil, err
	}
	var out []Attachment
	err := s.db.WithContext(ctx).Table("attachments att").Scopes(attachmentScope(a)).
		Where("att.legal_case_id = ?", caseID).Order("att.uploaded_at, att.id").Find(&out).Error
	return out, err
}

// AttachmentInput is a stored object to record on a contact, or (with
// LegalCaseID instead) on a legal case.
type AttachmentInput struct {
	LegalCaseID string
	PaymentID   string // a voucher: the bank transfer receipt of a reported payment
	ContactID   string
	Kind        string
	ContentType string
	Size        int64
	SHA256      string
	FileName    string
	CallID      string
	DurationMS  *int64
}

// cleanFileName keeps a file name for display only: its base name, no
// control characters, at most 200 characters.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			return -1
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F: // bidi controls: "fdp.exe" shown as "exe.pdf"
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// lastActivity is when the account was last worked: its latest contact.
func lastActivity(tx *gorm.DB, accountID string) (time.Time, error) {
	// The newest by the (account_id, at) index; MAX(at) would come back
	// from SQLite as text, not a time.
	var last []time.Time
	err := tx.Table("contacts").Where("account_id = ?", accountID).Order("at DESC").Limit(1).Pluck("at", &last).Error
	if err != nil || len(last) == 0 {
		return time.Time{}, err
	}
	return last[0], nil
}

// AddAttachment records an object already stored under its hash on the
// contact: its row with the retention date of the account's conduct
// profile, the recording's hash on the contact row, and the upload in the
// hash-chained audit trail with the hash. A recording that arrives after
// its call was found missing closes that finding.
func (s *Store) AddAttachment(ctx context.Context, a collect.Actor, in AttachmentInput) (Attachment, error) {
	if a.OrgKind != collect.KindAgency && a.OrgKind != collect.KindLender {
		return Attachment{}, notFoundError("contact")
	}
	if utf8.RuneCountInString(in.CallID) > 128 {
		return Attachment{}, collect.Invalid("call_id", "err.evidence.call_id_long", "max", 128)
	}
	now := s.now()
	var out Attachment
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var t AttachmentTarget
		var err error
		switch {
		case in.PaymentID != "":
			t, err = s.paymentTarget(tx, a, in.PaymentID, now)
		case in.LegalCaseID != "":
			t, err = s.caseTarget(tx, a, in.LegalCaseID)
		default:
			t, err = s.contactTarget(tx, a, in.ContactID)
		}
		if err != nil {
			return err
		}
		if err := s.lockObject(tx, in.SHA256); err != nil {
			return err
		}
		last, err := lastActivity(tx, t.AccountID)
		if err != nil {
			return err
		}
		out = Attachment{ID: uuid.Must(uuid.NewV7()).String(), ContactID: t.ContactID, LegalCaseID: in.LegalCaseID, AccountID: t.AccountID, Kind: in.Kind,
			ContentType: in.ContentType, Size: in.Size, SHA256: in.SHA256, FileName: cleanFileName(in.FileName), CallID: strings.TrimSpace(in.CallID),
			DurationMS: in.DurationMS, Profile: t.Profile, UploadedBy: a.UserID, UploadedOrg: a.OrgID, UploadedAt: now,
			RetainUntil: evidence.RetainUntil(t.Profile, t.At, last), LenderID: t.LenderID, AgencyID: t.AgencyID}
		if err := tx.Table("attachments").Create(map[string]any{"id": out.ID, "lender_id": t.LenderID, "agency_id": t.AgencyID,
			"account_id": t.AccountID, "contact_id": t.ContactID, "legal_case_id": in.LegalCaseID, "payment_id": in.PaymentID, "kind": out.Kind, "content_type": out.ContentType, "size": out.Size,
			"sha256": out.SHA256, "file_name": out.FileName, "call_id": out.CallID, "duration_ms": out.DurationMS, "profile": out.Profile,
			"uploaded_by": a.UserID, "uploaded_org": a.OrgID, "uploaded_at": now, "retain_until": out.RetainUntil}).Error; err != nil {
			return err
		}
		if in.Kind == evidence.KindRecording && t.ContactID != "" {
			res := tx.Exec("UPDATE contacts SET recording_sha256 = ? WHERE id = ? AND recording_sha256 = ''", out.SHA256, t.ContactID)
			if res.Error != nil {
				return res.Error
			}
			if out.CallID != "" {
				if err := tx.Exec("UPDATE contacts SET call_id = ? WHERE id = ? AND call_id = ''", out.CallID, t.ContactID).Error; err != nil {
					return err
				}
			}
			if res.RowsAffected == 1 {
				if err := s.closeMissingRecording(tx, a, t, now); err != nil {
					return err
				}
			}
		}
		objType, objID := "contact", t.ContactID
		switch {
		case in.PaymentID != "":
			objType, objID = "payment", in.PaymentID
			if err := setVoucher(tx, in.PaymentID, out.ID); err != nil {
				return err
			}
		case in.LegalCaseID != "":
			objType, objID = "legal_case", in.LegalCaseID
		}
		return s.appendAudit(tx, a, auditRecord{Action: "attachment.upload", ObjectType: objType, ObjectID: objID, LenderID: t.LenderID,
			After: map[string]any{"attachment": out.ID, "kind": out.Kind, "sha256": out.SHA256, "size": out.Size, "content_type": out.ContentType,
				"retain_until": out.RetainUntil}})
	})
	return out, err
}

// closeMissingRecording remediates the open missing-recording breach of
// the contact, if one was found before its recording came.
func (s *Store) closeMissingRecording(tx *gorm.DB, a collect.Actor, t AttachmentTarget, now time.Time) error {
	res := tx.Exec(`UPDATE breaches SET status = ?, remediation = ?, updated_by = ?, updated_at = ?
		WHERE source = 'evidence' AND source_id = ? AND rule = ? AND status = ?`,
		oversight.BreachRemediated, "recording uploaded late, "+now.UTC().Format(time.RFC3339), a.UserID, now,
		t.ContactID, oversight.RuleRecordingMissing, oversight.BreachOpen)
	return res.Error
}

// ListAttachments lists a contact's attachments in the actor's scope
// (deleted ones included, with when they were deleted).
func (s *Store) ListAttachments(ctx context.Context, a collect.Actor, contactID string) ([]Attachment, error) {
	if _, err := s.contactTarget(s.db.WithContext(ctx), a, contactID); err != nil {
		return nil, err
	}
	var out []Attachment
	err := s.db.WithContext(ctx).Table("attachments att").Scopes(attachmentScope(a)).
		Where("att.contact_id = ?", contactID).Order("att.uploaded_at, att.id").Find(&out).Error
	return out, err
}

// AccountAttachments lists the attachments of an account's contacts in the
// actor's scope, by contact, for the account page and the evidence bundle.
func (s *Store) AccountAttachments(ctx context.Context, a collect.Actor, accountID string) (map[string][]Attachment, error) {
	var rows []Attachment
	err := s.db.WithContext(ctx).Table("attachments att").Scopes(attachmentScope(a)).
		Where("att.account_id = ? AND att.deleted_at IS NULL", accountID).Order("att.uploaded_at, att.id").Find(&rows).Error
	out := map[string][]Attachment{}
	for _, r := range rows {
		out[r.ContactID] = append(out[r.ContactID], r)
	}
	return out, err
}

// Attachment is one attachment in the actor's scope; not found outside it.
func (s *Store) Attachment(ctx context.Context, a collect.Actor, id string) (Attachment, error) {
	var out Attachment
	err := s.db.WithContext(ctx).Table("attachments att").Scopes(attachmentScope(a)).Where("att.id = ?", id).Take(&out).Error
	return out, notFound(err, "attachment")
}

// Attachment access actions, as the audit trail names them.
const (
	AttachmentPlay     = "attachment.play"
	AttachmentDownload = "attachment.download"
	AttachmentVerify   = "attachment.verify"
	AttachmentTampered = "attachment.tampered"
)

// AuditAttachment records an access to (or a check of) an attachment.
func (s *Store) AuditAttachment(ctx context.Context, a collect.Actor, att Attachment, action string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["sha256"] = att.SHA256
	return s.inTx(ctx, func(tx *gorm.DB) error {
		return s.appendAudit(tx, a, auditRecord{Action: action, ObjectType: "attachment", ObjectID: att.ID, LenderID: att.LenderID, After: detail})
	})
}

// SetLegalHold puts an attachment under a legal hold (kept past its
// retention date) or lifts it; the lender's decision, audited.
func (s *Store) SetLegalHold(ctx context.Context, a collect.Actor, id string, hold bool, reason string) (Attachment, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return Attachment{}, collect.Invalid("reason", "err.evidence.hold_reason")
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var att Attachment
		if err := tx.Table("attachments att").Scopes(attachmentScope(a)).Where("att.id = ?", id).Take(&att).Error; err != nil {
			return notFound(err, "attachment")
		}
		if a.OrgKind != collect.KindLender {
			return collect.E(collect.EFORBIDDEN, "err.evidence.hold_lender_only")
		}
		if att.DeletedAt != nil {
			return collect.E(collect.ECONFLICT, "err.evidence.deleted", "at", att.DeletedAt.UTC().Format(time.RFC3339))
		}
		if err := tx.Table("attachments").Where("id = ?", id).Updates(map[string]any{"legal_hold": hold, "hold_reason": reason}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "attachment.legal_hold", ObjectType: "attachment", ObjectID: id, LenderID: att.LenderID,
			Before: map[string]any{"legal_hold": att.LegalHold}, After: map[string]any{"legal_hold": hold, "reason_sha256": textDigest(reason)}})
	})
	if err != nil {
		return Attachment{}, err
	}
	return s.Attachment(ctx, a, id)
}

// lockObject serialises, per object, the recording of an attachment and
// the deletion of its object: an advisory lock on PostgreSQL; on SQLite
// every write transaction already holds the database's write lock, which
// a first write takes at once.
func (s *Store) lockObject(tx *gorm.DB, sha string) error {
	if s.dialect == "postgres" {
		return tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "blob/"+sha).Error
	}
	return tx.Exec("UPDATE audit_head SET seq = seq WHERE id = 1").Error
}

// DeleteUnusedObject runs del (the blob store's delete of the object) when
// no live attachment names the object, under the object's lock, so an
// attachment being recorded meanwhile either comes first (and the object
// stays) or finds it gone and puts it back.
func (s *Store) DeleteUnusedObject(ctx context.Context, sha string, del func() error) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.lockObject(tx, sha); err != nil {
			return err
		}
		var n int64
		if err := tx.Table("attachments").Where("sha256 = ? AND deleted_at IS NULL", sha).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		return del()
	})
}

// SHAInUse reports whether a live attachment row names the object (two
// uploads of the same bytes share one object).
func (s *Store) SHAInUse(ctx context.Context, sha string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("attachments").Where("sha256 = ? AND deleted_at IS NULL", sha).Limit(1).Count(&n).Error
	return n > 0, err
}

// DueAttachment is an attachment whose retention date has come.
type DueAttachment struct {
	ID, SHA256, LenderID, AccountID, Profile string
	ContactAt                                time.Time
	RetainUntil                              time.Time
}

// AttachmentsDue lists up to limit attachments past their retention date at
// now, not deleted and under no hold: neither their own legal hold nor a
// legal case on the account still open, nor an unresolved complaint.
func (s *Store) AttachmentsDue(ctx context.Context, now time.Time, limit int) ([]DueAttachment, error) {
	var out []DueAttachment
	err := s.db.WithContext(ctx).Table("attachments att").
		Select("att.id, att.sha256, att.lender_id, att.account_id, att.profile, att.retain_until, c.at AS contact_at").
		Joins("LEFT JOIN contacts c ON c.id = att.contact_id").
		Where("att.deleted_at IS NULL AND att.legal_hold = ? AND att.retain_until <= ?", false, now.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM legal_cases lc WHERE lc.account_id = att.account_id AND lc.status NOT IN ('closed', 'rejected'))").
		Where("NOT EXISTS (SELECT 1 FROM complaints cp WHERE cp.account_id = att.account_id AND cp.status <> 'resolved')").
		Order("att.retain_until, att.id").Limit(limit).Scan(&out).Error
	return out, err
}

// ExtendRetention moves an attachment's retention date later (the debt was
// worked again since it was set); it never moves one earlier.
func (s *Store) ExtendRetention(ctx context.Context, id string, until time.Time) error {
	return s.db.WithContext(ctx).Exec("UPDATE attachments SET retain_until = ? WHERE id = ? AND retain_until < ?", until.UTC(), id, until.UTC()).Error
}

// LastActivity is when the account was last worked (its latest contact).
func (s *Store) LastActivity(ctx context.Context, accountID string) (time.Time, error) {
	return lastActivity(s.db.WithContext(ctx), accountID)
}

// MarkAttachmentDeleted records that retention deleted the attachment
// (the system's act, in the audit trail), unless it was deleted or held
// meanwhile; it reports whether it did.
func (s *Store) MarkAttachmentDeleted(ctx context.Context, d DueAttachment, now time.Time) (bool, error) {
	done := false
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE attachments SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL AND legal_hold = ?", now.UTC(), d.ID, false)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		done = true
		return s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "attachment.delete", ObjectType: "attachment", ObjectID: d.ID, LenderID: d.LenderID,
			After: map[string]any{"sha256": d.SHA256, "retain_until": d.RetainUntil, "reason": "retention"}})
	})
	return done, err
}

// RecordingMatch is a contact the telephony system's recording belongs to.
type RecordingMatch struct {
	ContactID string
	Reason    string // when not matched: no_contact, ambiguous
}

// MatchWindow is how far apart a recording's time and its call's may be
// when matched by time.
const MatchWindow = 2 * time.Minute

// MatchRecording finds the actor's agency's call a recording belongs to:
// by the telephony call id when a contact carries it, else the one call of
// the agency within MatchWindow of at (to phone, when given).
func (s *Store) MatchRecording(ctx context.Context, a collect.Actor, callID string, at time.Time, phone string) (RecordingMatch, error) {
	db := s.db.WithContext(ctx)
	if a.OrgKind != collect.KindAgency {
		return RecordingMatch{Reason: "no_contact"}, nil
	}
	var ids []string
	if callID != "" {
		if err := db.Table("contacts").Where("agency_id = ? AND call_id = ?", a.OrgID, callID).Limit(2).Pluck("id", &ids).Error; err != nil {
			return RecordingMatch{}, err
		}
	}
	if len(ids) == 0 && !at.IsZero() {
		var rows []struct {
			ID, PartyPhone string
		}
		if err := db.Table("contacts").Select("id, party_phone").
			Where("agency_id = ? AND channel = 'call' AND at BETWEEN ? AND ?", a.OrgID, at.Add(-MatchWindow).UTC(), at.Add(MatchWindow).UTC()).
			Limit(50).Scan(&rows).Error; err != nil {
			return RecordingMatch{}, err
		}
		for _, r := range rows {
			if phone == "" || casework.SamePhone(r.PartyPhone, phone) {
				ids = append(ids, r.ID)
			}
		}
	}
	switch len(ids) {
	case 0:
		return RecordingMatch{Reason: "no_contact"}, nil
	case 1:
		return RecordingMatch{ContactID: ids[0]}, nil
	}
	return RecordingMatch{Reason: "ambiguous"}, nil
}

// DetectMissingRecordings finds the connected calls recorded in [from, to)
// (and since their lender joined the portal) that still have no recording
// RecordingGrace after they happened, and
// records each as a finding (breach source evidence), once. It counts them
// apart from conduct breaches (recordings_missing), so the breach rate
// stays a rate of conduct.
func (s *Store) DetectMissingRecordings(ctx context.Context, from, to time.Time) (int, error) {
	now := s.now()
	var rows []struct {
		ID, AccountID, LenderID, AgencyID, Channel, Outcome string
		At                                                  time.Time
	}
	if err := s.db.WithContext(ctx).Table("contacts").Select("id, account_id, lender_id, agency_id, channel, outcome, at").
		Where("created_at >= ? AND created_at < ? AND channel = 'call' AND recording_sha256 = '' AND at <= ?", from.UTC(), to.UTC(), now.Add(-evidence.RecordingGrace).UTC()).
		// Calls logged as history from before the lender joined (a
		// migration, the demo's past) were never asked for recordings here.
		Where("created_at >= (SELECT o.created_at FROM organisations o WHERE o.id = contacts.lender_id)").
		Scan(&rows).Error; err != nil {
		return 0, err
	}
	found := 0
	for _, r := range rows {
		if !evidence.RequiresRecording(r.Channel, casework.CallConnected(r.Outcome)) {
			continue
		}
		v := collect.Broken(oversight.RuleRecordingMissing, "err.evidence.rule.recording_missing", "at", r.At.UTC().Format(time.RFC3339))
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			n, err := recordBreaches(tx, r.LenderID, r.AgencyID, r.AccountID, "evidence", r.ID, r.At, now, []collect.Violation{v}, nil)
			found += int(n)
			return err
		})
		if err != nil {
			return found, err
		}
	}
	return found, nil
}
