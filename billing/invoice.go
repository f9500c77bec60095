package billing

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"collect"
	"collect/allocation"
)

// Bounds of one invoice. With every amount at most MaxAmountCents, no sum
// can leave int64.
const (
	MaxInvoiceLines       = 1_000_000
	MaxInvoiceAdjustments = 10_000
	MaxInvoiceCents       = MaxAmountCents * MaxInvoiceLines
)

// AdjustmentKind is what an adjustment is for.
type AdjustmentKind string

// Adjustment kinds.
const (
	AdjustBonus      AdjustmentKind = "bonus"      // positive, from a bonus rule
	AdjustDeduction  AdjustmentKind = "deduction"  // negative, from a deduction rule
	AdjustCorrection AdjustmentKind = "correction" // either sign, a correction of an approved invoice
	AdjustManual     AdjustmentKind = "manual"     // either sign, a one-off the vendor manager enters with a reason
)

// Adjustment is an invoice amount that is not a payment's commission.
// AmountCents is signed from the agency's side: positive the lender owes
// the agency more, negative less.
type Adjustment struct {
	ID          string         `json:"id,omitempty"`
	Kind        AdjustmentKind `json:"kind"`
	Code        string         `json:"code,omitempty"`
	AmountCents int64          `json:"amount_cents"`
	Currency    string         `json:"currency,omitempty"`
	Month       string         `json:"month,omitempty"` // the invoice month it belongs on; "" any
	Reason      string         `json:"reason,omitempty"`
	// A rule's working (PeriodAdjustments).
	Events          int   `json:"events,omitempty"`
	RuleAmountCents int64 `json:"rule_amount_cents,omitempty"`
	RuleRateBP      int   `json:"rule_rate_bp,omitempty"`
	BaseCents       int64 `json:"base_cents,omitempty"`
	UncappedCents   int64 `json:"uncapped_cents,omitempty"`
	CapCents        int64 `json:"cap_cents,omitempty"`
	CapApplied      bool  `json:"cap_applied,omitempty"`
	// A correction's origin (CorrectionAdjustment).
	FromInvoice string `json:"from_invoice,omitempty"`
	LineID      string `json:"line_id,omitempty"`
}

// LineState is the agency's review of one line.
type LineState string

// Line states.
const (
	LineOpen     LineState = "open"
	LineAccepted LineState = "accepted"
	LineDisputed LineState = "disputed"
)

// Line is one confirmed payment's commission on an invoice.
type Line struct {
	ID              string      `json:"id"`
	PaymentID       string      `json:"payment_id"`
	AccountID       string      `json:"account_id"`
	PaidOn          Date        `json:"paid_on"`
	Channel         Channel     `json:"channel,omitempty"`
	Currency        string      `json:"currency,omitempty"`
	PaymentCents    int64       `json:"payment_cents"`
	CommissionCents int64       `json:"commission_cents"`
	Explanation     Explanation `json:"explanation"`
	State           LineState   `json:"state"`
	DisputeReason   string      `json:"dispute_reason,omitempty"`
}

// InvoiceStatus is where an invoice stands.
type InvoiceStatus string

// Invoice statuses: draft → agency_accepted | disputed → approved (locked).
const (
	InvoiceDraft          InvoiceStatus = "draft"
	InvoiceAgencyAccepted InvoiceStatus = "agency_accepted"
	InvoiceDisputed       InvoiceStatus = "disputed"
	InvoiceApproved       InvoiceStatus = "approved"
)

// Invoice is one agency's month. TotalCents = CommissionCents +
// AdjustmentsCents − RemittanceOwedCents: what the lender pays the agency,
// negative when the agency owes the lender (it holds more of the lender's
// money than it earned).
type Invoice struct {
	Number              string        `json:"number,omitempty"` // given on approval
	AgencyID            string        `json:"agency_id"`
	Month               string        `json:"month"`
	Currency            string        `json:"currency,omitempty"`
	Status              InvoiceStatus `json:"status"`
	Lines               []Line        `json:"lines"`
	Adjustments         []Adjustment  `json:"adjustments"`
	PaymentsCents       int64         `json:"payments_cents"`   // the lines' payments, for reference: not in the total
	CommissionCents     int64         `json:"commission_cents"` // the lines' commission
	AdjustmentsCents    int64         `json:"adjustments_cents"`
	RemittanceOwedCents int64         `json:"remittance_owed_cents"` // agency-collected money the agency still owes, netted
	TotalCents          int64         `json:"total_cents"`
	DisputedCents       int64         `json:"disputed_cents"` // commission on disputed lines, inside CommissionCents
	DisputeReason       string        `json:"dispute_reason,omitempty"`
}

