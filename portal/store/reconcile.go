package store

import (
	"cmp"
	"collect"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/billing"
	"collect/portal/sheets"
)

// MaxFeedRows is the most rows one payment feed may carry.
const MaxFeedRows = 100_000

// PaymentFeedResult is the outcome of a lender's payment feed: the reports
// it confirmed, the lender payments it created, the exceptions it queued,
// the reports still inside their date window; or, when any row is bad,
// every bad row by line and nothing applied.
type PaymentFeedResult struct {
	Rows       int                   `json:"rows"`
	Confirmed  int                   `json:"confirmed"`
	Created    int                   `json:"created"`
	Exceptions int                   `json:"exceptions"`
	Pending    int                   `json:"pending"`
	Rejected   int                   `json:"rejected"`
	Errors     []allocation.RowError `json:"errors"`
}

// feedRow is one good row of a feed.
type feedRow struct {
	billing.FeedRecord
	PaidAt  time.Time
	rawDate bool // given as a date: PaidOn is as written
}

// readFeed reads every row of a feed (header external_ref, amount, paid_at,
// optional reference; amount in major units, paid_at a date or RFC 3339)
// and names each bad row's field; nothing is applied from it.
func (s *Store) readFeed(ctx context.Context, a collect.Actor, src sheets.RowSource) ([]feedRow, []allocation.RowError, int, error) {
	header := src.Header()
	if len(header) == 0 {
		return nil, nil, 0, collect.E(collect.EINVALID, "err.feed.no_header")
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, col := range []string{"external_ref", "amount", "paid_at"} {
		if _, ok := idx[col]; !ok {
			return nil, nil, 0, collect.E(collect.EINVALID, "err.feed.header_lacks", "column", col).
				WithFields(collect.Field(col, "err.feed.missing_column"))
		}
	}
	cell := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []feedRow
	var refs []string
	var bad []allocation.RowError
	badCount := 0
	reject := func(e allocation.RowError) {
		badCount++
		if len(bad) < 1000 {
			bad = append(bad, e)
		}
	}
	n := 0
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, 0, err // the reader's refusal names the line and the cap
		}
		if n++; n > MaxFeedRows {
			return nil, nil, 0, collect.E(collect.EINVALID, "err.feed.too_many_rows", "max", MaxFeedRows)
		}
		if field, key := feedCellProblem(rec, idx); key != "" {
			reject(allocation.NewRowError(line, field, key))
			continue
		}
		ok := true
		amount, err := allocation.ParseAmount("amount", cell(rec, "amount"))
		if err != nil || amount <= 0 || amount > billing.MaxAmountCents {
			reject(allocation.NewRowError(line, "amount", "err.feed.amount"))
			ok = false
		}
		raw := cell(rec, "paid_at")
		paidAt, err := allocation.ParsePaymentDate(raw, s.now())
		if err != nil {
			reject(allocation.NewRowError(line, "paid_at", "err.feed.paid_at"))
			ok = false
		} else if paidAt.After(s.now().Add(5 * time.Minute)) {
			reject(allocation.NewRowError(line, "paid_at", "err.payment.paid_at_future"))
			ok = false
		}
		if ref := cell(rec, "reference"); len([]rune(ref)) > billing.MaxReferenceChars {
			reject(allocation.NewRowError(line, "reference", "err.form.max_chars", "max", billing.MaxReferenceChars))
			ok = false
		}
		if cell(rec, "external_ref") == "" {
			reject(allocation.NewRowError(line, "external_ref", "err.feed.unknown_ref"))
			ok = false
		}
		if !ok {
			continue
		}
		r := feedRow{FeedRecord: billing.FeedRecord{Line: line, AccountID: cell(rec, "external_ref"), AmountCents: amount, Reference: cell(rec, "reference")},
			PaidAt: paidAt.UTC(), rawDate: len(raw) == len(time.DateOnly)}
		if r.rawDate {
			r.PaidOn = billing.Date(raw)
		}
		rows = append(rows, r)
		refs = append(refs, r.AccountID)
	}
	// External references to account ids, in the actor's scope.
	byRef := map[string]string{}
	uniq := slices.Compact(slices.Sorted(slices.Values(refs)))
	for chunk := range slices.Chunk(uniq, 5000) {
		var found []struct{ ID, ExternalRef string }
		if err := s.db.WithContext(ctx).Table("accounts").Scopes(accountScope(a)).Select("accounts.id, accounts.external_ref").
			Where("accounts.external_ref IN ?", chunk).Scan(&found).Error; err != nil {
			return nil, nil, 0, err
		}
		for _, f := range found {
			byRef[f.ExternalRef] = f.ID
		}
	}
	good := rows[:0]
	for _, r := range rows {
		id, ok := byRef[r.AccountID]
		if !ok {
			reject(allocation.NewRowError(r.Line, "external_ref", "err.feed.unknown_ref"))
			continue
		}
		r.AccountID = id
		good = append(good, r)
	}
	slices.SortFunc(bad, func(x, y allocation.RowError) int { return x.Line - y.Line })
	return good, bad, badCount, nil
}

