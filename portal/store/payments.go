package store

import (
	"cmp"
	"collect"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/billing"
	"collect/portal/csvout"
)

// PaymentInput is money received on an account. An agency says where the
// money went (channel: agency_reported_direct, the debtor paid the lender's
// account, the default; agency_collected, the agency holds it and owes it
// to the lender) and may give the voucher's reference (a bank serial) in
// place of an uploaded voucher.
type PaymentInput struct {
	AmountCents int64     `json:"amount_cents"`
	PaidAt      time.Time `json:"paid_at"`
	Reference   string    `json:"reference"`
	Channel     string    `json:"channel"`
	VoucherRef  string    `json:"voucher_ref"`
}

// Validate checks the payment against the clock.
func (p PaymentInput) Validate(now time.Time) error {
	var fields []collect.FieldError
	if p.AmountCents <= 0 || p.AmountCents > billing.MaxAmountCents {
		fields = append(fields, collect.Field("amount_cents", "err.payment.amount"))
	}
	if p.PaidAt.IsZero() {
		fields = append(fields, collect.Field("paid_at", "err.payment.paid_at_required"))
	} else if p.PaidAt.After(now.Add(5 * time.Minute)) {
		fields = append(fields, collect.Field("paid_at", "err.payment.paid_at_future"))
	}
	if utf8.RuneCountInString(p.Reference) > billing.MaxReferenceChars {
		fields = append(fields, collect.Field("reference", "err.form.max_chars", "max", billing.MaxReferenceChars))
	}
	if utf8.RuneCountInString(p.VoucherRef) > billing.MaxReferenceChars {
		fields = append(fields, collect.Field("voucher_ref", "err.form.max_chars", "max", billing.MaxReferenceChars))
	}
	switch billing.Channel(p.Channel) {
	case "", billing.ChannelPaidToLender, billing.ChannelAgencyReportedDirect, billing.ChannelAgencyCollected:
	default:
		fields = append(fields, collect.Field("channel", "err.billing.channel_unknown", "channel", p.Channel))
	}
	return allocation.FieldErrors(fields)
}

// Payment is a recorded payment: who recorded it (source), where the money
// went (channel), where it stands (status), and what confirming it did.
type Payment struct {
	ID               string     `json:"id"`
	AccountID        string     `json:"account_id"`
	AmountCents      int64      `json:"amount_cents"`
	OverpaidCents    int64      `json:"overpaid_cents"`
	Currency         string     `json:"currency"`
	PaidAt           time.Time  `json:"paid_at"`
	PaidOn           string     `json:"paid_on"` // the civil date in the payer's zone
	Reference        string     `json:"reference"`
	Source           string     `json:"source"`
	Channel          string     `json:"channel"`
	Status           string     `json:"status"`
	AgencyID         string     `json:"agency_id,omitempty"`
	VoucherID        string     `json:"voucher_id,omitempty"`
	VoucherRef       string     `json:"voucher_ref,omitempty"`
	ReportedAt       time.Time  `json:"reported_at"`
	ConfirmedAt      *time.Time `json:"confirmed_at"`
	ConfirmedByFeed  bool       `json:"confirmed_by_feed"`
	LinkedPaymentID  string     `json:"linked_payment_id,omitempty"`
	RejectReason     string     `json:"reject_reason,omitempty"`
	BalanceCents     int64      `json:"balance_cents"`  // the account's confirmed balance after it
	ReportedCents    int64      `json:"reported_cents"` // the account's reported money awaiting confirmation
	CommissionCents  int64      `json:"commission_cents"`
	CommissionAgency string     `json:"commission_agency_id,omitempty"`
	AccountClosed    bool       `json:"account_closed"`
}

