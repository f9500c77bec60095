package billing

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"collect"
	"collect/allocation"
)

// Bounds of the matching options.
const (
	MaxDateWindowDays       = 31
	MaxAmountToleranceCents = int64(100_000) // 1,000.00: a bank fee, not a different payment
)

// FeedRecord is one row of the lender's payment feed: money the lender's
// books say it received. Line, the row's line in the file, is its identity.
type FeedRecord struct {
	Line        int    `json:"line"`
	AccountID   string `json:"account_id"`
	AmountCents int64  `json:"amount_cents"`
	PaidOn      Date   `json:"paid_on"`
	Reference   string `json:"reference,omitempty"`
}

// ReportedPayment is an agency's payment still reported and not linked to
// a lender's payment.
type ReportedPayment struct {
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	AgencyID    string `json:"agency_id"`
	AmountCents int64  `json:"amount_cents"`
	PaidOn      Date   `json:"paid_on"`
	Reference   string `json:"reference,omitempty"`
}

// BookedPayment is a lender-side payment already recorded (from an earlier
// feed, or by a lender user) and not yet linked to a report. A feed row
// repeating one is a duplicate; a report can match one, so the order in
// which feed and report arrive does not matter.
type BookedPayment struct {
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	AmountCents int64  `json:"amount_cents"`
	PaidOn      Date   `json:"paid_on"`
	Reference   string `json:"reference,omitempty"`
}

// AccountFacts are what matching needs to know of an account.
type AccountFacts struct {
	ClosedOn Date      `json:"closed_on,omitempty"` // the day it closed; "" while open
	Spans    []Span    `json:"spans"`
	Promises []Promise `json:"promises"`
}

// MatchOptions tune matching. Accounts must hold the facts of every
// account a report names: without spans, a report is not the reporter's
// to earn.
type MatchOptions struct {
	DateWindowDays       int                     `json:"date_window_days"`
	AmountToleranceCents int64                   `json:"amount_tolerance_cents"`
	AsOf                 Date                    `json:"as_of"` // the last day the feed covers
	Accounts             map[string]AccountFacts `json:"-"`
	Booked               []BookedPayment         `json:"-"`
}

// Validate checks the options.
func (o MatchOptions) Validate() error {
	var fields []collect.FieldError
	if o.DateWindowDays < 0 || o.DateWindowDays > MaxDateWindowDays {
		fields = append(fields, collect.Field("date_window_days", "err.billing.window_days", "max", MaxDateWindowDays))
	}
	if o.AmountToleranceCents < 0 || o.AmountToleranceCents > MaxAmountToleranceCents {
		fields = append(fields, collect.Field("amount_tolerance_cents", "err.billing.tolerance", "max", MaxAmountToleranceCents))
	}
	if !o.AsOf.Valid() {
		fields = append(fields, collect.Field("as_of", "err.billing.date", "value", string(o.AsOf)))
	}
	for _, id := range slices.Sorted(maps.Keys(o.Accounts)) {
		f := o.Accounts[id]
		if f.ClosedOn != "" && !f.ClosedOn.Valid() {
			fields = append(fields, collect.Field("accounts."+id+".closed_on", "err.billing.date", "value", string(f.ClosedOn)))
		}
		if err := ValidateSpans(f.Spans); err != nil {
			fields = append(fields, collect.Field("accounts."+id+".spans", "err.billing.account_spans", "account", id))
		}
		if err := ValidatePromises(f.Promises); err != nil {
			fields = append(fields, collect.Field("accounts."+id+".promises", "err.billing.account_promises", "account", id))
		}
	}
	ids := map[string]bool{}
	for i, b := range o.Booked {
		if b.ID == "" || ids[b.ID] {
			fields = append(fields, collect.Field(fmt.Sprintf("booked.%d.id", i), "err.billing.id_unique"))
		}
		ids[b.ID] = true
		if b.AccountID == "" || b.AmountCents <= 0 || b.AmountCents > MaxAmountCents || !b.PaidOn.Valid() {
			fields = append(fields, collect.Field(fmt.Sprintf("booked.%d", i), "err.billing.booked_invalid", "id", b.ID))
		}
	}
	return allocation.FieldErrors(fields)
}

