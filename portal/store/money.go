package store

import (
	"cmp"
	"collect"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/billing"
)

// Money that reconciles (issue 17): a lender's payment is confirmed when
// recorded; an agency's is reported, shown apart from the balance, and
// moves the balance and earns commission only once confirmed, by the
// lender's feed (ImportPayments), by its link to a payment the lender
// already booked, or by a lender user. The decisions are billing's; this
// file reads the facts they need and writes what they decide.

// paymentRow is a row of payments.
type paymentRow struct {
	ID              string
	AccountID       string
	LenderID        string
	AgencyID        string
	AmountCents     int64
	OverpaidCents   int64
	Currency        string
	PaidAt          time.Time
	PaidOn          string
	Reference       string
	Source          string
	Channel         string
	Status          string
	VoucherID       string
	VoucherRef      string
	ConfirmedAt     *time.Time
	ConfirmedBy     string
	ConfirmedByFeed bool
	LinkedPaymentID string
	RejectReason    string
	RecordedBy      string
	RemittedAt      *time.Time
	CreatedAt       time.Time
}

func (r paymentRow) billing() billing.Payment {
	p := billing.Payment{ID: r.ID, AccountID: r.AccountID, AgencyID: r.AgencyID, Source: billing.Source(r.Source),
		Channel: billing.Channel(r.Channel), Status: billing.Status(r.Status), AmountCents: r.AmountCents,
		OverpaidCents: r.OverpaidCents, Currency: r.Currency, PaidOn: billing.Date(r.PaidOn), Reference: r.Reference,
		VoucherID: cmp.Or(r.VoucherID, r.VoucherRef), ReportedAt: r.CreatedAt, RejectReason: r.RejectReason}
	if r.ConfirmedAt != nil {
		p.ConfirmedAt = *r.ConfirmedAt
	}
	return p
}

// payment is the API's view of the row.
func (r paymentRow) payment() Payment {
	p := Payment{ID: r.ID, AccountID: r.AccountID, AmountCents: r.AmountCents, Currency: r.Currency, PaidAt: r.PaidAt,
		PaidOn: r.PaidOn, Reference: r.Reference, Source: r.Source, Channel: r.Channel, Status: r.Status,
		AgencyID: r.AgencyID, VoucherID: r.VoucherID, VoucherRef: r.VoucherRef, ConfirmedAt: r.ConfirmedAt,
		ConfirmedByFeed: r.ConfirmedByFeed, LinkedPaymentID: r.LinkedPaymentID, RejectReason: r.RejectReason,
		OverpaidCents: r.OverpaidCents, ReportedAt: r.CreatedAt}
	return p
}

// payAccount is what a payment needs of its account.
type payAccount struct {
	ID              string
	LenderID        string
	AgencyID        string
	Currency        string
	Bucket          string
	Status          string
	BalanceCents    int64
	ReportedCents   int64
	TimeZone        string
	TimeZones       string
	ConductProfile  string
	LastPaymentDate string
	UpdatedAt       time.Time
}

const payAccountCols = "accounts.id, accounts.lender_id, accounts.agency_id, accounts.currency, accounts.bucket, accounts.status, " +
	"accounts.balance_cents, accounts.reported_cents, accounts.time_zone, accounts.time_zones, accounts.conduct_profile, " +
	"accounts.last_payment_date, accounts.updated_at"

// zone is the payer's zone: the account's first.
func (acc payAccount) zone() *time.Location {
	zones := accountZones(caseAccount{TimeZone: acc.TimeZone, TimeZones: acc.TimeZones, ConductProfile: acc.ConductProfile})
	if len(zones) > 0 {
		return zoneNamed(zones[0])
	}
	return collect.China
}

// zoneNamed is the IANA zone name as a location (China's when unknown),
// loaded once.
func zoneNamed(name string) *time.Location {
	if name == "" {
		return collect.China
	}
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return collect.China
	}
	zoneCache.Store(name, loc)
	return loc
}

// lenderZone is the zone the lender works in (organisations.time_zone):
// the day a feed is "today" in, the lender's months of events.
func lenderZone(tx *gorm.DB, lenderID string) (*time.Location, error) {
	var name string
	if err := tx.Raw("SELECT time_zone FROM organisations WHERE id = ?", lenderID).Scan(&name).Error; err != nil {
		return nil, err
	}
	return zoneNamed(name), nil
}

// zoneCache holds the zones loaded (time.LoadLocation reads the zone file
// each time).
var zoneCache sync.Map