// RecordPayment records money received on an account in the actor's scope.
// A lender's payment is confirmed at once: it reduces the balance, accrues
// commission to the agency attribution names (billing.Attribute over the
// account's placements and the contracts' grace days and promise rule) at
// that placement's terms, and closes the account and its placement when
// the balance reaches zero. An agency's payment (only on an account it
// holds now) is reported: it is shown apart from the balance and earns
// nothing until confirmed, at once when it matches a payment the lender
// has already booked (then the money counts once, on the lender's row).
func (s *Store) RecordPayment(ctx context.Context, a collect.Actor, accountID string, in PaymentInput) (Payment, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Payment{}, err
	}
	var out Payment
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		// The lender's money lock, shared: before the account's, as a feed takes them.
		var lenderID string
		if err := tx.Table("accounts").Scopes(accountScope(a)).Where("accounts.id = ?", accountID).Pluck("accounts.lender_id", &lenderID).Error; err != nil {
			return err
		}
		if lenderID == "" {
			return notFoundError("account")
		}
		if err := s.shareLenderMoney(tx, lenderID); err != nil {
			return err
		}
		accs, err := s.lockAccounts(tx, a, []string{accountID})
		if err != nil {
			return err
		}
		acc, ok := accs[accountID]
		if !ok {
			return notFoundError("account")
		}
		if acc.Status == "closed" {
			return collect.E(collect.ECONFLICT, "err.payment.account_closed")
		}
		p := paymentRow{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, LenderID: acc.LenderID, AmountCents: in.AmountCents,
			Currency: acc.Currency, PaidAt: in.PaidAt.UTC(), PaidOn: string(billing.DateIn(in.PaidAt, acc.zone())),
			Reference: strings.TrimSpace(in.Reference), VoucherRef: strings.TrimSpace(in.VoucherRef), RecordedBy: a.UserID, CreatedAt: now}
		if a.OrgKind == collect.KindAgency {
			p.Source, p.Status, p.AgencyID = string(billing.SourceAgency), string(billing.StatusReported), a.OrgID
			p.Channel = cmp.Or(in.Channel, string(billing.ChannelAgencyReportedDirect))
		} else {
			p.Source, p.Status, p.Channel = string(billing.SourceLender), string(billing.StatusConfirmed), string(billing.ChannelPaidToLender)
			p.ConfirmedAt, p.ConfirmedBy = &now, a.UserID
		}
		if err := p.billing().Validate(); err != nil {
			return err
		}
		if err := insertPayment(tx, p); err != nil {
			return err
		}
		before := acc.BalanceCents
		var done confirmed
		if p.Status == string(billing.StatusConfirmed) {
			if done, err = s.applyConfirmed(tx, &acc, &p, now); err != nil {
				return err
			}
		} else {
			if err := tx.Exec("UPDATE accounts SET reported_cents = reported_cents + ? WHERE id = ?", p.AmountCents, acc.ID).Error; err != nil {
				return err
			}
			acc.ReportedCents += p.AmountCents
			if err := s.linkToBooked(tx, &acc, &p, now, "", true); err != nil {
				return err
			}
			done.BalanceCents = acc.BalanceCents
		}
		out = p.payment()
		out.BalanceCents, out.ReportedCents = done.BalanceCents, acc.ReportedCents
		out.CommissionCents, out.CommissionAgency, out.AccountClosed = done.CommissionCents, done.CommissionAgency, done.Closed
		action := "payment.record"
		if p.Source == string(billing.SourceAgency) {
			action = "payment.report"
		}
		return s.appendAudit(tx, a, auditRecord{Action: action, ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			Before: map[string]int64{"balance_cents": before},
			After: map[string]any{"payment": out.ID, "amount_cents": out.AmountCents, "currency": out.Currency, "paid_at": out.PaidAt,
				"paid_on": out.PaidOn, "source": out.Source, "channel": out.Channel, "status": out.Status, "linked_payment_id": out.LinkedPaymentID,
				"balance_cents": out.BalanceCents, "reported_cents": out.ReportedCents, "commission_cents": out.CommissionCents,
				"commission_agency_id": out.CommissionAgency, "account_closed": out.AccountClosed, "reference_sha256": textDigest(out.Reference)}})
	})
	if err == nil {
		s.rescoreAfter(ctx, accountID)
	}
	return out, err
}

// linkToBooked confirms a new report at once when it describes a payment
// the lender has already booked (billing.Match against the account's
// unlinked lender payments): the report is linked to it, and the money,
// already on the books, is not applied again.
func (s *Store) linkToBooked(tx *gorm.DB, acc *payAccount, p *paymentRow, now time.Time, by string, byFeed bool) error {
	since := string(billing.Date(p.PaidOn).AddDays(-billing.MaxDateWindowDays))
	all, linkable, err := bookedPayments(tx, acc.LenderID, []string{acc.ID}, since, nil)
	if err != nil {
		return err
	}
	booked := slices.DeleteFunc(all, func(b billing.BookedPayment) bool { return !linkable[b.ID] })
	if len(booked) == 0 {
		return nil
	}
	facts, err := accountFacts(tx, *acc)
	if err != nil {
		return err
	}
	opts := billing.DefaultMatchOptions(billing.DateIn(now, acc.zone()))
	opts.Accounts[acc.ID], opts.Booked = facts, booked
	res, err := billing.Match(nil, []billing.ReportedPayment{{ID: p.ID, AccountID: acc.ID, AgencyID: p.AgencyID,
		AmountCents: p.AmountCents, PaidOn: billing.Date(p.PaidOn), Reference: p.Reference}}, opts)
	if err != nil {
		return err
	}
	if o := res.Reported[0]; o.Kind == billing.KindMatched && o.BookedID != "" {
		if err := confirmReport(tx, p, by, byFeed, o.BookedID, now); err != nil {
			return err
		}
		return unreport(tx, acc, p.AmountCents)
	}
	return nil
}