// BuildInvoice is the draft invoice of agency for month (YYYY-MM) from its
// lines, its adjustments and the remittance the agency owes. Every line
// starts open. The sums are exact: nothing is rounded after the lines.
func BuildInvoice(agency, month string, lines []Line, adjustments []Adjustment, remittanceOwedCents int64) (Invoice, error) {
	var fields []collect.FieldError
	if strings.TrimSpace(agency) == "" {
		fields = append(fields, collect.Field("agency_id", "err.form.required"))
	}
	if !ValidMonth(month) {
		fields = append(fields, collect.Field("month", "err.period.month"))
	}
	if len(lines) > MaxInvoiceLines {
		fields = append(fields, collect.Field("lines", "err.billing.too_many", "max", MaxInvoiceLines))
	}
	if len(adjustments) > MaxInvoiceAdjustments {
		fields = append(fields, collect.Field("adjustments", "err.billing.too_many", "max", MaxInvoiceAdjustments))
	}
	if remittanceOwedCents < 0 || remittanceOwedCents > MaxInvoiceCents {
		fields = append(fields, collect.Field("remittance_owed_cents", "err.billing.amount_range"))
	}
	currency := ""
	sameCurrency := func(c string) bool {
		if c == "" || currency == "" || c == currency {
			if currency == "" {
				currency = c
			}
			return true
		}
		return false
	}
	ids, payments := map[string]bool{}, map[string]bool{}
	for i, l := range lines {
		f := func(n string) string { return fmt.Sprintf("lines.%d.%s", i, n) }
		if l.ID == "" || ids[l.ID] {
			fields = append(fields, collect.Field(f("id"), "err.billing.id_unique"))
		}
		ids[l.ID] = true
		if l.PaymentID == "" || payments[l.PaymentID] {
			fields = append(fields, collect.Field(f("payment_id"), "err.billing.line_payment_twice"))
		}
		payments[l.PaymentID] = true
		if l.PaymentCents <= 0 || l.PaymentCents > MaxAmountCents {
			fields = append(fields, collect.Field(f("payment_cents"), "err.payment.amount"))
		}
		if l.CommissionCents < 0 || l.CommissionCents > max(0, l.PaymentCents) {
			fields = append(fields, collect.Field(f("commission_cents"), "err.billing.line_commission_range"))
		}
		if !l.PaidOn.Valid() {
			fields = append(fields, collect.Field(f("paid_on"), "err.billing.date", "value", string(l.PaidOn)))
		} else if l.PaidOn.Month() > month {
			fields = append(fields, collect.Field(f("paid_on"), "err.billing.line_after_month", "month", month))
		}
		if !sameCurrency(l.Currency) {
			fields = append(fields, collect.Field(f("currency"), "err.billing.currency_mixed"))
		}
	}
	for i, a := range adjustments {
		f := func(n string) string { return fmt.Sprintf("adjustments.%d.%s", i, n) }
		if a.AmountCents < -MaxAmountCents || a.AmountCents > MaxAmountCents {
			fields = append(fields, collect.Field(f("amount_cents"), "err.billing.amount_range"))
		}
		switch a.Kind {
		case AdjustBonus:
			if a.AmountCents <= 0 {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.bonus_sign"))
			}
		case AdjustDeduction:
			if a.AmountCents >= 0 {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.deduction_sign"))
			}
		case AdjustCorrection:
			if a.AmountCents == 0 {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.adjustment_zero"))
			}
			if a.FromInvoice == "" {
				fields = append(fields, collect.Field(f("from_invoice"), "err.form.required"))
			}
		case AdjustManual:
			if a.AmountCents == 0 {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.adjustment_zero"))
			}
			if strings.TrimSpace(a.Reason) == "" {
				fields = append(fields, collect.Field(f("reason"), "err.form.required"))
			}
		default:
			fields = append(fields, collect.Field(f("kind"), "err.billing.adjustment_kind", "kind", string(a.Kind)))
		}
		if a.Month != "" && a.Month != month {
			fields = append(fields, collect.Field(f("month"), "err.billing.adjustment_month", "month", a.Month))
		}
		if !sameCurrency(a.Currency) {
			fields = append(fields, collect.Field(f("currency"), "err.billing.currency_mixed"))
		}
	}
	if err := allocation.FieldErrors(fields); err != nil {
		return Invoice{}, err
	}
	inv := Invoice{AgencyID: agency, Month: month, Currency: currency, Status: InvoiceDraft,
		Lines: slices.Clone(lines), Adjustments: slices.Clone(adjustments), RemittanceOwedCents: remittanceOwedCents}
	if inv.Lines == nil {
		inv.Lines = []Line{}
	}
	if inv.Adjustments == nil {
		inv.Adjustments = []Adjustment{}
	}
	for i := range inv.Lines {
		inv.Lines[i].State, inv.Lines[i].DisputeReason = LineOpen, ""
	}
	inv.sum()
	return inv, nil
}