// takeFeedFacts makes a report paired with a feed row carry the lender's
// record of the money: its amount and day (the books are the truth, and
// attribution and the commission's month follow the day), and the bank's
// reference when the report had none and no other report holds it, so a
// later feed repeating the row is a duplicate.
func takeFeedFacts(tx *gorm.DB, p *paymentRow, r feedRow) error {
	p.AmountCents = r.AmountCents // written by confirmReport
	if p.PaidOn == string(r.PaidOn) && p.PaidAt.Equal(r.PaidAt) && (p.Reference != "" || r.Reference == "") {
		return nil // the report already says what the bank says
	}
	p.PaidOn, p.PaidAt = string(r.PaidOn), r.PaidAt
	if p.Reference == "" && r.Reference != "" {
		var n int64
		if err := tx.Raw(`SELECT COUNT(*) FROM payments WHERE lender_id = ? AND source = 'agency' AND status <> 'rejected' AND reference = ?`,
			p.LenderID, r.Reference).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			p.Reference = r.Reference
		}
	}
	return tx.Exec("UPDATE payments SET paid_on = ?, paid_at = ?, reference = ? WHERE id = ?", p.PaidOn, p.PaidAt, p.Reference, p.ID).Error
}

// lockLenderMoney serialises a lender's feeds and exception resolutions on
// PostgreSQL (SQLite has one writer): matching reads every open report of
// the lender, and two feeds matching one report at once would both confirm
// it (the status guard in confirmReport would refuse the second, but only
// after the first feed had taken its lock).
func (s *Store) lockLenderMoney(tx *gorm.DB, lenderID string) error {
	if s.dialect != "postgres" {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "money/"+lenderID).Error
}