// lockAccounts reads the accounts in the actor's scope, locked on
// PostgreSQL in id order (so two transactions locking overlapping sets
// cannot deadlock); SQLite has one writer.
func (s *Store) lockAccounts(tx *gorm.DB, a collect.Actor, ids []string) (map[string]payAccount, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[string]payAccount, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rows []payAccount
		// By primary key, and scoped as accountScope scopes (a lender's, or
		// the agency holding it) on the rows read: a condition on the
		// lender in the query would have SQLite walk the lender's index.
		q := "SELECT " + payAccountCols + " FROM accounts WHERE accounts.id IN ? ORDER BY accounts.id"
		if s.dialect == "postgres" {
			q += " FOR UPDATE"
		}
		if err := tx.Raw(q, chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			if inScope(a, r) {
				out[r.ID] = r
			}
		}
	}
	return out, nil
}

// inScope is accountScope for one account read.
func inScope(a collect.Actor, acc payAccount) bool {
	switch a.OrgKind {
	case collect.KindLender:
		return acc.LenderID == a.OrgID
	case collect.KindAgency:
		return acc.AgencyID == a.OrgID
	}
	return false
}

// accountFacts are what attribution and matching know of an account: its
// placements the agencies accepted, as civil dates in the payer's zone, with
// the attribution rule of each agency's contract; the promises made on it;
// the day it closed.
func accountFacts(tx *gorm.DB, acc payAccount) (billing.AccountFacts, error) {
	m, err := accountsFacts(tx, map[string]payAccount{acc.ID: acc})
	return m[acc.ID], err
}

// accountsFacts is accountFacts for many accounts, in a few queries.
func accountsFacts(tx *gorm.DB, accs map[string]payAccount) (map[string]billing.AccountFacts, error) {
	out := make(map[string]billing.AccountFacts, len(accs))
	ids := make([]string, 0, len(accs))
	for id, acc := range accs {
		f := billing.AccountFacts{Spans: []billing.Span{}, Promises: []billing.Promise{}}
		if acc.Status == "closed" {
			// The day of the last payment closed it; an account closed
			// otherwise (written off) counts from its last change.
			if d := billing.Date(acc.LastPaymentDate); d.Valid() {
				f.ClosedOn = d
			} else {
				f.ClosedOn = billing.DateIn(acc.UpdatedAt, acc.zone())
			}
		}
		out[id] = f
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, 500) {
		var pls []struct {
			ID, AccountID, AgencyID, Status string
			AcceptedAt                      time.Time
			EndedAt                         *time.Time
			GraceDays                       int
			PromiseBeforeRecall             bool
		}
		if err := tx.Raw(`SELECT p.id, p.account_id, p.agency_id, p.status, p.accepted_at, p.ended_at,
				COALESCE(c.grace_days, 0) AS grace_days, COALESCE(c.promise_before_recall, FALSE) AS promise_before_recall
			FROM placements p LEFT JOIN contracts c ON c.lender_id = p.lender_id AND c.agency_id = p.agency_id
			WHERE p.account_id IN ? AND p.accepted_at IS NOT NULL ORDER BY p.account_id, p.accepted_at, p.id`, chunk).Scan(&pls).Error; err != nil {
			return nil, err
		}
		for _, p := range pls {
			loc := accs[p.AccountID].zone()
			sp := billing.Span{PlacementID: p.ID, AgencyID: p.AgencyID, Start: billing.DateIn(p.AcceptedAt, loc),
				Rule: billing.AttributionRule{GraceDays: p.GraceDays, PromiseBeforeRecall: p.PromiseBeforeRecall}}
			if p.Status != allocation.PlacementActive {
				end := p.AcceptedAt
				if p.EndedAt != nil {
					end = *p.EndedAt
				}
				sp.End, sp.EndReason = billing.DateIn(end, loc), billing.EndReason(p.Status)
				if sp.End < sp.Start {
					sp.End = sp.Start
				}
			}
			f := out[p.AccountID]
			f.Spans = append(f.Spans, sp)
			out[p.AccountID] = f
		}
		var proms []struct {
			ID, AccountID, AgencyID, FirstDue string
			CreatedAt                         time.Time
		}
		if err := tx.Raw(`SELECT id, account_id, agency_id, first_due, created_at FROM arrangements
			WHERE account_id IN ? AND kind = 'promise' AND status NOT IN ('rejected', 'cancelled', 'pending_approval') AND first_due <> ''
			ORDER BY account_id, id`, chunk).Scan(&proms).Error; err != nil {
			return nil, err
		}
		for _, p := range proms {
			made := billing.DateIn(p.CreatedAt, accs[p.AccountID].zone())
			due := billing.Date(p.FirstDue)
			if due.Valid() && made <= due {
				f := out[p.AccountID]
				f.Promises = append(f.Promises, billing.Promise{ID: p.ID, AgencyID: p.AgencyID, MadeOn: made, DueOn: due})
				out[p.AccountID] = f
			}
		}
	}
	// A span the data made odd (two held on one day by a same-day
	// handover) keeps the later start: attribution needs them apart.
	for id, f := range out {
		if billing.ValidateSpans(f.Spans) != nil {
			f.Spans = disjointSpans(f.Spans)
			out[id] = f
		}
	}
	return out, nil
}