// ValidateFeed checks every row of a feed and reports each problem by line,
// so a bad file is refused whole and nothing is half-applied.
func ValidateFeed(feed []FeedRecord) []allocation.RowError {
	var errs []allocation.RowError
	seen := map[int]bool{}
	for _, f := range feed {
		if f.Line < 1 || seen[f.Line] {
			errs = append(errs, allocation.NewRowError(f.Line, "line", "err.billing.feed_line"))
		}
		seen[f.Line] = true
		if strings.TrimSpace(f.AccountID) == "" {
			errs = append(errs, allocation.NewRowError(f.Line, "account_id", "err.row.required"))
		}
		if f.AmountCents <= 0 || f.AmountCents > MaxAmountCents {
			errs = append(errs, allocation.NewRowError(f.Line, "amount_cents", "err.payment.amount"))
		}
		if !f.PaidOn.Valid() {
			errs = append(errs, allocation.NewRowError(f.Line, "paid_on", "err.billing.date", "value", string(f.PaidOn)))
		}
		if utf8.RuneCountInString(f.Reference) > MaxReferenceChars {
			errs = append(errs, allocation.NewRowError(f.Line, "reference", "err.form.max_chars", "max", MaxReferenceChars))
		}
	}
	return errs
}

func validateReports(reported []ReportedPayment) []collect.FieldError {
	var fields []collect.FieldError
	seen := map[string]bool{}
	for i, r := range reported {
		f := func(name string) string { return fmt.Sprintf("reported.%d.%s", i, name) }
		if r.ID == "" || seen[r.ID] {
			fields = append(fields, collect.Field(f("id"), "err.billing.id_unique"))
		}
		seen[r.ID] = true
		if strings.TrimSpace(r.AccountID) == "" {
			fields = append(fields, collect.Field(f("account_id"), "err.form.required"))
		}
		if strings.TrimSpace(r.AgencyID) == "" {
			fields = append(fields, collect.Field(f("agency_id"), "err.form.required"))
		}
		if r.AmountCents <= 0 || r.AmountCents > MaxAmountCents {
			fields = append(fields, collect.Field(f("amount_cents"), "err.payment.amount"))
		}
		if !r.PaidOn.Valid() {
			fields = append(fields, collect.Field(f("paid_on"), "err.billing.date", "value", string(r.PaidOn)))
		}
		if utf8.RuneCountInString(r.Reference) > MaxReferenceChars {
			fields = append(fields, collect.Field(f("reference"), "err.form.max_chars", "max", MaxReferenceChars))
		}
	}
	return fields
}

// Kind is what matching made of a record.
type Kind string

// Kinds of outcome.
const (
	KindMatched   Kind = "matched"   // a report paired with a lender record: confirm it
	KindCreated   Kind = "created"   // a feed row no report names: a lender-paid payment
	KindException Kind = "exception" // to the exception queue, for the lender to resolve
	KindPending   Kind = "pending"   // a report still inside its date window: wait for the feed
)

// Reason is why a record is an exception.
type Reason string

// Exception reasons.
const (
	ReasonNoFeedRecord    Reason = "no_feed_record"           // a report with no feed record once its window has passed
	ReasonAmountDiffers   Reason = "amount_differs"           // paired by account and date, amounts further apart than the tolerance
	ReasonDuplicate       Reason = "duplicate"                // a second feed row, or a second report, of one payment
	ReasonAfterPlacement  Reason = "paid_after_placement_end" // paid after the reporting agency's placement ended, and not its to earn
	ReasonClosedAccount   Reason = "paid_to_closed_account"   // paid after the account closed
	ReasonReferenceReused Reason = "reference_reused"         // a reference already used by another payment (another account or amount)
	// ReasonBeforePlacement is a report of a payment made before the
	// reporting agency held the account (or an agency that never held it);
	// the six reasons do not name it, and it is not an end.
	ReasonBeforePlacement Reason = "paid_before_placement"
)

