package store

import (
	"cmp"
	"collect"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/billing"
)

// Monthly invoices (issue 17, part 6): one per lender, agency and month,
// drafted from the confirmed payments' commission that month (and late
// ones whose own month was already approved), the contract's bonuses and
// deductions, adjustments carried in, and the remittance the agency owes.
// While a draft, it is redrafted whenever it is read, keeping the agency's
// review of each line; the agency accepts or disputes it; the vendor
// manager approves it, and from then on it never changes.

// InvoiceOut is an invoice as the API shows it.
type InvoiceOut struct {
	ID         string `json:"id"`
	LenderID   string `json:"lender_id"`
	LenderName string `json:"lender_name"`
	AgencyName string `json:"agency_name"`
	billing.Invoice
	// Lines are the invoice's lines with each account's loan reference (the
	// embedded Invoice's Lines, which its sums are checked against).
	Lines      []InvoiceLine `json:"lines"`
	ReviewedAt *time.Time    `json:"reviewed_at"`
	ApprovedAt *time.Time    `json:"approved_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

type invoiceRow struct {
	ID, LenderID, AgencyID, Month, Currency, Status string
	Number                                          *string
	PaymentsCents, CommissionCents                  int64
	AdjustmentsCents, RemittanceOwedCents           int64
	TotalCents, DisputedCents                       int64
	DisputeReason                                   string
	ReviewedAt, ApprovedAt                          *time.Time
	UpdatedAt                                       time.Time
	LenderName, AgencyName                          string
}

// InvoiceLine is a line with its account's loan reference.
type InvoiceLine struct {
	billing.Line
	ExternalRef string `json:"external_ref"`
}

// invoiceScope limits invoices (alias "i"): the lender's, or the agency's own.
func invoiceScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("i", a) }

// Invoices lists the month's invoices in the actor's scope (one agency's
// when agencyID is given), drafting those with something to bill that have
// none yet and redrafting drafts. Lines are left out; Invoice has them.
func (s *Store) Invoices(ctx context.Context, a collect.Actor, month, agencyID string) ([]InvoiceOut, error) {
	if err := ValidMonth(month); err != nil {
		return nil, err
	}
	if a.OrgKind != collect.KindLender && a.OrgKind != collect.KindAgency {
		return []InvoiceOut{}, nil
	}
	col := "lender_id"
	if a.OrgKind == collect.KindAgency {
		col = "agency_id"
	}
	// The pairs with something to bill this month, or an invoice already.
	var pairs []struct{ LenderID, AgencyID string }
	q := `SELECT lender_id, agency_id FROM commissions c WHERE ` + col + ` = ? AND (month = ? OR (invoice_id = '' AND month < ?
			AND EXISTS (SELECT 1 FROM invoices o WHERE o.lender_id = c.lender_id AND o.agency_id = c.agency_id AND o.month = c.month AND o.status = 'approved')))
		UNION SELECT lender_id, agency_id FROM invoices WHERE ` + col + ` = ? AND month = ?
		UNION SELECT lender_id, agency_id FROM invoice_adjustments WHERE ` + col + ` = ? AND invoice_id = '' AND month <= ?
		UNION SELECT lender_id, agency_id FROM payments WHERE ` + col + ` = ? AND channel = 'agency_collected' AND status = 'confirmed'
			AND linked_payment_id = '' AND remitted_at IS NULL AND remittance_invoice_id = '' AND paid_on <= ?`
	end := billing.NextMonth(month) + "-00"
	if err := s.db.WithContext(ctx).Raw(q, a.OrgID, month, month, a.OrgID, month, a.OrgID, month, a.OrgID, end).Scan(&pairs).Error; err != nil {
		return nil, err
	}
	now := s.now()
	for _, p := range pairs {
		if agencyID != "" && p.AgencyID != agencyID {
			continue
		}
		if err := s.inTx(ctx, func(tx *gorm.DB) error {
			_, err := s.draftInvoice(tx, p.LenderID, p.AgencyID, month, now)
			return err
		}); err != nil {
			return nil, err
		}
	}
	var rows []invoiceRow
	iq := s.db.WithContext(ctx).Table("invoices i").Scopes(invoiceScope(a)).
		Select("i.*, le.name AS lender_name, ag.name AS agency_name").
		Joins("JOIN organisations le ON le.id = i.lender_id").Joins("JOIN organisations ag ON ag.id = i.agency_id").
		Where("i.month = ?", month).Order("ag.name, le.name, i.id")
	if agencyID != "" {
		iq = iq.Where("i.agency_id = ?", agencyID)
	}
	if err := iq.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]InvoiceOut, len(rows))
	for i, r := range rows {
		out[i] = r.out()
	}
	return out, nil
}

func (r invoiceRow) out() InvoiceOut {
	o := InvoiceOut{ID: r.ID, LenderID: r.LenderID, LenderName: r.LenderName, AgencyName: r.AgencyName,
		ReviewedAt: r.ReviewedAt, ApprovedAt: r.ApprovedAt, UpdatedAt: r.UpdatedAt, Lines: []InvoiceLine{},
		Invoice: billing.Invoice{AgencyID: r.AgencyID, Month: r.Month, Currency: r.Currency, Status: billing.InvoiceStatus(r.Status),
			Lines: []billing.Line{}, Adjustments: []billing.Adjustment{}, PaymentsCents: r.PaymentsCents, CommissionCents: r.CommissionCents,
			AdjustmentsCents: r.AdjustmentsCents, RemittanceOwedCents: r.RemittanceOwedCents, TotalCents: r.TotalCents,
			DisputedCents: r.DisputedCents, DisputeReason: r.DisputeReason}}
	if r.Number != nil {
		o.Number = *r.Number
	}
	return o
}

// draftInvoice finds or creates the invoice of lender, agency and month
// and, while it is a draft, rebuilds it from what there is to bill. It
// answers the invoice's id.
func (s *Store) draftInvoice(tx *gorm.DB, lenderID, agencyID, month string, now time.Time) (string, error) {
	ins := tx.Exec(`INSERT INTO invoices (id, lender_id, agency_id, month, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'draft', ?, ?) ON CONFLICT (lender_id, agency_id, month) DO NOTHING`,
		uuid.Must(uuid.NewV7()).String(), lenderID, agencyID, month, now, now)
	if ins.Error != nil {
		return "", ins.Error
	}
	var inv invoiceRow
	q := tx.Table("invoices").Where("lender_id = ? AND agency_id = ? AND month = ?", lenderID, agencyID, month)
	if s.dialect == "postgres" {
		q = q.Clauses(lockingUpdate(tx)...)
	}
	if err := q.Take(&inv).Error; err != nil {
		return "", err
	}
	if inv.Status != string(billing.InvoiceDraft) {
		return inv.ID, nil
	}
	// Commission of the month, and late commission whose own month's
	// invoice was approved before it came (a month never invoiced keeps
	// its commission for its own invoice); adjustments waiting for the
	// month; collected money not yet netted.
	claimed := ins.RowsAffected // a new invoice is drafted whole
	end := billing.NextMonth(month) + "-00"
	for _, c := range []struct {
		q    string
		args []any
	}{
		{`UPDATE commissions SET invoice_id = ? WHERE lender_id = ? AND agency_id = ? AND invoice_id = ''
			AND (month = ? OR (month < ? AND EXISTS (SELECT 1 FROM invoices o WHERE o.lender_id = commissions.lender_id
				AND o.agency_id = commissions.agency_id AND o.month = commissions.month AND o.status = 'approved')))`,
			[]any{inv.ID, lenderID, agencyID, month, month}},
		{`UPDATE invoice_adjustments SET invoice_id = ? WHERE lender_id = ? AND agency_id = ? AND invoice_id = '' AND month <= ?`,
			[]any{inv.ID, lenderID, agencyID, month}},
		// Money the agency collected and the lender's books do not hold
		// yet (one linked to a lender payment is already there).
		{`UPDATE payments SET remittance_invoice_id = ? WHERE lender_id = ? AND agency_id = ? AND channel = 'agency_collected'
			AND status = 'confirmed' AND linked_payment_id = '' AND remitted_at IS NULL AND remittance_invoice_id = '' AND paid_on <= ?`,
			[]any{inv.ID, lenderID, agencyID, end}},
	} {
		res := tx.Exec(c.q, c.args...)
		if res.Error != nil {
			return "", res.Error
		}
		claimed += res.RowsAffected
	}
	var remittance int64
	if err := tx.Raw(`SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE remittance_invoice_id = ? AND remitted_at IS NULL`, inv.ID).Scan(&remittance).Error; err != nil {
		return "", err
	}
	// Nothing new to claim: the lines stand, and only the month's events
	// (the contract's bonuses and deductions) may have moved.
	commission := inv.CommissionCents
	var lines []billing.Line
	if claimed > 0 {
		var err error
		if lines, err = invoiceLines(tx, inv.ID); err != nil {
			return "", err
		}
		commission = 0
		for _, l := range lines {
			commission += l.CommissionCents
		}
	}
	rules, err := s.periodAdjustments(tx, lenderID, agencyID, month, commission)
	if err != nil {
		return "", err
	}
	var stored []struct {
		Code        string
		AmountCents int64
	}
	if err := tx.Raw(`SELECT code, amount_cents FROM invoice_adjustments WHERE invoice_id = ? AND kind IN ('bonus', 'deduction') ORDER BY position`, inv.ID).Scan(&stored).Error; err != nil {
		return "", err
	}
	same := len(stored) == len(rules)
	for i := 0; same && i < len(rules); i++ {
		same = stored[i].Code == rules[i].Code && stored[i].AmountCents == rules[i].AmountCents
	}
	var adjSum int64
	if err := tx.Raw(`SELECT COALESCE(SUM(amount_cents), 0) FROM invoice_adjustments WHERE invoice_id = ? AND kind NOT IN ('bonus', 'deduction')`, inv.ID).Scan(&adjSum).Error; err != nil {
		return "", err
	}
	for _, r := range rules {
		adjSum += r.AmountCents
	}
	if claimed == 0 && same && remittance == inv.RemittanceOwedCents && adjSum == inv.AdjustmentsCents {
		return inv.ID, nil
	}
	if lines == nil {
		if lines, err = invoiceLines(tx, inv.ID); err != nil {
			return "", err
		}
	}
	if !same {
		if err := tx.Exec(`DELETE FROM invoice_adjustments WHERE invoice_id = ? AND kind IN ('bonus', 'deduction')`, inv.ID).Error; err != nil {
			return "", err
		}
		for i, adj := range rules {
			detail, _ := json.Marshal(adj)
			if err := tx.Table("invoice_adjustments").Create(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "invoice_id": inv.ID,
				"lender_id": lenderID, "agency_id": agencyID, "month": month, "kind": string(adj.Kind), "code": adj.Code,
				"amount_cents": adj.AmountCents, "detail": string(detail), "created_at": now, "position": i}).Error; err != nil {
				return "", err
			}
		}
	}
	adjs, err := invoiceAdjustments(tx, inv.ID)
	if err != nil {
		return "", err
	}
	built, err := billing.BuildInvoice(agencyID, month, lines, adjs, remittance)
	if err != nil {
		return "", err
	}
	// The agency's review of each line, kept across redrafts.
	var states []struct{ PaymentID, State, DisputeReason string }
	if err := tx.Raw(`SELECT payment_id, state, dispute_reason FROM invoice_lines WHERE invoice_id = ? AND state <> 'open'`, inv.ID).Scan(&states).Error; err != nil {
		return "", err
	}
	byPayment := map[string]int{}
	for i, l := range built.Lines {
		byPayment[l.PaymentID] = i
	}
	for _, st := range states {
		i, ok := byPayment[st.PaymentID]
		if !ok {
			continue
		}
		if st.State == string(billing.LineAccepted) {
			built, err = built.AcceptLine(built.Lines[i].ID)
		} else {
			built, err = built.DisputeLine(built.Lines[i].ID, st.DisputeReason)
		}
		if err != nil {
			return "", err
		}
	}
	return inv.ID, s.writeInvoice(tx, inv.ID, built, now, true)
}

// writeInvoice stores an invoice's totals and status and, with lines, its
// lines as built.
func (s *Store) writeInvoice(tx *gorm.DB, id string, inv billing.Invoice, now time.Time, lines bool) error {
	if err := tx.Table("invoices").Where("id = ?", id).Updates(map[string]any{"status": string(inv.Status), "currency": cmp.Or(inv.Currency, "CNY"),
		"payments_cents": inv.PaymentsCents, "commission_cents": inv.CommissionCents, "adjustments_cents": inv.AdjustmentsCents,
		"remittance_owed_cents": inv.RemittanceOwedCents, "total_cents": inv.TotalCents, "disputed_cents": inv.DisputedCents,
		"dispute_reason": inv.DisputeReason, "updated_at": now}).Error; err != nil {
		return err
	}
	if !lines {
		for _, l := range inv.Lines {
			if err := tx.Exec("UPDATE invoice_lines SET state = ?, dispute_reason = ? WHERE id = ? AND invoice_id = ?",
				string(l.State), l.DisputeReason, l.ID, id).Error; err != nil {
				return err
			}
		}
		return nil
	}
	if err := tx.Exec("DELETE FROM invoice_lines WHERE invoice_id = ?", id).Error; err != nil {
		return err
	}
	rows := make([]map[string]any, 0, len(inv.Lines))
	for i, l := range inv.Lines {
		expl, _ := json.Marshal(l.Explanation)
		rows = append(rows, map[string]any{"id": l.ID, "invoice_id": id, "payment_id": l.PaymentID, "account_id": l.AccountID,
			"paid_on": string(l.PaidOn), "channel": string(l.Channel), "payment_cents": l.PaymentCents, "commission_cents": l.CommissionCents,
			"explanation": string(expl), "state": string(l.State), "dispute_reason": l.DisputeReason, "position": i})
	}
	for chunk := range slices.Chunk(rows, 500) {
		if err := tx.Table("invoice_lines").Create(chunk).Error; err != nil {
			return err
		}
	}
	return nil
}

// invoiceLines are the commissions an invoice claimed, as its lines (the
// commission's id is the line's).
func invoiceLines(tx *gorm.DB, invoiceID string) ([]billing.Line, error) {
	var rows []struct {
		ID, PaymentID, AccountID, PaidOn, Channel, Currency, Explanation, Bucket string
		PaymentCents, CommissionCents                                            int64
		RateBP                                                                   int
		PaidAt                                                                   time.Time
	}
	if err := tx.Raw(`SELECT c.id, c.payment_id, c.account_id, p.paid_on, p.channel, p.currency, c.explanation, c.bucket, c.rate_bp,
			c.payment_cents, c.amount_cents AS commission_cents, p.paid_at
		FROM commissions c JOIN payments p ON p.id = c.payment_id WHERE c.invoice_id = ? ORDER BY p.paid_at, c.id`, invoiceID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]billing.Line, 0, len(rows))
	for _, r := range rows {
		l := billing.Line{ID: r.ID, PaymentID: r.PaymentID, AccountID: r.AccountID, PaidOn: billing.Date(r.PaidOn), Channel: billing.Channel(r.Channel),
			Currency: r.Currency, PaymentCents: r.PaymentCents, CommissionCents: r.CommissionCents, State: billing.LineOpen}
		if !l.PaidOn.Valid() { // a payment from before paid_on was kept
			l.PaidOn = billing.DateIn(r.PaidAt, collect.China)
		}
		if r.Explanation != "" {
			_ = json.Unmarshal([]byte(r.Explanation), &l.Explanation)
		} else {
			// Accrued before explanations were kept: the bucket's rate at placement.
			l.Explanation = billing.Explanation{Source: billing.RateBucket, Bucket: r.Bucket, RateBP: r.RateBP, PaymentCents: r.PaymentCents,
				RateCents: r.CommissionCents, Cents: r.CommissionCents}
		}
		out = append(out, l)
	}
	return out, nil
}

func invoiceAdjustments(tx *gorm.DB, invoiceID string) ([]billing.Adjustment, error) {
	var rows []struct {
		ID, Kind, Code, Reason, Detail, FromInvoice string
		AmountCents                                 int64
	}
	if err := tx.Raw(`SELECT id, kind, code, reason, detail, from_invoice, amount_cents FROM invoice_adjustments
		WHERE invoice_id = ? ORDER BY position, created_at, id`, invoiceID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]billing.Adjustment, 0, len(rows))
	for _, r := range rows {
		var a billing.Adjustment
		if r.Detail != "" {
			_ = json.Unmarshal([]byte(r.Detail), &a)
		}
		a.ID, a.Kind, a.Code, a.AmountCents, a.Reason, a.FromInvoice = r.ID, billing.AdjustmentKind(r.Kind), r.Code, r.AmountCents, r.Reason, r.FromInvoice
		a.Month = ""
		out = append(out, a)
	}
	return out, nil
}

// periodAdjustments are the contract's bonuses and deductions for the
// agency's month: the events counted are conduct breaches found that month
// (conduct_breach) and failed quality items of reviews that month
// (qa_failed_item).
func (s *Store) periodAdjustments(tx *gorm.DB, lenderID, agencyID, month string, commission int64) ([]billing.Adjustment, error) {
	var raw string
	if err := tx.Raw("SELECT commission_terms FROM contracts WHERE lender_id = ? AND agency_id = ?", lenderID, agencyID).Scan(&raw).Error; err != nil {
		return nil, err
	}
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var t billing.CommissionTerms
	if json.Unmarshal([]byte(raw), &t) != nil || len(t.Bonuses)+len(t.Deductions) == 0 {
		return nil, nil
	}
	loc, err := lenderZone(tx, lenderID) // the lender's month
	if err != nil {
		return nil, err
	}
	from, _ := time.ParseInLocation("2006-01", month, loc)
	to := from.AddDate(0, 1, 0)
	events := map[string]int{}
	var n int64
	if err := tx.Raw(`SELECT COUNT(*) FROM breaches WHERE lender_id = ? AND agency_id = ? AND occurred_at >= ? AND occurred_at < ? AND status <> 'dismissed'`,
		lenderID, agencyID, from.UTC(), to.UTC()).Scan(&n).Error; err != nil {
		return nil, err
	}
	events["conduct_breach"] = int(n)
	if err := tx.Raw(`SELECT COUNT(*) FROM qa_findings f JOIN qa_reviews r ON r.id = f.review_id
		WHERE r.lender_id = ? AND r.agency_id = ? AND r.created_at >= ? AND r.created_at < ?`, lenderID, agencyID, from.UTC(), to.UTC()).Scan(&n).Error; err != nil {
		return nil, err
	}
	events["qa_failed_item"] = int(n)
	t.BucketRatesBP = map[string]int{"_": 0}
	return billing.PeriodAdjustments(t, events, commission)
}

// Invoice is one invoice with its lines and adjustments, in the actor's
// scope; a draft is redrafted first.
func (s *Store) Invoice(ctx context.Context, a collect.Actor, id string) (InvoiceOut, error) {
	var row invoiceRow
	if err := s.db.WithContext(ctx).Table("invoices i").Scopes(invoiceScope(a)).Where("i.id = ?", id).Take(&row).Error; err != nil {
		return InvoiceOut{}, notFound(err, "invoice")
	}
	if row.Status == string(billing.InvoiceDraft) {
		if err := s.inTx(ctx, func(tx *gorm.DB) error {
			_, err := s.draftInvoice(tx, row.LenderID, row.AgencyID, row.Month, s.now())
			return err
		}); err != nil {
			return InvoiceOut{}, err
		}
	}
	return s.loadInvoice(s.db.WithContext(ctx), a, id)
}

func (s *Store) loadInvoice(tx *gorm.DB, a collect.Actor, id string) (InvoiceOut, error) {
	var row invoiceRow
	if err := tx.Table("invoices i").Scopes(invoiceScope(a)).Select("i.*, le.name AS lender_name, ag.name AS agency_name").
		Joins("JOIN organisations le ON le.id = i.lender_id").Joins("JOIN organisations ag ON ag.id = i.agency_id").
		Where("i.id = ?", id).Take(&row).Error; err != nil {
		return InvoiceOut{}, notFound(err, "invoice")
	}
	out := row.out()
	var lines []struct {
		ID, PaymentID, AccountID, ExternalRef, PaidOn, Channel, Explanation, State, DisputeReason string
		PaymentCents, CommissionCents                                                             int64
	}
	if err := tx.Raw(`SELECT l.id, l.payment_id, l.account_id, ac.external_ref, l.paid_on, l.channel, l.explanation, l.state, l.dispute_reason,
			l.payment_cents, l.commission_cents
		FROM invoice_lines l JOIN accounts ac ON ac.id = l.account_id WHERE l.invoice_id = ? ORDER BY l.position`, id).Scan(&lines).Error; err != nil {
		return out, err
	}
	out.Lines = make([]InvoiceLine, 0, len(lines))
	for _, l := range lines {
		bl := billing.Line{ID: l.ID, PaymentID: l.PaymentID, AccountID: l.AccountID, PaidOn: billing.Date(l.PaidOn), Channel: billing.Channel(l.Channel),
			Currency: out.Currency, PaymentCents: l.PaymentCents, CommissionCents: l.CommissionCents, State: billing.LineState(l.State), DisputeReason: l.DisputeReason}
		_ = json.Unmarshal([]byte(l.Explanation), &bl.Explanation)
		out.Invoice.Lines = append(out.Invoice.Lines, bl)
		out.Lines = append(out.Lines, InvoiceLine{Line: bl, ExternalRef: l.ExternalRef})
	}
	adjs, err := invoiceAdjustments(tx, id)
	if err != nil {
		return out, err
	}
	out.Adjustments = adjs
	if err := out.Invoice.Check(); err != nil { // the stored totals are the sums of the stored parts
		return out, err
	}
	return out, nil
}

// ReviewInput is the agency's review: accept the whole invoice, or dispute
// it with a reason and/or the lines it disputes.
type ReviewInput struct {
	Reason  string   `json:"reason"`
	LineIDs []string `json:"line_ids"`
}

// ReviewInvoice is the agency accepting (accept) or disputing an invoice
// of its own. Audited; an approved invoice is 409.
func (s *Store) ReviewInvoice(ctx context.Context, a collect.Actor, id string, accept bool, in ReviewInput) (InvoiceOut, error) {
	if a.OrgKind != collect.KindAgency {
		return InvoiceOut{}, notFoundError("invoice")
	}
	if _, err := s.Invoice(ctx, a, id); err != nil { // redrafts a draft first
		return InvoiceOut{}, err
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		cur, err := s.lockedInvoice(tx, a, id)
		if err != nil {
			return err
		}
		inv := cur.Invoice
		if accept {
			inv, err = inv.Accept()
		} else {
			for _, lid := range in.LineIDs {
				if inv, err = inv.DisputeLine(lid, cmp.Or(strings.TrimSpace(in.Reason), "disputed")); err != nil {
					return err
				}
			}
			inv, err = inv.Dispute(in.Reason)
		}
		if err != nil {
			return err
		}
		if err := s.writeInvoice(tx, id, inv, now, false); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE invoices SET reviewed_by = ?, reviewed_at = ? WHERE id = ?", a.UserID, now, id).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "invoice." + map[bool]string{true: "accept", false: "dispute"}[accept], ObjectType: "invoice",
			ObjectID: id, LenderID: cur.LenderID, Before: map[string]string{"status": string(cur.Status)},
			After: map[string]any{"status": string(inv.Status), "total_cents": inv.TotalCents, "disputed_cents": inv.DisputedCents, "reason": strings.TrimSpace(in.Reason)}})
	})
	if err != nil {
		return InvoiceOut{}, err
	}
	return s.loadInvoice(s.db.WithContext(ctx), a, id)
}

func (s *Store) lockedInvoice(tx *gorm.DB, a collect.Actor, id string) (InvoiceOut, error) {
	q := tx.Table("invoices i").Scopes(invoiceScope(a)).Select("i.id").Where("i.id = ?", id)
	if s.dialect == "postgres" {
		q = q.Clauses(lockingUpdate(tx)...)
	}
	var got string
	if err := q.Pluck("i.id", &got).Error; err != nil || got == "" {
		return InvoiceOut{}, notFoundError("invoice")
	}
	return s.loadInvoice(tx, a, id)
}

// ApproveInvoice is the vendor manager approving an invoice (the agency
// accepted or disputed it, or left the draft unreviewed): it is numbered
// and locked, and the remittance it nets is settled. Audited, saying
// whether the agency reviewed it; approving again is 409.
func (s *Store) ApproveInvoice(ctx context.Context, a collect.Actor, id string) (InvoiceOut, error) {
	if a.OrgKind != collect.KindLender {
		return InvoiceOut{}, notFoundError("invoice")
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		cur, err := s.lockedInvoice(tx, a, id)
		if err != nil {
			return err
		}
		if err := billing.CanMoveInvoice(cur.Status, billing.InvoiceApproved); err != nil {
			return err
		}
		var names []struct{ ID, Name, NameEn string }
		if err := tx.Raw("SELECT id, name, name_en FROM organisations WHERE id IN ?", []string{cur.LenderID, cur.AgencyID}).Scan(&names).Error; err != nil {
			return err
		}
		short := map[string]string{}
		for _, n := range names {
			short[n.ID] = shortName(n.ID, n.NameEn, n.Name)
		}
		// Two agencies may share a short name: the sequence counts every
		// number of the lender, short name and month (the unique index on
		// numbers catches a race, which is refused and can be retried).
		first, err := billing.InvoiceNumber(short[cur.LenderID], cur.Month, short[cur.AgencyID], 1)
		if err != nil {
			return err
		}
		var seq int
		if err := tx.Raw("SELECT COUNT(*) + 1 FROM invoices WHERE number LIKE ?", strings.TrimSuffix(first, "0001")+"%").Scan(&seq).Error; err != nil {
			return err
		}
		number, err := billing.InvoiceNumber(short[cur.LenderID], cur.Month, short[cur.AgencyID], seq)
		if err != nil {
			return err
		}
		inv, err := cur.Invoice.Approve(number)
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE invoices SET status = 'approved', number = ?, seq = ?, approved_by = ?, approved_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('draft', 'agency_accepted', 'disputed')`, number, seq, a.UserID, now, now, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.billing.invoice_locked")
		}
		if err := tx.Exec("UPDATE payments SET remitted_at = ? WHERE remittance_invoice_id = ? AND remitted_at IS NULL", now, id).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "invoice.approve", ObjectType: "invoice", ObjectID: id, LenderID: cur.LenderID,
			Before: map[string]string{"status": string(cur.Status)},
			After: map[string]any{"status": string(inv.Status), "number": number, "total_cents": inv.TotalCents, "lines": len(inv.Lines),
				"agency_reviewed": cur.Status != billing.InvoiceDraft}})
	})
	if err != nil {
		return InvoiceOut{}, err
	}
	return s.loadInvoice(s.db.WithContext(ctx), a, id)
}