// disjointSpans trims each ended span to end before the next one starts,
// dropping a span left empty, so ValidateSpans accepts them.
func disjointSpans(spans []billing.Span) []billing.Span {
	var out []billing.Span
	for i, s := range spans {
		if i+1 < len(spans) && s.End != "" && s.End >= spans[i+1].Start {
			s.End = spans[i+1].Start
		}
		if len(out) > 0 && out[len(out)-1].End != "" && s.Start < out[len(out)-1].End {
			s.Start = out[len(out)-1].End
		}
		if s.End != "" && s.End < s.Start {
			continue
		}
		out = append(out, s)
	}
	if billing.ValidateSpans(out) != nil { // still odd: only the open span (or the last) counts
		return out[len(out)-1:]
	}
	return out
}

// commissionTerms are the terms an agency earns under on a placement: the
// contract's commission terms, with the placement's rate for its bucket
// (the rate fixed when the account was placed).
func commissionTerms(tx *gorm.DB, lenderID, agencyID, bucket string, rateBP int) (billing.CommissionTerms, error) {
	var raw string
	if err := tx.Raw("SELECT commission_terms FROM contracts WHERE lender_id = ? AND agency_id = ?", lenderID, agencyID).Scan(&raw).Error; err != nil {
		return billing.CommissionTerms{}, err
	}
	var t billing.CommissionTerms
	if strings.TrimSpace(raw) != "" {
		_ = json.Unmarshal([]byte(raw), &t) // validated when the contract was saved
	}
	t.BucketRatesBP = map[string]int{bucket: rateBP}
	if t.Validate() != nil {
		return billing.CommissionTerms{BucketRatesBP: map[string]int{bucket: rateBP}}, nil
	}
	return t, nil
}

// vintageLiquidationBP is the liquidation the agency's placement vintage
// (its placements of the lender starting in the month of startsAt) has
// reached, in basis points: for tiered terms only.
func vintageLiquidationBP(tx *gorm.DB, lenderID, agencyID string, startsAt time.Time) (int, error) {
	var v struct{ Placed, Recovered int64 }
	err := tx.Raw(`SELECT COALESCE(SUM(placed_balance_cents), 0) AS placed, COALESCE(SUM(vintage_recovered_cents), 0) AS recovered
		FROM agency_month_stats WHERE lender_id = ? AND agency_id = ? AND month = ?`, lenderID, agencyID, startsAt.UTC().Format("2006-01")).Scan(&v).Error
	if err != nil || v.Placed <= 0 {
		return 0, err
	}
	return int(min(v.Recovered*10000/v.Placed, 1_000_000)), nil
}

// confirmed is what applying a confirmed payment did.
type confirmed struct {
	BalanceCents     int64
	CommissionCents  int64
	CommissionAgency string
	Attribution      billing.AttributionReason
	Closed           bool
}

// applyOpts are what a caller applying many payments at once already has:
// the account's facts (nil: read them) and whether it refreshes the
// accounts' priorities itself at the end.
type applyOpts struct {
	facts         *billing.AccountFacts
	skipPriority  bool
	noArrangement bool // the account has no active arrangement to pay
	batch         *moneyBatch
}

// moneyBatch is what one transaction applying many payments reads once
// and writes once: the commission terms of each agency's contract, and the
// counters' deltas, written at the end (flush).
type moneyBatch struct {
	terms map[string]billing.CommissionTerms
	stats map[statKey]map[string]int64
	order []statKey
}

type statKey struct {
	lender, agency string
	at             time.Time
}

func newMoneyBatch() *moneyBatch {
	return &moneyBatch{terms: map[string]billing.CommissionTerms{}, stats: map[statKey]map[string]int64{}}
}