// Outcome is what matching made of one feed row or one report.
type Outcome struct {
	Kind     Kind   `json:"kind"`
	Reason   Reason `json:"reason,omitempty"`
	FeedLine int    `json:"feed_line,omitempty"` // the feed row
	// BookedID is the lender payment already booked that the report pairs
	// with: a match confirms the report as that payment, whose money is
	// already on the books.
	BookedID string `json:"booked_id,omitempty"`
	ReportID string `json:"report_id,omitempty"`
	// OfLine and OfPaymentID are what a duplicate or a reused reference
	// collides with: a feed row, or a payment (booked or reported).
	OfLine      int    `json:"of_line,omitempty"`
	OfPaymentID string `json:"of_payment_id,omitempty"`
	DiffCents   int64  `json:"diff_cents,omitempty"` // a pair's report amount minus the lender's
}

// MatchResult holds one Outcome per feed row and per report, in the order
// given. A pair shows in both, each naming the other.
type MatchResult struct {
	Feed     []Outcome `json:"feed"`
	Reported []Outcome `json:"reported"`
}

// MatchCounts are the import's answer: confirmed, created, exceptions.
type MatchCounts struct {
	Confirmed  int `json:"confirmed"`
	Created    int `json:"created"`
	Exceptions int `json:"exceptions"`
	Pending    int `json:"pending"`
}

// Exceptions are the exception queue's new items: one per pair, feed row
// or report, ordered by feed line then report id.
func (r MatchResult) Exceptions() []Outcome {
	var out []Outcome
	for _, o := range r.Feed {
		if o.Kind == KindException {
			out = append(out, o)
		}
	}
	for _, o := range r.Reported {
		if o.Kind == KindException && o.FeedLine == 0 {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Outcome) int {
		if c := cmp.Compare(b2i(a.FeedLine == 0), b2i(b.FeedLine == 0)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.FeedLine, b.FeedLine); c != 0 {
			return c
		}
		return cmp.Compare(a.ReportID, b.ReportID)
	})
	return out
}

// Counts sums the outcomes.
func (r MatchResult) Counts() MatchCounts {
	c := MatchCounts{Exceptions: len(r.Exceptions())}
	for _, o := range r.Feed {
		if o.Kind == KindCreated {
			c.Created++
		}
	}
	for _, o := range r.Reported {
		switch o.Kind {
		case KindMatched:
			c.Confirmed++
		case KindPending:
			c.Pending++
		}
	}
	return c
}

// lenderRec is a feed row or a booked payment: money on the lender's books.
type lenderRec struct {
	feed, booked int // index of one, the other -1
	line         int
	id           string
	account      string
	amount       int64
	paid         Date
	ref          string
}