// StatementLine is one agency's commission for one month.
type StatementLine struct {
	AgencyID        string `json:"agency_id"`
	AgencyName      string `json:"agency_name"`
	LenderID        string `json:"lender_id"`
	LenderName      string `json:"lender_name"`
	Month           string `json:"month"`
	Payments        int64  `json:"payments"`
	PaymentCents    int64  `json:"payment_cents"`
	CommissionCents int64  `json:"commission_cents"`
}

// CommissionEntry is one accrual, for the statement's detail.
type CommissionEntry struct {
	ID           string    `json:"id"`
	AgencyID     string    `json:"agency_id"`
	AgencyName   string    `json:"agency_name"`
	AccountID    string    `json:"account_id"`
	ExternalRef  string    `json:"external_ref"`
	Bucket       string    `json:"bucket"`
	RateBP       int       `json:"rate_bp"`
	PaymentCents int64     `json:"payment_cents"`
	AmountCents  int64     `json:"amount_cents"`
	AccruedAt    time.Time `json:"accrued_at"`
}

// ValidMonth checks a YYYY-MM statement month.
func ValidMonth(m string) error {
	if _, err := time.Parse("2006-01", m); err != nil {
		return collect.Invalid("month", "err.period.month")
	}
	return nil
}

// CommissionStatement sums a month's commission per agency (and lender) in
// the actor's scope: a lender sees its agencies, an agency its lenders.
func (s *Store) CommissionStatement(ctx context.Context, a collect.Actor, month string) ([]StatementLine, error) {
	if err := ValidMonth(month); err != nil {
		return nil, err
	}
	var out []StatementLine
	err := s.db.WithContext(ctx).Table("commissions c").Scopes(commissionScope(a)).
		Select("c.agency_id, ag.name AS agency_name, c.lender_id, le.name AS lender_name, c.month, COUNT(*) AS payments, SUM(c.payment_cents) AS payment_cents, SUM(c.amount_cents) AS commission_cents").
		Joins("JOIN organisations ag ON ag.id = c.agency_id").Joins("JOIN organisations le ON le.id = c.lender_id").
		Where("c.month = ?", month).Group("c.agency_id, ag.name, c.lender_id, le.name, c.month").Order("ag.name, le.name").Scan(&out).Error
	return out, err
}

// CommissionEntries lists a month's accruals in the actor's scope, for one
// agency when agencyID is given.
func (s *Store) CommissionEntries(ctx context.Context, a collect.Actor, month, agencyID string, each func(CommissionEntry) error) error {
	if err := ValidMonth(month); err != nil {
		return err
	}
	q := s.db.WithContext(ctx).Table("commissions c").Scopes(commissionScope(a)).
		Select("c.id, c.agency_id, ag.name AS agency_name, c.account_id, ac.external_ref, c.bucket, c.rate_bp, c.payment_cents, c.amount_cents, c.accrued_at").
		Joins("JOIN organisations ag ON ag.id = c.agency_id").Joins("JOIN accounts ac ON ac.id = c.account_id").
		Where("c.month = ?", month).Order("ag.name, c.accrued_at, c.id")
	if agencyID != "" {
		q = q.Where("c.agency_id = ?", agencyID)
	}
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e CommissionEntry
		if err := q.ScanRows(rows, &e); err != nil {
			return err
		}
		if err := each(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// WriteCommissionCSV writes the month's accruals as CSV (UTF-8 with BOM so
// Excel shows Chinese correctly), streaming.
func (s *Store) WriteCommissionCSV(ctx context.Context, a collect.Actor, month, agencyID string, w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csvout.NewWriter(w)
	_ = cw.Write([]string{"month", "agency", "account_ref", "bucket", "rate_bp", "payment", "commission", "accrued_at"})
	err := s.CommissionEntries(ctx, a, month, agencyID, func(e CommissionEntry) error {
		return cw.Write([]string{month, e.AgencyName, e.ExternalRef, e.Bucket, strconv.Itoa(e.RateBP),
			majorUnits(e.PaymentCents), majorUnits(e.AmountCents), e.AccruedAt.UTC().Format(time.RFC3339)})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// feedCellProblem names the first column of a feed row whose cell is not
// storable text, and the problem's key (collect.CellProblemKey).
func feedCellProblem(rec []string, idx map[string]int) (string, string) {
	for _, col := range []string{"external_ref", "amount", "paid_at", "reference"} {
		if i, ok := idx[col]; ok && i < len(rec) {
			if key := collect.CellProblemKey(rec[i]); key != "" {
				return col, key
			}
		}
	}
	return "", ""
}

// majorUnits formats cents as a plain decimal: 123456 -> "1234.56".
func majorUnits(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(c%100/10, 10) + strconv.FormatInt(c%10, 10)
}