// commissionTerms is commissionTerms, read once per agency, bucket and rate.
func (b *moneyBatch) commissionTerms(tx *gorm.DB, lenderID, agencyID, bucket string, rateBP int) (billing.CommissionTerms, error) {
	if b == nil {
		return commissionTerms(tx, lenderID, agencyID, bucket, rateBP)
	}
	key := fmt.Sprintf("%s/%s/%s/%d", lenderID, agencyID, bucket, rateBP)
	if t, ok := b.terms[key]; ok {
		return t, nil
	}
	t, err := commissionTerms(tx, lenderID, agencyID, bucket, rateBP)
	if err == nil {
		b.terms[key] = t
	}
	return t, err
}

// statDelta is statDelta, summed until flush.
func (b *moneyBatch) statDelta(tx *gorm.DB, lenderID, agencyID string, at time.Time, deltas map[string]int64) error {
	if b == nil {
		return statDelta(tx, lenderID, agencyID, at, deltas)
	}
	k := statKey{lenderID, agencyID, time.Date(at.UTC().Year(), at.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)}
	m, ok := b.stats[k]
	if !ok {
		m = map[string]int64{}
		b.stats[k], b.order = m, append(b.order, k)
	}
	for c, v := range deltas {
		m[c] += v
	}
	return nil
}

// flush writes the summed counters, in key order: every writer of these
// rows takes them in the same order, so none deadlocks on them.
func (b *moneyBatch) flush(tx *gorm.DB) error {
	slices.SortFunc(b.order, func(x, y statKey) int {
		return cmp.Or(strings.Compare(x.lender, y.lender), strings.Compare(x.agency, y.agency), x.at.Compare(y.at))
	})
	for _, k := range b.order {
		if err := statDelta(tx, k.lender, k.agency, k.at, b.stats[k]); err != nil {
			return err
		}
	}
	b.stats, b.order = map[statKey]map[string]int64{}, nil
	return nil
}