func (l lenderRec) compare(o lenderRec) int {
	// Money already booked first: a report most likely describes it.
	if c := cmp.Compare(b2i(l.feed >= 0), b2i(o.feed >= 0)); c != 0 {
		return c
	}
	if c := cmp.Compare(l.line, o.line); c != 0 {
		return c
	}
	return cmp.Compare(l.id, o.id)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type payKey struct {
	account string
	amount  int64
	paid    Date
}

type pair struct {
	l      lenderRec
	r      int
	reason Reason // "" matched, else the exception's
}

// Match pairs the lender's feed with the agencies' reports. The rules, in
// order:
//
//  1. Identity. A feed row repeating a booked payment or an earlier row
//     (the same reference with the same account and amount; without a
//     reference, the same account, amount and day) is a duplicate; the
//     same reference on another account or amount is reference_reused.
//     Reports likewise among themselves (the first by id is kept).
//  2. Reference. A report and a lender record with the same reference pair
//     whatever their dates: matched when on the same account and within
//     the tolerance, amount_differs when further apart; a report whose
//     reference names a lender record on another account is
//     reference_reused.
//  3. Account, amount and date. Left over, a report pairs with a lender
//     record on its account (never one with another reference: two
//     bank serials are two payments) within the tolerance and the date window, the
//     nearest date first (then the nearest amount, then booked before feed,
//     feed line, report id): each record is used once and the result does
//     not depend on the order of the input.
//  4. Amount differs. Still left over, a report and a lender record on one
//     account within the window pair as amount_differs.
//  5. Checks. A pair or report paid (by the lender's date, when paired)
//     after the account closed is paid_to_closed_account; one the reporting
//     agency does not earn by Attribute is paid_after_placement_end (or
//     paid_before_placement). A feed row left over is created (or
//     paid_to_closed_account); a report left over is no_feed_record once
//     PaidOn + DateWindowDays is on or before AsOf, else pending.
//
// A matched pair confirms at the feed's amount: the lender's books are the
// truth. Bad input is refused whole with every problem named.
func Match(feed []FeedRecord, reported []ReportedPayment, opts MatchOptions) (MatchResult, error) {
	if err := opts.Validate(); err != nil {
		return MatchResult{}, err
	}
	if rows := ValidateFeed(feed); len(rows) > 0 {
		fields := make([]collect.FieldError, len(rows))
		for i, r := range rows {
			fields[i] = collect.FieldError{Field: fmt.Sprintf("feed.%d.%s", r.Line, r.Field), Key: r.Key, Args: r.Args, Message: r.Message}
		}
		return MatchResult{}, collect.E(collect.EINVALID, "err.billing.feed_rows", "rows", len(rows)).WithFields(fields...)
	}
	if fields := validateReports(reported); len(fields) > 0 {
		return MatchResult{}, allocation.FieldErrors(fields)
	}
	m := &matcher{feed: feed, reported: reported, opts: opts,
		res:   MatchResult{Feed: make([]Outcome, len(feed)), Reported: make([]Outcome, len(reported))},
		fdone: make([]bool, len(feed)), rdone: make([]bool, len(reported)), bused: make([]bool, len(opts.Booked))}
	for i, f := range feed {
		m.res.Feed[i].FeedLine = f.Line
	}
	for j, r := range reported {
		m.res.Reported[j].ReportID = r.ID
	}
	m.identity()
	m.byReference()
	m.greedy(true)
	m.greedy(false)
	m.finish()
	return m.res, nil
}

type matcher struct {
	feed     []FeedRecord
	reported []ReportedPayment
	opts     MatchOptions
	res      MatchResult
	fdone    []bool
	rdone    []bool
	bused    []bool
	feedRef  map[string]int // reference → the feed row kept
	bookRef  map[string]int // reference → the booked payment
	pairs    []pair
}

func ref(s string) string { return strings.TrimSpace(s) }

func order(n int, less func(a, b int) int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, less)
	return idx
}

func (m *matcher) feedRec(i int) lenderRec {
	f := m.feed[i]
	return lenderRec{feed: i, booked: -1, line: f.Line, account: f.AccountID, amount: f.AmountCents, paid: f.PaidOn, ref: ref(f.Reference)}
}

func (m *matcher) bookedRec(k int) lenderRec {
	b := m.opts.Booked[k]
	return lenderRec{feed: -1, booked: k, id: b.ID, account: b.AccountID, amount: b.AmountCents, paid: b.PaidOn, ref: ref(b.Reference)}
}

func collision(sameMoney bool) Reason {
	if sameMoney {
		return ReasonDuplicate
	}
	return ReasonReferenceReused
}

