package store

import (
	"collect"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"collect/allocation"
	"collect/portal/csvout"
	"collect/portal/sheets"
)

// PaymentInput is money received on an account.
type PaymentInput struct {
	AmountCents int64     `json:"amount_cents"`
	PaidAt      time.Time `json:"paid_at"`
	Reference   string    `json:"reference"`
}

// Validate checks the payment against the clock.
func (p PaymentInput) Validate(now time.Time) error {
	var fields []collect.FieldError
	if p.AmountCents <= 0 || p.AmountCents > 100_000_000_000 {
		fields = append(fields, collect.Field("amount_cents", "err.payment.amount"))
	}
	if p.PaidAt.IsZero() {
		fields = append(fields, collect.Field("paid_at", "err.payment.paid_at_required"))
	} else if p.PaidAt.After(now.Add(5 * time.Minute)) {
		fields = append(fields, collect.Field("paid_at", "err.payment.paid_at_future"))
	}
	if utf8.RuneCountInString(p.Reference) > 64 {
		fields = append(fields, collect.Field("reference", "err.form.max_chars", "max", 64))
	}
	return allocation.FieldErrors(fields)
}

// Payment is a recorded payment with the commission it accrued.
type Payment struct {
	ID               string    `json:"id"`
	AccountID        string    `json:"account_id"`
	AmountCents      int64     `json:"amount_cents"`
	Currency         string    `json:"currency"`
	PaidAt           time.Time `json:"paid_at"`
	Reference        string    `json:"reference"`
	Source           string    `json:"source"`
	BalanceCents     int64     `json:"balance_cents"` // the account's balance after it
	CommissionCents  int64     `json:"commission_cents"`
	CommissionAgency string    `json:"commission_agency_id,omitempty"`
	AccountClosed    bool      `json:"account_closed"`
}

// RecordPayment records money received on an account in the actor's scope
// (an agency's active placement, or the lender's own account). It reduces the
// balance, accrues commission to the agency whose placement was active when
// the money was paid, at that placement's rate (the contract's fee for the
// bucket at placement), and closes the account and its placement when the
// balance reaches zero.
func (s *Store) RecordPayment(ctx context.Context, a collect.Actor, accountID string, in PaymentInput) (Payment, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Payment{}, err
	}
	source := "lender"
	if a.OrgKind == collect.KindAgency {
		source = "agency"
	}
	var out Payment
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		// Locked on PostgreSQL: two payments at once must both reduce the balance.
		var acc allocation.Account
		q := tx.Table("accounts").Scopes(accountScope(a)).Where("accounts.id = ?", accountID)
		if s.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "accounts"}})
		}
		if err := q.Take(&acc).Error; err != nil {
			return notFound(err, "account")
		}
		if acc.Status == "closed" {
			return collect.E(collect.ECONFLICT, "err.payment.account_closed")
		}
		paidAt := in.PaidAt.UTC()
		pay := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "account_id": acc.ID, "lender_id": acc.LenderID,
			"amount_cents": in.AmountCents, "currency": acc.Currency, "paid_at": paidAt, "reference": strings.TrimSpace(in.Reference),
			"source": source, "recorded_by": a.UserID, "created_at": now}
		if err := tx.Table("payments").Create(pay).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return collect.E(collect.ECONFLICT, "err.payment.duplicate_reference", "reference", in.Reference)
			}
			return err
		}
		out = Payment{ID: pay["id"].(string), AccountID: acc.ID, AmountCents: in.AmountCents, Currency: acc.Currency,
			PaidAt: paidAt, Reference: pay["reference"].(string), Source: source}
		// The placement that held the account when the money came in.
		var pl allocation.Placement
		// Only a placement the agency accepted earns: an offer never held does not.
		err := tx.Table("placements").
			Where("account_id = ? AND accepted_at IS NOT NULL AND accepted_at <= ? AND (ended_at IS NULL OR ended_at > ?)", acc.ID, paidAt, paidAt).
			Order("accepted_at DESC").Take(&pl).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if err == nil && pl.FeeRateBP > 0 {
			var bucket string
			tx.Table("placements").Where("id = ?", pl.ID).Pluck("bucket", &bucket)
			if bucket == "" {
				bucket = acc.Bucket
			}
			// Commission and recoveries count what the balance absorbed; an
			// overpayment is the debtor's money to refund, not a recovery.
			applied := min(in.AmountCents, acc.BalanceCents)
			amount := allocation.Commission(applied, pl.FeeRateBP)
			if err := tx.Table("commissions").Create(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "payment_id": out.ID,
				"placement_id": pl.ID, "agency_id": pl.AgencyID, "lender_id": acc.LenderID, "account_id": acc.ID, "bucket": bucket,
				"rate_bp": pl.FeeRateBP, "payment_cents": applied, "amount_cents": amount, "month": paidAt.Format("2006-01"),
				"accrued_at": now}).Error; err != nil {
				return err
			}
			out.CommissionCents, out.CommissionAgency = amount, pl.AgencyID
			if err := statDelta(tx, acc.LenderID, pl.AgencyID, paidAt, map[string]int64{"recovered_cents": applied, "commission_cents": amount}); err != nil {
				return err
			}
			if err := statDelta(tx, acc.LenderID, pl.AgencyID, pl.StartsAt, map[string]int64{"vintage_recovered_cents": applied}); err != nil {
				return err
			}
		}
		balance := acc.BalanceCents - in.AmountCents
		if balance < 0 {
			balance = 0
		}
		cols := map[string]any{"balance_cents": balance, "paid_cents": gorm.Expr("paid_cents + ?", in.AmountCents),
			"last_payment_date": paidAt.Format(time.DateOnly), "updated_at": now}
		if balance == 0 {
			cols["status"] = "closed"
			out.AccountClosed = true
			if err := tx.Table("placements").Where("account_id = ? AND status IN ?", acc.ID, []string{allocation.PlacementActive, allocation.PlacementOffered}).
				Updates(map[string]any{"status": allocation.PlacementClosed, "ended_at": now, "end_reason": allocation.EndReasonText(allocation.EndPaidInFull)}).Error; err != nil {
				return err
			}
		}
		if err := tx.Table("accounts").Where("id = ?", acc.ID).Updates(cols).Error; err != nil {
			return err
		}
		if err := refreshPriorityIDs(tx, acc.ID); err != nil { // the balance weighs in casework.Value
			return err
		}
		if err := s.applyToArrangement(tx, acc.ID, in.AmountCents, in.PaidAt); err != nil {
			return err
		}
		out.BalanceCents = balance
		return s.appendAudit(tx, a, auditRecord{Action: "payment.record", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			Before: map[string]int64{"balance_cents": acc.BalanceCents}, After: map[string]any{"payment": out.ID, "amount_cents": out.AmountCents,
				"currency": out.Currency, "paid_at": out.PaidAt, "source": out.Source, "balance_cents": out.BalanceCents,
				"commission_cents": out.CommissionCents, "commission_agency_id": out.CommissionAgency, "account_closed": out.AccountClosed,
				"reference_sha256": textDigest(out.Reference)}})
	})
	if err == nil {
		s.rescoreAfter(ctx, accountID)
	}
	return out, err
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