// shareLenderMoney is the agencies' side of lockLenderMoney: reports go on
// side by side, but not while a feed or a resolution of the lender runs, so
// a feed never misses a report committed between its reading the reports
// and its locking their accounts.
func (s *Store) shareLenderMoney(tx *gorm.DB, lenderID string) error {
	if s.dialect != "postgres" {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock_shared(hashtext(?))", "money/"+lenderID).Error
}

// ImportPayments matches a lender's payment feed (CSV or XLSX) with the
// agencies' reports (billing.Match): a matched report is confirmed at the
// feed's amount and applied; a feed row no report names is a lender payment
// (created); what matching cannot settle goes to the exception queue with
// its reason. A feed with any bad row applies nothing and names every bad
// row by line. All of it is one transaction.
func (s *Store) ImportPayments(ctx context.Context, a collect.Actor, src sheets.RowSource) (PaymentFeedResult, error) {
	out := PaymentFeedResult{Errors: []allocation.RowError{}}
	if a.OrgKind != collect.KindLender {
		return out, notFoundError("account")
	}
	rows, bad, badCount, err := s.readFeed(ctx, a, src)
	if err != nil {
		return out, err
	}
	out.Rows = len(rows) + badCount
	if badCount > 0 {
		out.Rejected, out.Errors = badCount, bad
		return out, nil
	}
	now := s.now()
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.lockLenderMoney(tx, a.OrgID); err != nil {
			return err
		}
		var reports []paymentRow
		if err := tx.Raw(`SELECT * FROM payments WHERE lender_id = ? AND status = 'reported' AND linked_payment_id = '' ORDER BY id`, a.OrgID).Scan(&reports).Error; err != nil {
			return err
		}
		ids := make([]string, 0, len(rows)+len(reports))
		for _, r := range rows {
			ids = append(ids, r.AccountID)
		}
		for _, r := range reports {
			ids = append(ids, r.AccountID)
		}
		accs, err := s.lockAccounts(tx, a, ids)
		if err != nil {
			return err
		}
		feed := make([]billing.FeedRecord, len(rows))
		asOf := billing.Date("")
		today := billing.DateIn(now, zoneNamed(a.TimeZone)) // the lender's day
		since := today
		var refs []string
		for i := range rows {
			acc := accs[rows[i].AccountID]
			if !rows[i].rawDate {
				rows[i].PaidOn = billing.DateIn(rows[i].PaidAt, acc.zone())
			}
			feed[i] = rows[i].FeedRecord
			asOf, since = max(asOf, rows[i].PaidOn), min(since, rows[i].PaidOn)
			if rows[i].Reference != "" {
				refs = append(refs, rows[i].Reference)
			}
		}
		if asOf == "" {
			asOf = today
		}
		reported := make([]billing.ReportedPayment, len(reports))
		for j, r := range reports {
			reported[j] = billing.ReportedPayment{ID: r.ID, AccountID: r.AccountID, AgencyID: r.AgencyID, AmountCents: r.AmountCents,
				PaidOn: billing.Date(r.PaidOn), Reference: r.Reference}
			if r.Reference != "" {
				refs = append(refs, r.Reference)
			}
			since = min(since, billing.Date(r.PaidOn))
		}
		opts := billing.DefaultMatchOptions(asOf)
		if opts.Accounts, err = accountsFacts(tx, accs); err != nil {
			return err
		}
		arranged, err := withArrangements(tx, ids)
		if err != nil {
			return err
		}
		batch := newMoneyBatch()
		var linkable map[string]bool
		if opts.Booked, linkable, err = bookedPayments(tx, a.OrgID, slices.Collect(maps.Keys(accs)), string(since.AddDays(-billing.MaxDateWindowDays)), refs); err != nil {
			return err
		}
		res, err := billing.Match(feed, reported, opts)
		if err != nil {
			return err
		}
		// A report paired with money that is already spoken for (a report
		// the lender confirmed, or a lender record another report is linked
		// to) may be a second payment as well as a second report of it: the
		// lender decides.
		for j, o := range res.Reported {
			if o.Kind == billing.KindMatched && o.BookedID != "" && !linkable[o.BookedID] {
				res.Reported[j] = billing.Outcome{Kind: billing.KindException, Reason: billing.ReasonDuplicate, ReportID: o.ReportID, OfPaymentID: o.BookedID}
			}
		}
		open, err := openExceptionPayments(tx, a.OrgID)
		if err != nil {
			return err
		}
		byID := make(map[string]*paymentRow, len(reports))
		for j := range reports {
			byID[reports[j].ID] = &reports[j]
		}
		// Matched reports, by account id then report id (the lock order).
		var matched []billing.Outcome
		for _, o := range res.Reported {
			if o.Kind == billing.KindMatched {
				matched = append(matched, o)
			}
		}
		slices.SortFunc(matched, func(x, y billing.Outcome) int {
			return strings.Compare(byID[x.ReportID].AccountID+"/"+x.ReportID, byID[y.ReportID].AccountID+"/"+y.ReportID)
		})
		lineOf := map[int]int{}
		for i, r := range rows {
			lineOf[r.Line] = i
		}
		for _, o := range matched {
			p := byID[o.ReportID]
			acc := accs[p.AccountID]
			reportedCents := p.AmountCents
			linked := o.BookedID
			if o.FeedLine > 0 {
				if err := takeFeedFacts(tx, p, rows[lineOf[o.FeedLine]]); err != nil {
					return err
				}
			}
			if err := confirmReport(tx, p, a.UserID, true, linked, now); err != nil {
				return err
			}
			if err := unreport(tx, &acc, reportedCents); err != nil {
				return err
			}
			if linked == "" {
				facts := opts.Accounts[acc.ID]
				if _, err := s.applyConfirmed(tx, &acc, p, now, applyOpts{facts: &facts, skipPriority: true, noArrangement: !arranged[acc.ID], batch: batch}); err != nil {
					return err
				}
			}
			accs[p.AccountID] = acc
			if open[p.ID] != "" {
				if err := closeException(tx, a, open[p.ID], "confirm", "feed", now); err != nil {
					return err
				}
			}
			out.Confirmed++
		}
		for i, o := range res.Feed {
			if o.Kind != billing.KindCreated {
				continue
			}
			r := rows[i]
			acc := accs[r.AccountID]
			p := paymentRow{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, LenderID: acc.LenderID, AmountCents: r.AmountCents,
				Currency: acc.Currency, PaidAt: r.PaidAt, PaidOn: string(r.PaidOn), Reference: r.Reference, Source: string(billing.SourceLender),
				Channel: string(billing.ChannelPaidToLender), Status: string(billing.StatusConfirmed), ConfirmedAt: &now, ConfirmedBy: a.UserID,
				ConfirmedByFeed: true, RecordedBy: a.UserID, CreatedAt: now}
			if err := insertPayment(tx, p); err != nil {
				return err
			}
			facts := opts.Accounts[acc.ID]
			if _, err := s.applyConfirmed(tx, &acc, &p, now, applyOpts{facts: &facts, skipPriority: true, noArrangement: !arranged[acc.ID], batch: batch}); err != nil {
				return err
			}
			accs[r.AccountID] = acc
			out.Created++
		}
		for _, o := range res.Exceptions() {
			if o.ReportID != "" && open[o.ReportID] != "" {
				if o.FeedLine == 0 {
					continue // already queued, nothing new
				}
				// The report's exception gains the feed's record of the money: the new one replaces it.
				if err := tx.Exec(`UPDATE payment_exceptions SET status = 'resolved', resolve_reason = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'`,
					fmt.Sprintf("superseded by feed line %d", o.FeedLine), a.UserID, now, open[o.ReportID]).Error; err != nil {
					return err
				}
			}
			e := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "lender_id": a.OrgID, "reason": string(o.Reason),
				"payment_id": o.ReportID, "of_payment_id": cmp.Or(o.OfPaymentID, o.BookedID), "diff_cents": o.DiffCents, "status": "open", "created_at": now}
			if o.FeedLine > 0 {
				r := rows[lineOf[o.FeedLine]]
				if o.ReportID == "" { // the same row of an earlier feed, still open: once is enough
					var n int64
					if err := tx.Raw(`SELECT COUNT(*) FROM payment_exceptions WHERE lender_id = ? AND account_id = ? AND payment_id = '' AND status = 'open'
						AND feed_amount_cents = ? AND feed_paid_on = ? AND feed_reference = ?`, a.OrgID, r.AccountID, r.AmountCents, string(r.PaidOn), r.Reference).Scan(&n).Error; err != nil {
						return err
					}
					if n > 0 {
						continue
					}
				}
				e["account_id"], e["feed_line"], e["feed_amount_cents"], e["feed_paid_on"], e["feed_reference"] = r.AccountID, r.Line, r.AmountCents, string(r.PaidOn), r.Reference
			}
			if o.ReportID != "" {
				p := byID[o.ReportID]
				e["account_id"], e["agency_id"] = p.AccountID, p.AgencyID
			}
			if err := tx.Table("payment_exceptions").Create(e).Error; err != nil {
				return err
			}
			out.Exceptions++
		}
		out.Pending = res.Counts().Pending
		if err := batch.flush(tx); err != nil {
			return err
		}
		if err := refreshPriorityIDs(tx, slices.Collect(maps.Keys(accs))...); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "payment.feed", ObjectType: "lender", ObjectID: a.OrgID, LenderID: a.OrgID,
			After: map[string]int{"rows": out.Rows, "confirmed": out.Confirmed, "created": out.Created, "exceptions": out.Exceptions, "pending": out.Pending}})
	})
	if err != nil {
		return PaymentFeedResult{Errors: []allocation.RowError{}}, err
	}
	return out, nil
}