// sum sets the invoice's totals from its lines and adjustments.
func (inv *Invoice) sum() {
	inv.PaymentsCents, inv.CommissionCents, inv.AdjustmentsCents, inv.DisputedCents = 0, 0, 0, 0
	for _, l := range inv.Lines {
		inv.PaymentsCents += l.PaymentCents
		inv.CommissionCents += l.CommissionCents
		if l.State == LineDisputed {
			inv.DisputedCents += l.CommissionCents
		}
	}
	for _, a := range inv.Adjustments {
		inv.AdjustmentsCents += a.AmountCents
	}
	inv.TotalCents = inv.CommissionCents + inv.AdjustmentsCents - inv.RemittanceOwedCents
}

// Check reports whether an invoice's totals are the sums of its parts, as
// the store should after loading one: a difference is corruption.
func (inv Invoice) Check() error {
	want := inv
	want.sum()
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"payments_cents", inv.PaymentsCents, want.PaymentsCents},
		{"commission_cents", inv.CommissionCents, want.CommissionCents},
		{"adjustments_cents", inv.AdjustmentsCents, want.AdjustmentsCents},
		{"disputed_cents", inv.DisputedCents, want.DisputedCents},
		{"total_cents", inv.TotalCents, want.TotalCents},
	} {
		if c.got != c.want {
			return collect.E(collect.EINTERNAL, "err.billing.invoice_totals", "field", c.name, "got", c.got, "want", c.want)
		}
	}
	return nil
}

// CanMoveInvoice checks a change of an invoice's status: draft →
// agency_accepted, disputed or (unreviewed) approved; agency_accepted or
// disputed → approved, or back to draft when the lender revises it. An
// approved invoice is locked.
func CanMoveInvoice(from, to InvoiceStatus) error {
	next := map[InvoiceStatus][]InvoiceStatus{
		// The vendor manager may approve a draft the agency left unreviewed:
		// its silence is taken as acceptance (the audit says it was not
		// reviewed).
		InvoiceDraft:          {InvoiceAgencyAccepted, InvoiceDisputed, InvoiceApproved},
		InvoiceAgencyAccepted: {InvoiceApproved, InvoiceDraft},
		InvoiceDisputed:       {InvoiceApproved, InvoiceDraft},
		InvoiceApproved:       nil,
	}
	for _, s := range []InvoiceStatus{from, to} {
		if _, ok := next[s]; !ok {
			return collect.E(collect.EINVALID, "err.billing.invoice_status_unknown", "status", string(s))
		}
	}
	if from == InvoiceApproved {
		return collect.E(collect.ECONFLICT, "err.billing.invoice_locked")
	}
	if !slices.Contains(next[from], to) {
		return collect.E(collect.ECONFLICT, "err.billing.invoice_transition", "from", string(from), "to", string(to))
	}
	return nil
}

// reviewable checks the agency may still review lines: only a draft.
func (inv Invoice) reviewable() error {
	switch inv.Status {
	case InvoiceApproved:
		return collect.E(collect.ECONFLICT, "err.billing.invoice_locked")
	case InvoiceDraft:
		return nil
	}
	return collect.E(collect.ECONFLICT, "err.billing.invoice_not_draft", "status", string(inv.Status))
}

func (inv Invoice) line(id string) (int, error) {
	i := slices.IndexFunc(inv.Lines, func(l Line) bool { return l.ID == id })
	if i < 0 {
		return -1, collect.E(collect.ENOTFOUND, "err.billing.line_not_found", "line", id)
	}
	return i, nil
}