// applyConfirmed applies a confirmed payment to its (locked) account: the
// balance absorbs what it can (the rest is overpaid, the debtor's to
// refund), commission accrues to the agency attribution names at its
// placement's terms, the recovery counters move, the account and its
// placement close at zero, and an arrangement's instalments are paid.
func (s *Store) applyConfirmed(tx *gorm.DB, acc *payAccount, p *paymentRow, now time.Time, opt ...applyOpts) (_ confirmed, err error) {
	var o applyOpts
	if len(opt) > 0 {
		o = opt[0]
	}
	if o.batch == nil { // one payment: its own batch, written before it returns
		o.batch = newMoneyBatch()
		defer func() {
			if err == nil {
				err = o.batch.flush(tx)
			}
		}()
	}
	var out confirmed
	applied := min(p.AmountCents, max(acc.BalanceCents, 0))
	p.OverpaidCents = p.AmountCents - applied
	if p.OverpaidCents > 0 {
		if err := tx.Exec("UPDATE payments SET overpaid_cents = ? WHERE id = ?", p.OverpaidCents, p.ID).Error; err != nil {
			return out, err
		}
	}
	var facts billing.AccountFacts
	if o.facts != nil {
		facts = *o.facts
	} else {
		var err error
		if facts, err = accountFacts(tx, *acc); err != nil {
			return out, err
		}
	}
	attr, err := billing.Attribute(billing.Date(p.PaidOn), facts.Spans, facts.Promises)
	if err != nil {
		return out, err
	}
	out.Attribution = attr.Reason
	if attr.AgencyID != "" && applied > 0 {
		var pl struct {
			ID, AgencyID, Bucket string
			FeeRateBP            int
			StartsAt             time.Time
		}
		if err := tx.Raw("SELECT id, agency_id, bucket, fee_rate_bp, starts_at FROM placements WHERE id = ?", attr.PlacementID).Scan(&pl).Error; err != nil {
			return out, err
		}
		bucket := cmp.Or(pl.Bucket, acc.Bucket)
		if pl.FeeRateBP > 0 {
			terms, err := o.batch.commissionTerms(tx, acc.LenderID, pl.AgencyID, bucket, pl.FeeRateBP)
			if err != nil {
				return out, err
			}
			vintage := 0
			if len(terms.Tiers) > 0 {
				if vintage, err = vintageLiquidationBP(tx, acc.LenderID, pl.AgencyID, pl.StartsAt); err != nil {
					return out, err
				}
			}
			var earned int64
			if terms.MinPerAccountCents > 0 || terms.MaxPerAccountCents > 0 {
				if err := tx.Raw("SELECT COALESCE(SUM(amount_cents), 0) FROM commissions WHERE account_id = ? AND agency_id = ?", acc.ID, pl.AgencyID).Scan(&earned).Error; err != nil {
					return out, err
				}
			}
			bp := p.billing()
			bp.Status = billing.StatusConfirmed
			amount, expl, err := billing.CommissionLine(bp, bucket, vintage, earned, terms)
			if err != nil {
				return out, err
			}
			explJSON, _ := json.Marshal(struct {
				billing.Explanation
				Attribution billing.AttributionReason `json:"attribution"`
				PromiseID   string                    `json:"promise_id,omitempty"`
			}{expl, attr.Reason, attr.PromiseID})
			if err := tx.Table("commissions").Create(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "payment_id": p.ID,
				"placement_id": pl.ID, "agency_id": pl.AgencyID, "lender_id": acc.LenderID, "account_id": acc.ID, "bucket": bucket,
				"rate_bp": expl.RateBP, "payment_cents": applied, "amount_cents": amount, "month": billing.Date(p.PaidOn).Month(), // the payer's month, as the invoice line's date
				"accrued_at": now, "explanation": string(explJSON)}).Error; err != nil {
				return out, err
			}
			out.CommissionCents, out.CommissionAgency = amount, pl.AgencyID
			// Counted in the commission's month (the payer's), as RebuildStats counts it.
			if err := o.batch.statDelta(tx, acc.LenderID, pl.AgencyID, monthTime(billing.Date(p.PaidOn).Month()), map[string]int64{"recovered_cents": applied, "commission_cents": amount}); err != nil {
				return out, err
			}
			if err := o.batch.statDelta(tx, acc.LenderID, pl.AgencyID, pl.StartsAt, map[string]int64{"vintage_recovered_cents": applied}); err != nil {
				return out, err
			}
		}
	}
	balance := acc.BalanceCents - applied
	cols := map[string]any{"balance_cents": balance, "paid_cents": gorm.Expr("paid_cents + ?", p.AmountCents),
		"last_payment_date": gorm.Expr("CASE WHEN last_payment_date < ? THEN ? ELSE last_payment_date END", p.PaidOn, p.PaidOn), "updated_at": now}
	if balance == 0 && acc.Status != "closed" {
		cols["status"] = "closed"
		out.Closed = true
		if err := tx.Table("placements").Where("account_id = ? AND status IN ?", acc.ID, []string{allocation.PlacementActive, allocation.PlacementOffered}).
			Updates(map[string]any{"status": allocation.PlacementClosed, "ended_at": now, "end_reason": allocation.EndReasonText(allocation.EndPaidInFull)}).Error; err != nil {
			return out, err
		}
	}
	if err := tx.Table("accounts").Where("id = ?", acc.ID).Updates(cols).Error; err != nil {
		return out, err
	}
	acc.BalanceCents = balance
	if out.Closed {
		acc.Status, acc.UpdatedAt = "closed", now
	}
	if !o.skipPriority {
		if err := refreshPriorityIDs(tx, acc.ID); err != nil { // the balance weighs in casework.Value
			return out, err
		}
	}
	if !o.noArrangement {
		if err := s.applyToArrangement(tx, acc.ID, p.AmountCents, p.PaidAt); err != nil {
			return out, err
		}
	}
	out.BalanceCents = balance
	return out, nil
}

// insertPayment writes a new payment row.
func insertPayment(tx *gorm.DB, p paymentRow) error {
	err := tx.Table("payments").Create(map[string]any{"id": p.ID, "account_id": p.AccountID, "lender_id": p.LenderID,
		"agency_id": p.AgencyID, "amount_cents": p.AmountCents, "currency": p.Currency, "paid_at": p.PaidAt, "paid_on": p.PaidOn,
		"reference": p.Reference, "source": p.Source, "channel": p.Channel, "status": p.Status, "voucher_ref": p.VoucherRef,
		"confirmed_at": p.ConfirmedAt, "confirmed_by": p.ConfirmedBy, "confirmed_by_feed": p.ConfirmedByFeed,
		"linked_payment_id": p.LinkedPaymentID, "recorded_by": p.RecordedBy, "created_at": p.CreatedAt}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return collect.E(collect.ECONFLICT, "err.payment.duplicate_reference", "reference", p.Reference)
	}
	return err
}