// openExceptionPayments maps each report with an open exception to it.
func openExceptionPayments(tx *gorm.DB, lenderID string) (map[string]string, error) {
	var rows []struct{ ID, PaymentID string }
	if err := tx.Raw("SELECT id, payment_id FROM payment_exceptions WHERE lender_id = ? AND status = 'open' AND payment_id <> ''", lenderID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.PaymentID] = r.ID
	}
	return out, nil
}

// closeException marks an open exception resolved.
func closeException(tx *gorm.DB, a collect.Actor, id, resolution, reason string, at time.Time) error {
	res := tx.Exec(`UPDATE payment_exceptions SET status = 'resolved', resolution = ?, resolve_reason = ?, resolved_by = ?, resolved_at = ?
		WHERE id = ? AND status = 'open'`, resolution, reason, a.UserID, at, id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return collect.E(collect.ECONFLICT, "err.billing.exception_resolved")
	}
	return nil
}

// PaymentException is an item of the exception queue.
type PaymentException struct {
	ID              string     `json:"id"`
	Reason          string     `json:"reason"`
	PaymentID       string     `json:"payment_id"`
	AccountID       string     `json:"account_id"`
	ExternalRef     string     `json:"external_ref"`
	AgencyID        string     `json:"agency_id,omitempty"`
	AgencyName      string     `json:"agency_name,omitempty"`
	Currency        string     `json:"currency"`
	AmountCents     int64      `json:"amount_cents"` // the report's, if any
	PaidOn          string     `json:"paid_on,omitempty"`
	Reference       string     `json:"reference,omitempty"`
	FeedLine        int        `json:"feed_line,omitempty"`
	FeedAmountCents int64      `json:"feed_amount_cents,omitempty"`
	FeedPaidOn      string     `json:"feed_paid_on,omitempty"`
	FeedReference   string     `json:"feed_reference,omitempty"`
	OfPaymentID     string     `json:"of_payment_id,omitempty"`
	DiffCents       int64      `json:"diff_cents"`
	Status          string     `json:"status"`
	Resolution      string     `json:"resolution,omitempty"`
	ResolveReason   string     `json:"resolve_reason,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

// ExceptionFilter narrows the queue: status open (default), resolved or all.
type ExceptionFilter struct {
	Status, AgencyID, ID string
	Limit                int
}

// PaymentExceptions lists the queue in the actor's scope: the lender's, or
// (read only) those on an agency's own reports.
func (s *Store) PaymentExceptions(ctx context.Context, a collect.Actor, f ExceptionFilter) ([]PaymentException, error) {
	q := s.db.WithContext(ctx).Table("payment_exceptions e").Scopes(partyScope("e", a)).
		Select(`e.id, e.reason, e.payment_id, e.account_id, ac.external_ref, ac.currency, e.agency_id, ag.name AS agency_name,
			COALESCE(p.amount_cents, 0) AS amount_cents, COALESCE(p.paid_on, '') AS paid_on, COALESCE(p.reference, '') AS reference,
			e.feed_line, e.feed_amount_cents, e.feed_paid_on, e.feed_reference, e.of_payment_id, e.diff_cents, e.status, e.resolution,
			e.resolve_reason, e.resolved_at, e.created_at`).
		Joins("JOIN accounts ac ON ac.id = e.account_id").
		Joins("LEFT JOIN payments p ON p.id = e.payment_id AND e.payment_id <> ''").
		Joins("LEFT JOIN organisations ag ON ag.id = e.agency_id")
	switch f.Status {
	case "", "open":
		q = q.Where("e.status = 'open'")
	case "resolved":
		q = q.Where("e.status = 'resolved'")
	case "all":
	default:
		return nil, collect.Invalid("status", "err.filter.value", "value", f.Status)
	}
	if f.AgencyID != "" {
		q = q.Where("e.agency_id = ?", f.AgencyID)
	}
	if f.ID != "" {
		q = q.Where("e.id = ?", f.ID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out := []PaymentException{}
	err := q.Order("e.created_at DESC, e.id").Limit(limit).Scan(&out).Error
	return out, err
}

// ResolveInput is the lender's decision on an exception.
type ResolveInput struct {
	Action    string      `json:"action"` // confirm, reject, reassign, split
	Reason    string      `json:"reason"`
	AccountID string      `json:"account_id"` // reassign: the account the money belongs to
	Splits    []SplitPart `json:"splits"`     // split: the accounts it belongs to, summing to the amount
}

func (in ResolveInput) validate() error {
	switch in.Action {
	case "confirm", "reject", "reassign", "split":
	default:
		return collect.Invalid("action", "err.billing.resolve_action", "action", in.Action)
	}
	if in.Action == "split" {
		if len(in.Splits) < 2 || len(in.Splits) > 20 {
			return collect.Invalid("splits", "err.billing.split_parts", "max", 20)
		}
		for i, sp := range in.Splits {
			if strings.TrimSpace(sp.AccountID) == "" {
				return collect.Invalid(fmt.Sprintf("splits.%d.account_id", i), "err.form.required")
			}
			if sp.AmountCents <= 0 || sp.AmountCents > billing.MaxAmountCents {
				return collect.Invalid(fmt.Sprintf("splits.%d.amount_cents", i), "err.payment.amount")
			}
		}
	}
	if in.Action == "reject" {
		if err := allocation.ValidReason(in.Reason); err != nil {
			return err
		}
	} else if len([]rune(in.Reason)) > 500 {
		return collect.Invalid("reason", "err.form.max_chars", "max", 500)
	}
	if in.Action == "reassign" && strings.TrimSpace(in.AccountID) == "" {
		return collect.Invalid("account_id", "err.form.required")
	}
	return nil
}

// ResolveException settles an exception as the lender decides: confirm the
// report (at the feed's amount when a feed row is paired) or book the feed
// row as a lender payment; reject it with a reason (a report is rejected, a
// feed row is not booked); reassign it to another of the lender's accounts,
// where it is confirmed; or split it over several accounts (parts summing
// to the amount). Audited; a resolved exception is 409.
func (s *Store) ResolveException(ctx context.Context, a collect.Actor, id string, in ResolveInput) (PaymentException, error) {
	if a.OrgKind != collect.KindLender {
		return PaymentException{}, notFoundError("exception")
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.lockLenderMoney(tx, a.OrgID); err != nil {
			return err
		}
		var e struct {
			ID, AccountID, PaymentID, Reason, Status, FeedPaidOn, FeedReference, OfPaymentID string
			FeedLine                                                                         int
			FeedAmountCents                                                                  int64
		}
		if err := tx.Table("payment_exceptions").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&e).Error; err != nil {
			return notFound(err, "exception")
		}
		if err := in.validate(); err != nil { // after the lookup: another lender's exception is 404 whatever the body
			return err
		}
		if e.Status != "open" {
			return collect.E(collect.ECONFLICT, "err.billing.exception_resolved")
		}
		var p *paymentRow
		if e.PaymentID != "" {
			var row paymentRow
			if err := tx.Raw("SELECT * FROM payments WHERE id = ?", e.PaymentID).Scan(&row).Error; err != nil {
				return err
			}
			if row.ID == "" {
				return notFoundError("payment")
			}
			p = &row
		}
		// The money and the accounts it goes to: the feed's amount when a
		// feed row is part of it (the lender's books), else the report's.
		base := e.FeedAmountCents
		if base == 0 && p != nil {
			base = p.AmountCents
		}
		var parts []SplitPart
		switch in.Action {
		case "confirm":
			parts = []SplitPart{{AccountID: e.AccountID, AmountCents: base}}
		case "reassign":
			parts = []SplitPart{{AccountID: strings.TrimSpace(in.AccountID), AmountCents: base}}
		case "split":
			parts = in.Splits
			var sum int64
			for _, sp := range parts {
				sum += sp.AmountCents
			}
			if sum != base {
				return collect.Invalid("splits", "err.billing.split_sum", "sum", billing.FormatCents(sum), "amount", billing.FormatCents(base))
			}
		}
		ids := []string{e.AccountID}
		for _, sp := range parts {
			ids = append(ids, sp.AccountID)
		}
		accs, err := s.lockAccounts(tx, a, ids)
		if err != nil {
			return err
		}
		for _, sp := range parts {
			acc, ok := accs[sp.AccountID]
			if !ok {
				return notFoundError("account")
			}
			if in.Action != "confirm" && acc.Status == "closed" {
				return collect.E(collect.ECONFLICT, "err.payment.account_closed")
			}
		}
		refTaken := e.Reason == string(billing.ReasonDuplicate) || e.Reason == string(billing.ReasonReferenceReused)
		switch {
		case in.Action == "reject":
			if p != nil {
				if err := s.rejectReport(tx, accs, p, in.Reason); err != nil {
					return err
				}
				if e.FeedLine > 0 {
					// The agency's claim is refused, but the bank's record of
					// money stands: it is the lender's own payment.
					if err := s.settleParts(tx, a, accs, nil, true, e.FeedPaidOn, e.FeedReference, refTaken,
						[]SplitPart{{AccountID: e.AccountID, AmountCents: e.FeedAmountCents}}, now); err != nil {
						return err
					}
				}
			}
		case in.Action == "confirm" && p != nil && e.FeedLine == 0 && e.OfPaymentID != "":
			// The report describes money already on the books: it is linked
			// to that payment and counts once.
			from := accs[p.AccountID]
			reportedCents := p.AmountCents
			if err := confirmReport(tx, p, a.UserID, false, e.OfPaymentID, now); err != nil {
				return err
			}
			if err := unreport(tx, &from, reportedCents); err != nil {
				return err
			}
		default:
			if err := s.settleParts(tx, a, accs, p, e.FeedLine > 0, e.FeedPaidOn, e.FeedReference, refTaken, parts, now); err != nil {
				return err
			}
		}
		target := parts
		if err := closeException(tx, a, e.ID, in.Action, strings.TrimSpace(in.Reason), now); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "reconciliation.resolve", ObjectType: "payment_exception", ObjectID: e.ID, LenderID: a.OrgID,
			Before: map[string]any{"reason": e.Reason, "account_id": e.AccountID, "payment_id": e.PaymentID},
			After:  map[string]any{"action": in.Action, "reason": strings.TrimSpace(in.Reason), "parts": target}})
	})
	if err != nil {
		return PaymentException{}, err
	}
	got, err := s.PaymentExceptions(ctx, a, ExceptionFilter{Status: "all", ID: id, Limit: 1})
	if err != nil || len(got) == 0 {
		return PaymentException{ID: id, Status: "resolved", Resolution: in.Action}, err
	}
	return got[0], nil
}

// SplitPart is the part of an exception's money that belongs to one account.
type SplitPart struct {
	AccountID   string `json:"account_id"`
	AmountCents int64  `json:"amount_cents"`
}

// settleParts confirms an exception's money on the accounts it belongs to:
// the report (if any) leaves its account's reported sum and is confirmed
// as the first part, on that part's account; every further part is a new
// confirmed payment of the same source and channel. A feed row without a
// report is booked as the lender's own payments. Each part is applied.
func (s *Store) settleParts(tx *gorm.DB, a collect.Actor, accs map[string]payAccount, p *paymentRow, fromFeed bool, feedDay, feedRef string,
	refTaken bool, parts []SplitPart, now time.Time) error {
	template := paymentRow{Source: string(billing.SourceLender), Channel: string(billing.ChannelPaidToLender), PaidOn: feedDay, Reference: feedRef}
	if p != nil {
		if _, err := billing.Confirm(p.billing(), now, fromFeed); err != nil {
			return err
		}
		from := accs[p.AccountID]
		if err := unreport(tx, &from, p.AmountCents); err != nil {
			return err
		}
		accs[from.ID] = from
		if fromFeed && billing.Date(feedDay).Valid() && feedDay != p.PaidOn {
			// The lender's day, as the amount: attribution and the month follow it.
			p.PaidOn, p.PaidAt = feedDay, dayNoon(feedDay, from.zone(), now)
			if err := tx.Exec("UPDATE payments SET paid_on = ?, paid_at = ? WHERE id = ?", p.PaidOn, p.PaidAt, p.ID).Error; err != nil {
				return err
			}
		}
		template = *p
	}
	if refTaken {
		template.Reference = "" // the reference is another payment's
	}
	for i, sp := range parts {
		acc := accs[sp.AccountID]
		var row paymentRow
		if i == 0 && p != nil {
			p.AmountCents = sp.AmountCents
			if err := confirmReport(tx, p, a.UserID, false, "", now); err != nil {
				return err
			}
			if sp.AccountID != p.AccountID {
				if err := tx.Exec("UPDATE payments SET account_id = ? WHERE id = ?", sp.AccountID, p.ID).Error; err != nil {
					return err
				}
				p.AccountID = sp.AccountID
			}
			row = *p
		} else {
			row = paymentRow{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, LenderID: acc.LenderID, AgencyID: template.AgencyID,
				AmountCents: sp.AmountCents, Currency: acc.Currency, PaidAt: template.PaidAt, PaidOn: template.PaidOn, Source: template.Source,
				Channel: template.Channel, Status: string(billing.StatusConfirmed), VoucherID: template.VoucherID, VoucherRef: template.VoucherRef,
				ConfirmedAt: &now, ConfirmedBy: a.UserID, ConfirmedByFeed: fromFeed, RecordedBy: a.UserID, CreatedAt: now}
			if p == nil {
				row.PaidAt = dayNoon(template.PaidOn, acc.zone(), now)
			}
			if i == 0 {
				row.Reference = template.Reference // later parts carry none: a reference is one payment's
			}
			if err := insertPayment(tx, row); err != nil {
				return err
			}
		}
		if _, err := s.applyConfirmed(tx, &acc, &row, now); err != nil {
			return err
		}
		accs[acc.ID] = acc
	}
	return nil
}

// dayNoon is noon of a civil date in loc (the time a date-only payment is
// taken to have been paid), never after now.
func dayNoon(day string, loc *time.Location, now time.Time) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return now
	}
	if t := d.Add(12 * time.Hour); t.Before(now) {
		return t.UTC()
	}
	return now.UTC()
}

// rejectReport rejects a reported payment for reason: its money leaves the
// account's reported sum and it earns nothing.
func (s *Store) rejectReport(tx *gorm.DB, accs map[string]payAccount, p *paymentRow, reason string) error {
	if _, err := billing.Reject(p.billing(), reason); err != nil {
		return err
	}
	res := tx.Exec("UPDATE payments SET status = 'rejected', reject_reason = ? WHERE id = ? AND status = 'reported'", strings.TrimSpace(reason), p.ID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", "rejected")
	}
	acc := accs[p.AccountID]
	if err := unreport(tx, &acc, p.AmountCents); err != nil {
		return err
	}
	accs[p.AccountID] = acc
	p.Status, p.RejectReason = "rejected", strings.TrimSpace(reason)
	return nil
}

// paymentScope limits payments (alias "payments"): the lender's, or those
// an agency reported; the platform none.
func paymentScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("payments", a) }

// GetPayment is one payment in the actor's scope.
func (s *Store) GetPayment(ctx context.Context, a collect.Actor, id string) (Payment, error) {
	var row paymentRow
	if err := s.db.WithContext(ctx).Table("payments").Scopes(paymentScope(a)).Where("payments.id = ?", id).Take(&row).Error; err != nil {
		return Payment{}, notFound(err, "payment")
	}
	return s.paymentView(ctx, row)
}

func (s *Store) paymentView(ctx context.Context, row paymentRow) (Payment, error) {
	out := row.payment()
	var acc struct{ BalanceCents, ReportedCents int64 }
	if err := s.db.WithContext(ctx).Raw("SELECT balance_cents, reported_cents FROM accounts WHERE id = ?", row.AccountID).Scan(&acc).Error; err != nil {
		return out, err
	}
	out.BalanceCents, out.ReportedCents = acc.BalanceCents, acc.ReportedCents
	var c struct {
		AmountCents int64
		AgencyID    string
	}
	if err := s.db.WithContext(ctx).Raw("SELECT amount_cents, agency_id FROM commissions WHERE payment_id = ?", row.ID).Scan(&c).Error; err != nil {
		return out, err
	}
	out.CommissionCents, out.CommissionAgency = c.AmountCents, c.AgencyID
	return out, nil
}

// PaymentFilter narrows a payment list.
type PaymentFilter struct {
	Status, AgencyID, AccountID string
	Limit                       int
}

// ListPayments lists payments in the actor's scope, newest first.
func (s *Store) ListPayments(ctx context.Context, a collect.Actor, f PaymentFilter) ([]Payment, error) {
	q := s.db.WithContext(ctx).Table("payments").Scopes(paymentScope(a))
	switch billing.Status(f.Status) {
	case "":
	case billing.StatusReported, billing.StatusConfirmed, billing.StatusRejected:
		q = q.Where("payments.status = ?", f.Status)
	default:
		return nil, collect.Invalid("status", "err.filter.value", "value", f.Status)
	}
	if f.AgencyID != "" {
		q = q.Where("payments.agency_id = ?", f.AgencyID)
	}
	if f.AccountID != "" {
		q = q.Where("payments.account_id = ?", f.AccountID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var rows []paymentRow
	if err := q.Order("payments.created_at DESC, payments.id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

// DecidePayment is a lender user confirming (with the voucher or the bank
// reference to look at) or rejecting (with a reason) a reported payment by
// hand; an open exception on it is resolved with it.
func (s *Store) DecidePayment(ctx context.Context, a collect.Actor, id string, confirm bool, reason string) (Payment, error) {
	if a.OrgKind != collect.KindLender {
		return Payment{}, notFoundError("payment")
	}
	now := s.now()
	var row paymentRow
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.lockLenderMoney(tx, a.OrgID); err != nil {
			return err
		}
		if err := tx.Table("payments").Scopes(paymentScope(a)).Where("payments.id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, "payment")
		}
		if !confirm {
			if err := allocation.ValidReason(reason); err != nil {
				return err
			}
		}
		accs, err := s.lockAccounts(tx, a, []string{row.AccountID})
		if err != nil {
			return err
		}
		if confirm {
			if _, err := billing.Confirm(row.billing(), now, false); err != nil {
				return err
			}
			acc := accs[row.AccountID]
			// Money the lender has already booked is linked, not applied again.
			if err := s.linkToBooked(tx, &acc, &row, now, a.UserID, false); err != nil {
				return err
			}
			if row.Status == "reported" {
				if err := confirmReport(tx, &row, a.UserID, false, "", now); err != nil {
					return err
				}
				if err := unreport(tx, &acc, row.AmountCents); err != nil {
					return err
				}
				if _, err := s.applyConfirmed(tx, &acc, &row, now); err != nil {
					return err
				}
			}
		} else if err := s.rejectReport(tx, accs, &row, reason); err != nil {
			return err
		}
		open, err := openExceptionPayments(tx, a.OrgID)
		if err != nil {
			return err
		}
		resolution := map[bool]string{true: "confirm", false: "reject"}[confirm]
		if eid := open[row.ID]; eid != "" {
			if err := closeException(tx, a, eid, resolution, strings.TrimSpace(reason), now); err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "payment." + resolution, ObjectType: "payment", ObjectID: row.ID, LenderID: a.OrgID,
			Before: map[string]string{"status": "reported"}, After: map[string]any{"status": row.Status, "amount_cents": row.AmountCents, "reason": strings.TrimSpace(reason)}})
	})
	if err != nil {
		return Payment{}, err
	}
	s.rescoreAfter(ctx, row.AccountID)
	return s.GetPayment(ctx, a, id)
}

// PaymentForVoucher is the payment a voucher upload is for: one the
// actor's agency reported and that is still reported; not found outside
// scope, 409 once decided.
func (s *Store) PaymentForVoucher(ctx context.Context, a collect.Actor, id string) (Payment, error) {
	if a.OrgKind != collect.KindAgency {
		return Payment{}, notFoundError("payment")
	}
	p, err := s.GetPayment(ctx, a, id)
	if err != nil {
		return p, err
	}
	if p.Status != string(billing.StatusReported) {
		return p, collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", p.Status)
	}
	return p, nil
}

// setVoucher names the attachment holding a payment's voucher.
func setVoucher(tx *gorm.DB, paymentID, attachmentID string) error {
	res := tx.Exec("UPDATE payments SET voucher_id = ? WHERE id = ? AND status = 'reported'", attachmentID, paymentID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", "confirmed")
	}
	return nil
}