// AcceptLine is inv with the agency accepting one line (also one it had
// disputed).
func (inv Invoice) AcceptLine(lineID string) (Invoice, error) {
	return inv.review(lineID, LineAccepted, "")
}

// DisputeLine is inv with the agency disputing one line, for reason.
func (inv Invoice) DisputeLine(lineID, reason string) (Invoice, error) {
	if err := inv.reviewable(); err != nil {
		return inv, err
	}
	if err := allocation.ValidReason(reason); err != nil {
		return inv, err
	}
	return inv.review(lineID, LineDisputed, strings.TrimSpace(reason))
}

func (inv Invoice) review(lineID string, state LineState, reason string) (Invoice, error) {
	if err := inv.reviewable(); err != nil {
		return inv, err
	}
	i, err := inv.line(lineID)
	if err != nil {
		return inv, err
	}
	out := inv
	out.Lines = slices.Clone(inv.Lines)
	out.Lines[i].State, out.Lines[i].DisputeReason = state, reason
	out.sum()
	return out, nil
}

// Accept is the agency accepting the draft whole: every open line is
// accepted. A draft with disputed lines is disputed instead.
func (inv Invoice) Accept() (Invoice, error) {
	if err := CanMoveInvoice(inv.Status, InvoiceAgencyAccepted); err != nil {
		return inv, err
	}
	n := 0
	for _, l := range inv.Lines {
		if l.State == LineDisputed {
			n++
		}
	}
	if n > 0 {
		return inv, collect.E(collect.ECONFLICT, "err.billing.invoice_has_disputes", "count", n)
	}
	out := inv
	out.Lines = slices.Clone(inv.Lines)
	for i := range out.Lines {
		out.Lines[i].State = LineAccepted
	}
	out.Status = InvoiceAgencyAccepted
	out.sum()
	return out, nil
}

// Dispute is the agency disputing the draft: its disputed lines, or reason
// for what no line shows (a payment missing from it), or both.
func (inv Invoice) Dispute(reason string) (Invoice, error) {
	if err := CanMoveInvoice(inv.Status, InvoiceDisputed); err != nil {
		return inv, err
	}
	reason = strings.TrimSpace(reason)
	if reason != "" {
		if err := allocation.ValidReason(reason); err != nil {
			return inv, err
		}
	} else if !slices.ContainsFunc(inv.Lines, func(l Line) bool { return l.State == LineDisputed }) {
		return inv, collect.Invalid("reason", "err.billing.dispute_needs_line_or_reason")
	}
	out := inv
	out.Status, out.DisputeReason = InvoiceDisputed, reason
	return out, nil
}

// Approve is the vendor manager approving inv under number (InvoiceNumber,
// of the invoice's month): it is locked from then on. Approving a disputed
// invoice is the vendor manager's ruling; its disputed lines stay marked.
func (inv Invoice) Approve(number string) (Invoice, error) {
	if err := CanMoveInvoice(inv.Status, InvoiceApproved); err != nil {
		return inv, err
	}
	parts, err := ParseInvoiceNumber(number)
	if err != nil {
		return inv, err
	}
	if parts.Month != inv.Month {
		return inv, collect.Invalid("number", "err.billing.invoice_number_month", "month", inv.Month)
	}
	if err := inv.Check(); err != nil {
		return inv, err
	}
	out := inv
	out.Status, out.Number = InvoiceApproved, number
	return out, nil
}

// Revise is inv rebuilt by the lender from new lines, adjustments and
// remittance, back to a draft for the agency to review again.
func (inv Invoice) Revise(lines []Line, adjustments []Adjustment, remittanceOwedCents int64) (Invoice, error) {
	if inv.Status != InvoiceDraft {
		if err := CanMoveInvoice(inv.Status, InvoiceDraft); err != nil {
			return inv, err
		}
	}
	return BuildInvoice(inv.AgencyID, inv.Month, lines, adjustments, remittanceOwedCents)
}

// Correction is a change found after an invoice was approved: DeltaCents
// more (positive) or less (negative) for the agency, on one line or on the
// invoice as a whole (LineID "").
type Correction struct {
	LineID     string `json:"line_id,omitempty"`
	DeltaCents int64  `json:"delta_cents"`
	Reason     string `json:"reason"`
}