// PaymentFeedResult is the outcome of a lender's payment file.
type PaymentFeedResult struct {
	Accepted int                   `json:"accepted"`
	Rejected int                   `json:"rejected"`
	Errors   []allocation.RowError `json:"errors"`
}

// ImportPayments records the payments of a lender's CSV feed (header:
// external_ref, amount, paid_at, reference; amount in yuan, paid_at as
// YYYY-MM-DD or RFC 3339). Each row is recorded on its own, as RecordPayment
// does (commission, instalments, closing); a bad row is reported by line and
// the others still count. A reference already recorded is a duplicate.
func (s *Store) ImportPayments(ctx context.Context, a collect.Actor, src sheets.RowSource) (PaymentFeedResult, error) {
	out := PaymentFeedResult{Errors: []allocation.RowError{}}
	header := src.Header()
	if len(header) == 0 {
		return out, collect.E(collect.EINVALID, "err.feed.no_header")
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, col := range []string{"external_ref", "amount", "paid_at"} {
		if _, ok := idx[col]; !ok {
			return out, collect.E(collect.EINVALID, "err.feed.header_lacks", "column", col).
				WithFields(collect.Field(col, "err.feed.missing_column"))
		}
	}
	cell := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err // the reader's refusal names the line and the cap
		}
		reject := func(e allocation.RowError) {
			out.Rejected++
			if len(out.Errors) < 1000 {
				out.Errors = append(out.Errors, e)
			}
		}
		if field, key := feedCellProblem(rec, idx); key != "" {
			reject(allocation.NewRowError(line, field, key))
			continue
		}
		ids, missing, err := s.AccountIDsByRef(ctx, a, []string{cell(rec, "external_ref")})
		if err != nil {
			return out, err
		}
		if len(missing) > 0 || len(ids) != 1 {
			reject(allocation.NewRowError(line, "external_ref", "err.feed.unknown_ref"))
			continue
		}
		amount, err := allocation.ParseAmount("amount", cell(rec, "amount"))
		if err != nil || amount == 0 {
			reject(allocation.NewRowError(line, "amount", "err.feed.amount"))
			continue
		}
		paidAt, err := allocation.ParsePaymentDate(cell(rec, "paid_at"), s.now())
		if err != nil {
			reject(allocation.NewRowError(line, "paid_at", "err.feed.paid_at"))
			continue
		}
		if _, err := s.RecordPayment(ctx, a, ids[0], PaymentInput{AmountCents: amount, PaidAt: paidAt, Reference: cell(rec, "reference")}); err != nil {
			if collect.ErrorCode(err) == collect.EINTERNAL {
				return out, err
			}
			var ae *collect.Error
			errors.As(err, &ae) // not internal, so an *Error
			reject(allocation.RowError{Line: line, Key: ae.Key, Args: ae.Args, Message: ae.Text()})
			continue
		}
		out.Accepted++
	}
	return out, nil
}