// confirmReport moves a reported payment to confirmed, guarded on its
// status so that two confirmations racing (two feeds, a feed and a lender
// user) cannot both apply it: the loser sees a conflict.
func confirmReport(tx *gorm.DB, p *paymentRow, by string, byFeed bool, linked string, at time.Time) error {
	if err := billing.CanMove(billing.Status(p.Status), billing.StatusConfirmed); err != nil {
		return err
	}
	res := tx.Exec(`UPDATE payments SET status = 'confirmed', amount_cents = ?, confirmed_at = ?, confirmed_by = ?, confirmed_by_feed = ?,
		linked_payment_id = ? WHERE id = ? AND status = 'reported'`, p.AmountCents, at, by, byFeed, linked, p.ID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", "confirmed")
	}
	p.Status, p.ConfirmedAt, p.ConfirmedBy, p.ConfirmedByFeed, p.LinkedPaymentID = "confirmed", &at, by, byFeed, linked
	return nil
}

// unreport takes a report's money off the account's reported sum.
func unreport(tx *gorm.DB, acc *payAccount, cents int64) error {
	acc.ReportedCents = max(0, acc.ReportedCents-cents)
	return tx.Exec("UPDATE accounts SET reported_cents = CASE WHEN reported_cents > ? THEN reported_cents - ? ELSE 0 END WHERE id = ?",
		cents, cents, acc.ID).Error
}

// bookedPayments are the confirmed payments on the accounts, on or after
// since, that carry their own money (not a report linked to another): what
// a feed row may repeat. With refs, also any of the lender's confirmed
// payments carrying one of them (a reused reference). Linkable are those a
// new report may be linked to: the lender's own records no report is
// linked to yet; a report pairing with any other is a duplicate for the
// lender to look at, never silently linked.
func bookedPayments(tx *gorm.DB, lenderID string, accountIDs []string, since string, refs []string) ([]billing.BookedPayment, map[string]bool, error) {
	var out []billing.BookedPayment
	linkable := map[string]bool{}
	seen := map[string]bool{}
	add := func(rows []bookedRow) {
		for _, r := range rows {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, billing.BookedPayment{ID: r.ID, AccountID: r.AccountID, AmountCents: r.AmountCents, PaidOn: billing.Date(r.PaidOn), Reference: r.Reference})
				if r.Source == string(billing.SourceLender) && !r.Linked {
					linkable[r.ID] = true
				}
			}
		}
	}
	// The partial indexes' own conditions are written out (linked_payment_id
	// <> '', reference <> '', the source and status) so SQLite uses them.
	const cols = `SELECT id, account_id, amount_cents, paid_on, reference, source,
		EXISTS (SELECT 1 FROM payments r WHERE r.linked_payment_id = payments.id AND r.linked_payment_id <> '') AS linked FROM payments `
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(accountIDs))), 500) {
		var rows []bookedRow
		if err := tx.Raw(cols+"WHERE account_id IN ? AND status = 'confirmed' AND linked_payment_id = '' AND paid_on >= ? ORDER BY id",
			chunk, since).Scan(&rows).Error; err != nil {
			return nil, nil, err
		}
		add(rows)
	}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(refs))), 500) {
		for _, where := range []string{
			"WHERE lender_id = ? AND reference IN ? AND reference <> '' AND source = 'lender' AND status = 'confirmed' AND linked_payment_id = '' ORDER BY id",
			"WHERE lender_id = ? AND reference IN ? AND reference <> '' AND source = 'agency' AND status <> 'rejected' AND status = 'confirmed' AND linked_payment_id = '' ORDER BY id",
		} {
			var rows []bookedRow
			if err := tx.Raw(cols+where, lenderID, chunk).Scan(&rows).Error; err != nil {
				return nil, nil, err
			}
			add(rows)
		}
	}
	slices.SortFunc(out, func(a, b billing.BookedPayment) int { return cmp.Compare(a.ID, b.ID) })
	return out, linkable, nil
}

type bookedRow struct {
	ID, AccountID, PaidOn, Reference, Source string
	AmountCents                              int64
	Linked                                   bool
}

// monthTime is a time in month (YYYY-MM) whatever the zone it is read in.
func monthTime(month string) time.Time {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return time.Now().UTC()
	}
	return t.Add(14 * 24 * time.Hour)
}

// withArrangements are those of the accounts with an active arrangement.
func withArrangements(tx *gorm.DB, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), 500) {
		var got []string
		if err := tx.Raw("SELECT DISTINCT account_id FROM arrangements WHERE account_id IN ? AND status = 'active'", chunk).Scan(&got).Error; err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}