// CorrectionAdjustment turns a correction of an approved invoice into an
// adjustment of the next month's invoice: the approved one never changes.
func CorrectionAdjustment(inv Invoice, c Correction) (Adjustment, error) {
	if inv.Status != InvoiceApproved {
		return Adjustment{}, collect.E(collect.ECONFLICT, "err.billing.correction_not_approved", "status", string(inv.Status))
	}
	if c.DeltaCents == 0 {
		return Adjustment{}, collect.Invalid("delta_cents", "err.billing.adjustment_zero")
	}
	if c.DeltaCents < -MaxAmountCents || c.DeltaCents > MaxAmountCents {
		return Adjustment{}, collect.Invalid("delta_cents", "err.billing.amount_range")
	}
	if err := allocation.ValidReason(c.Reason); err != nil {
		return Adjustment{}, err
	}
	if c.LineID != "" {
		if _, err := inv.line(c.LineID); err != nil {
			return Adjustment{}, err
		}
	}
	return Adjustment{Kind: AdjustCorrection, Code: string(AdjustCorrection), AmountCents: c.DeltaCents, Currency: inv.Currency,
		Month: NextMonth(inv.Month), Reason: strings.TrimSpace(c.Reason), FromInvoice: inv.Number, LineID: c.LineID}, nil
}

// LineCorrection is the correction of one line of an approved invoice
// whose commission should have been correctCommissionCents.
func LineCorrection(inv Invoice, lineID string, correctCommissionCents int64, reason string) (Adjustment, error) {
	i, err := inv.line(lineID)
	if err != nil {
		return Adjustment{}, err
	}
	return CorrectionAdjustment(inv, Correction{LineID: lineID, DeltaCents: correctCommissionCents - inv.Lines[i].CommissionCents, Reason: reason})
}

// MaxInvoiceSeq is the highest sequence number of one lender, agency and
// month.
const MaxInvoiceSeq = 9999

var invoiceShort = regexp.MustCompile(`^[A-Z0-9]{2,10}$`)

// InvoiceNumberParts are what an invoice number says.
type InvoiceNumberParts struct {
	Lender string `json:"lender"`
	Month  string `json:"month"` // YYYY-MM
	Agency string `json:"agency"`
	Seq    int    `json:"seq"`
}

// InvoiceNumber is INV-<lender>-<YYYYMM>-<agency>-<seq>, e.g.
// INV-ABC-202601-XYZ-0001: the lender's and agency's short names (2 to 10
// letters or digits, written upper case) and the sequence (1 to 9999, four
// digits) within the lender, agency and month. The store gives seq under a
// unique index, so two approvals never share a number.
func InvoiceNumber(lenderShort, month, agencyShort string, seq int) (string, error) {
	lender, agency := strings.ToUpper(strings.TrimSpace(lenderShort)), strings.ToUpper(strings.TrimSpace(agencyShort))
	switch {
	case !invoiceShort.MatchString(lender):
		return "", collect.Invalid("lender_short", "err.billing.invoice_short")
	case !invoiceShort.MatchString(agency):
		return "", collect.Invalid("agency_short", "err.billing.invoice_short")
	case !ValidMonth(month):
		return "", collect.Invalid("month", "err.period.month")
	case seq < 1 || seq > MaxInvoiceSeq:
		return "", collect.Invalid("seq", "err.billing.invoice_seq", "max", MaxInvoiceSeq)
	}
	return fmt.Sprintf("INV-%s-%s%s-%s-%04d", lender, month[:4], month[5:], agency, seq), nil
}

// ParseInvoiceNumber reads a number InvoiceNumber wrote.
func ParseInvoiceNumber(s string) (InvoiceNumberParts, error) {
	bad := collect.Invalid("number", "err.billing.invoice_number", "number", s)
	p := strings.Split(s, "-")
	if len(p) != 5 || p[0] != "INV" || len(p[2]) != 6 || len(p[4]) != 4 {
		return InvoiceNumberParts{}, bad
	}
	seq, err := strconv.Atoi(p[4])
	if err != nil {
		return InvoiceNumberParts{}, bad
	}
	parts := InvoiceNumberParts{Lender: p[1], Month: p[2][:4] + "-" + p[2][4:], Agency: p[3], Seq: seq}
	if again, err := InvoiceNumber(parts.Lender, parts.Month, parts.Agency, parts.Seq); err != nil || again != s {
		return InvoiceNumberParts{}, bad
	}
	return parts, nil
}