func (m *matcher) identity() {
	booked := m.opts.Booked
	m.bookRef = map[string]int{}
	bookKey := map[payKey]int{}
	for _, k := range order(len(booked), func(a, b int) int { return cmp.Compare(booked[a].ID, booked[b].ID) }) {
		b := booked[k]
		if r := ref(b.Reference); r != "" {
			if _, ok := m.bookRef[r]; !ok {
				m.bookRef[r] = k
			}
		} else if _, ok := bookKey[payKey{b.AccountID, b.AmountCents, b.PaidOn}]; !ok {
			bookKey[payKey{b.AccountID, b.AmountCents, b.PaidOn}] = k
		}
	}
	m.feedRef = map[string]int{}
	feedKey := map[payKey]int{}
	for _, i := range order(len(m.feed), func(a, b int) int { return cmp.Compare(m.feed[a].Line, m.feed[b].Line) }) {
		f, o := m.feed[i], &m.res.Feed[i]
		if r := ref(f.Reference); r != "" {
			if k, ok := m.bookRef[r]; ok {
				b := booked[k]
				o.Kind, o.Reason, o.OfPaymentID = KindException, collision(b.AccountID == f.AccountID && b.AmountCents == f.AmountCents), b.ID
			} else if j, ok := m.feedRef[r]; ok {
				g := m.feed[j]
				o.Kind, o.Reason, o.OfLine = KindException, collision(g.AccountID == f.AccountID && g.AmountCents == f.AmountCents), g.Line
			} else {
				m.feedRef[r] = i
				continue
			}
		} else {
			key := payKey{f.AccountID, f.AmountCents, f.PaidOn}
			if k, ok := bookKey[key]; ok {
				o.Kind, o.Reason, o.OfPaymentID = KindException, ReasonDuplicate, booked[k].ID
			} else if j, ok := feedKey[key]; ok {
				o.Kind, o.Reason, o.OfLine = KindException, ReasonDuplicate, m.feed[j].Line
			} else {
				feedKey[key] = i
				continue
			}
		}
		m.fdone[i] = true
	}
	repRef := map[string]int{}
	repKey := map[payKey]int{}
	for _, j := range order(len(m.reported), func(a, b int) int { return cmp.Compare(m.reported[a].ID, m.reported[b].ID) }) {
		r, o := m.reported[j], &m.res.Reported[j]
		if rf := ref(r.Reference); rf != "" {
			if k, ok := repRef[rf]; ok {
				g := m.reported[k]
				o.Kind, o.Reason, o.OfPaymentID = KindException, collision(g.AccountID == r.AccountID && g.AmountCents == r.AmountCents), g.ID
				m.rdone[j] = true
				continue
			}
			repRef[rf] = j
		} else {
			key := payKey{r.AccountID, r.AmountCents, r.PaidOn}
			if k, ok := repKey[key]; ok {
				o.Kind, o.Reason, o.OfPaymentID = KindException, ReasonDuplicate, m.reported[k].ID
				m.rdone[j] = true
				continue
			}
			repKey[key] = j
		}
	}
}

func (m *matcher) take(l lenderRec, j int, reason Reason) {
	if l.feed >= 0 {
		m.fdone[l.feed] = true
	} else {
		m.bused[l.booked] = true
	}
	m.rdone[j] = true
	m.pairs = append(m.pairs, pair{l: l, r: j, reason: reason})
}

func (m *matcher) withinTolerance(l lenderRec, j int) bool {
	d := m.reported[j].AmountCents - l.amount
	return max(d, -d) <= m.opts.AmountToleranceCents
}

func (m *matcher) byReference() {
	for _, j := range order(len(m.reported), func(a, b int) int { return cmp.Compare(m.reported[a].ID, m.reported[b].ID) }) {
		r := m.reported[j]
		rf := ref(r.Reference)
		if m.rdone[j] || rf == "" {
			continue
		}
		var l lenderRec
		if i, ok := m.feedRef[rf]; ok && !m.fdone[i] {
			l = m.feedRec(i)
		} else if k, ok := m.bookRef[rf]; ok && !m.bused[k] {
			l = m.bookedRec(k)
		} else {
			continue
		}
		if l.account != r.AccountID {
			o := &m.res.Reported[j]
			o.Kind, o.Reason, o.OfLine, o.OfPaymentID = KindException, ReasonReferenceReused, l.line, l.id
			m.rdone[j] = true
			continue
		}
		if m.withinTolerance(l, j) {
			m.take(l, j, "")
		} else {
			m.take(l, j, ReasonAmountDiffers)
		}
	}
}