var nonAlnum = regexp.MustCompile(`[^A-Z0-9]+`)

// shortName is an organisation's short name on invoice numbers: the
// initials of its English name (or the letters of a one-word name), else
// the start of its id, 2 to 10 upper-case letters or digits.
func shortName(id, nameEn, name string) string {
	for _, n := range []string{nameEn, name} {
		words := strings.FieldsFunc(strings.ToUpper(n), func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		var s string
		if len(words) > 1 {
			for _, w := range words {
				s += w[:1]
			}
		} else if len(words) == 1 {
			s = words[0]
		}
		if s = nonAlnum.ReplaceAllString(s, ""); len(s) >= 2 {
			return s[:min(len(s), 10)]
		}
	}
	// No Latin letters in its names: six hex digits of its id's hash (the
	// id's own start is its creation time, shared by organisations made
	// together).
	sum := sha256.Sum256([]byte(id))
	return fmt.Sprintf("O%X", sum[:3])
}

// AdjustmentInput is an amount the vendor manager adds to an invoice:
// positive for the agency, negative against it, with a reason; LineID
// names the line a correction is about.
type AdjustmentInput struct {
	AmountCents int64  `json:"amount_cents"`
	Reason      string `json:"reason"`
	LineID      string `json:"line_id"`
}

// AdjustInvoice adds the vendor manager's adjustment. On an invoice not yet
// approved it is a manual line of it, and an invoice the agency had
// reviewed goes back to draft for it to review again. An approved invoice
// never changes: the adjustment is a correction waiting for the next
// month's invoice (billing.CorrectionAdjustment). Audited.
func (s *Store) AdjustInvoice(ctx context.Context, a collect.Actor, id string, in AdjustmentInput) (InvoiceOut, error) {
	if a.OrgKind != collect.KindLender {
		return InvoiceOut{}, notFoundError("invoice")
	}
	now := s.now()
	var target string
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		cur, err := s.lockedInvoice(tx, a, id)
		if err != nil {
			return err
		}
		row := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "lender_id": cur.LenderID, "agency_id": cur.AgencyID,
			"created_by": a.UserID, "created_at": now, "position": 1000}
		if cur.Status == billing.InvoiceApproved {
			adj, err := billing.CorrectionAdjustment(cur.Invoice, billing.Correction{LineID: in.LineID, DeltaCents: in.AmountCents, Reason: in.Reason})
			if err != nil {
				return err
			}
			row["invoice_id"], row["month"], row["kind"], row["code"], row["amount_cents"], row["reason"], row["from_invoice"] =
				"", adj.Month, string(adj.Kind), adj.Code, adj.AmountCents, adj.Reason, adj.FromInvoice
			detail, _ := json.Marshal(adj)
			row["detail"] = string(detail)
			target = adj.Month
		} else {
			adj := billing.Adjustment{Kind: billing.AdjustManual, AmountCents: in.AmountCents, Reason: strings.TrimSpace(in.Reason), LineID: in.LineID}
			if _, err := billing.BuildInvoice(cur.AgencyID, cur.Month, nil, []billing.Adjustment{adj}, 0); err != nil {
				return err
			}
			if in.AmountCents == 0 {
				return collect.Invalid("amount_cents", "err.billing.adjustment_zero")
			}
			row["invoice_id"], row["month"], row["kind"], row["amount_cents"], row["reason"] = cur.ID, cur.Month, string(adj.Kind), adj.AmountCents, adj.Reason
			target = cur.Month
			if cur.Status != billing.InvoiceDraft { // the agency reviews it again
				if err := billing.CanMoveInvoice(cur.Status, billing.InvoiceDraft); err != nil {
					return err
				}
				if err := tx.Exec("UPDATE invoices SET status = 'draft', updated_at = ? WHERE id = ?", now, cur.ID).Error; err != nil {
					return err
				}
			}
		}
		if err := tx.Table("invoice_adjustments").Create(row).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "invoice.adjust", ObjectType: "invoice", ObjectID: id, LenderID: cur.LenderID,
			After: map[string]any{"kind": row["kind"], "amount_cents": in.AmountCents, "reason": strings.TrimSpace(in.Reason), "month": target}})
	})
	if err != nil {
		return InvoiceOut{}, err
	}
	return s.Invoice(ctx, a, id)
}