// greedy pairs what is left by account and date window, within the amount
// tolerance when strict, else as amount_differs.
func (m *matcher) greedy(strict bool) {
	byAccount := map[string][]lenderRec{}
	for i := range m.feed {
		if !m.fdone[i] {
			byAccount[m.feed[i].AccountID] = append(byAccount[m.feed[i].AccountID], m.feedRec(i))
		}
	}
	for k := range m.opts.Booked {
		if !m.bused[k] {
			byAccount[m.opts.Booked[k].AccountID] = append(byAccount[m.opts.Booked[k].AccountID], m.bookedRec(k))
		}
	}
	type cand struct {
		l    lenderRec
		r    int
		days int
		diff int64
	}
	var cands []cand
	for j, r := range m.reported {
		if m.rdone[j] {
			continue
		}
		for _, l := range byAccount[r.AccountID] {
			days := absDays(l.paid, r.PaidOn)
			diff := max(r.AmountCents-l.amount, l.amount-r.AmountCents)
			if days > m.opts.DateWindowDays || strict && diff > m.opts.AmountToleranceCents {
				continue
			}
			if rf := ref(r.Reference); rf != "" && l.ref != "" && rf != l.ref {
				continue // two bank serials are two payments, whatever their amounts
			}
			cands = append(cands, cand{l, j, days, diff})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(a.days, b.days); c != 0 {
			return c
		}
		if c := cmp.Compare(a.diff, b.diff); c != 0 {
			return c
		}
		if c := a.l.compare(b.l); c != 0 {
			return c
		}
		return cmp.Compare(m.reported[a.r].ID, m.reported[b.r].ID)
	})
	for _, c := range cands {
		if m.rdone[c.r] || c.l.feed >= 0 && m.fdone[c.l.feed] || c.l.booked >= 0 && m.bused[c.l.booked] {
			continue
		}
		if strict {
			m.take(c.l, c.r, "")
		} else {
			m.take(c.l, c.r, ReasonAmountDiffers)
		}
	}
}

// check is the exception a payment on account, reported by agency (""
// for the lender's own), paid on day, is by the closed-account and
// placement rules; "" for none.
func (m *matcher) check(account, agency string, day Date) Reason {
	facts := m.opts.Accounts[account]
	if facts.ClosedOn != "" && day > facts.ClosedOn {
		return ReasonClosedAccount
	}
	if agency == "" {
		return ""
	}
	a, err := Attribute(day, facts.Spans, facts.Promises)
	if err == nil && a.AgencyID == agency {
		return ""
	}
	for _, s := range facts.Spans {
		if s.AgencyID == agency && s.End != "" && s.End < day {
			return ReasonAfterPlacement
		}
	}
	return ReasonBeforePlacement
}

func (m *matcher) finish() {
	for _, p := range m.pairs {
		r := m.reported[p.r]
		reason := p.reason
		if c := m.check(r.AccountID, r.AgencyID, p.l.paid); c != "" {
			reason = c
		}
		o := Outcome{Kind: KindMatched, Reason: reason, FeedLine: p.l.line, BookedID: p.l.id, ReportID: r.ID, DiffCents: r.AmountCents - p.l.amount}
		if reason != "" {
			o.Kind = KindException
		}
		m.res.Reported[p.r] = o
		if p.l.feed >= 0 {
			m.res.Feed[p.l.feed] = o
		}
	}
	for i, f := range m.feed {
		if m.fdone[i] {
			continue
		}
		o := &m.res.Feed[i]
		if c := m.check(f.AccountID, "", f.PaidOn); c != "" {
			o.Kind, o.Reason = KindException, c
		} else {
			o.Kind = KindCreated
		}
	}
	for j, r := range m.reported {
		if m.rdone[j] {
			continue
		}
		o := &m.res.Reported[j]
		switch c := m.check(r.AccountID, r.AgencyID, r.PaidOn); {
		case c != "":
			o.Kind, o.Reason = KindException, c
		case r.PaidOn.AddDays(m.opts.DateWindowDays) <= m.opts.AsOf:
			o.Kind, o.Reason = KindException, ReasonNoFeedRecord
		default:
			o.Kind = KindPending
		}
	}
}

// Default matching: a feed row and a report pair when on the same account
// and amount within DefaultDateWindowDays of each other (a transfer seen by
// the agency on Friday lands in the lender's books on Monday); amounts must
// agree to the fen.
const DefaultDateWindowDays = 5

// DefaultMatchOptions are the options a feed of asOf's day is matched with;
// the caller adds the accounts' facts and the booked payments.
func DefaultMatchOptions(asOf Date) MatchOptions {
	return MatchOptions{DateWindowDays: DefaultDateWindowDays, AsOf: asOf, Accounts: map[string]AccountFacts{}}
}
