package earlywarning

import (
	"time"

	"collect/allocation"
	"collect/casework"
)

// Horizon is the propensity model's window: a payment within 30 days of
// the cutoff.
const Horizon = 30 * 24 * time.Hour

// ContactWindow is how far back the contact features look (90 days).
const ContactWindow = 90 * 24 * time.Hour

// History is what the store knows about one account: enough to compute its
// Features at any cutoff, past (training) or now (scoring), by one function,
// so the model is trained on what it will be scored on.
type History struct {
	AccountID      string
	CreatedAt      time.Time // imported: the account is not an example before
	DueDate        time.Time // first missed due date: DPD counts from it
	PrincipalCents int64
	BalanceCents   int64 // outstanding now
	Province       string
	// LastPaidBefore is the last payment the lender reported at import
	// (zero when none): it counts for days since the last payment, not as
	// money paid.
	LastPaidBefore time.Time
	Payments       []Payment
	Contacts       []Contact
	Arrangements   []Arrangement
	Placements     []Placement
}

// Payment is money received on the account.
type Payment struct {
	At    time.Time
	Cents int64
}

// Contact is one logged contact with the debtor.
type Contact struct {
	At         time.Time
	Outbound   bool // an attempt by the agency (inbound calls are not attempts)
	RightParty bool // the debtor was reached: right_party_contact or promise
}

// Arrangement is a promise, plan, extension, waiver or settlement.
type Arrangement struct {
	ID        string
	Kind      string
	Status    string // casework arrangement status
	CreatedAt time.Time
	// ResolvedAt is when a kept or broken arrangement was settled: its last
	// instalment's due date plus the grace days (the evaluation's rule; a
	// promise paid early is still counted open until then, so nothing
	// known only later leaks into an earlier cutoff). Zero while open.
	ResolvedAt time.Time
	// Due and DueCents are the (last) instalment's due date and amount;
	// the simulation sets them, the store need not.
	Due      time.Time
	DueCents int64
}

// Placement is one placement of the account with an agency.
type Placement struct {
	Start    time.Time
	End      time.Time // zero while active
	Recalled bool
}

// StatusActive is an arrangement in force (the store's arrangement status).
const StatusActive = "active"

// live reports whether the arrangement was in force at t: made (and
// approved: rejected, cancelled and pending ones never were), not yet
// settled.
func (a Arrangement) live(t time.Time) bool {
	switch a.Status {
	case StatusActive, casework.PromiseKept, casework.PromiseBroken:
	default:
		return false
	}
	return !a.CreatedAt.After(t) && (a.ResolvedAt.IsZero() || a.ResolvedAt.After(t))
}

// BalanceAt is the balance outstanding at t: today's plus what was paid
// after t. (A waiver or settlement discount granted after t is not added
// back; the store keeps no history of it.)
func (h *History) BalanceAt(t time.Time) int64 {
	b := h.BalanceCents
	for _, p := range h.Payments {
		if p.At.After(t) {
			b += p.Cents
		}
	}
	return b
}

// Eligible reports whether the account is an example at cutoff t: imported
// by then and still owing.
func (h *History) Eligible(t time.Time) bool {
	return !h.CreatedAt.After(t) && h.BalanceAt(t) > 0
}

// FeaturesAt computes the account's features from what had happened by
// cutoff t (events at or before t; contacts within ContactWindow before t).
//
//	DPD                   whole days from DueDate to t
//	balance               BalanceAt(t); paid so far: payments ≤ t
//	days since payment    from the latest payment ≤ t (or LastPaidBefore)
//	contacts              outbound attempts and right-party contacts in (t−90d, t]
//	promises made         arrangements (active, kept, broken) made by t
//	kept / broken         those settled kept / broken by t
//	arrangement kind      the latest arrangement live at t
//	placements / recalls  placements started by t / recalls ended by t
func FeaturesAt(h *History, t time.Time) Features {
	f := Features{
		PrincipalCents:       h.PrincipalCents,
		BalanceCents:         h.BalanceAt(t),
		Province:             h.Province,
		DaysSinceLastPayment: -1,
	}
	if !h.DueDate.IsZero() {
		f.DPD = int(t.Sub(h.DueDate) / (24 * time.Hour))
	}
	last := h.LastPaidBefore
	if last.After(t) {
		last = time.Time{}
	}
	for _, p := range h.Payments {
		if p.At.After(t) {
			continue
		}
		f.PaidSoFarCents += p.Cents
		if p.At.After(last) {
			last = p.At
		}
	}
	if !last.IsZero() {
		f.DaysSinceLastPayment = int(t.Sub(last) / (24 * time.Hour))
	}
	from := t.Add(-ContactWindow)
	for _, c := range h.Contacts {
		if !c.At.After(from) || c.At.After(t) {
			continue
		}
		if c.Outbound {
			f.ContactAttempts++
		}
		if c.RightParty {
			f.RightPartyContacts++
		}
	}
	var liveAt time.Time
	for _, a := range h.Arrangements {
		switch a.Status {
		case StatusActive, casework.PromiseKept, casework.PromiseBroken:
		default:
			continue
		}
		if a.CreatedAt.After(t) {
			continue
		}
		f.PromisesMade++
		settled := !a.ResolvedAt.IsZero() && !a.ResolvedAt.After(t)
		switch {
		case settled && a.Status == casework.PromiseKept:
			f.PromisesKept++
		case settled && a.Status == casework.PromiseBroken:
			f.PromisesBroken++
		case a.live(t) && !a.CreatedAt.Before(liveAt):
			f.ArrangementKind, liveAt = a.Kind, a.CreatedAt
		}
	}
	for _, p := range h.Placements {
		if p.Start.After(t) {
			continue
		}
		f.Placements++
		if p.Recalled && !p.End.IsZero() && !p.End.After(t) {
			f.Recalls++
		}
	}
	return f
}

// PaysWithin reports whether a payment arrived in (t, t+d].
func (h *History) PaysWithin(t time.Time, d time.Duration) bool {
	end := t.Add(d)
	for _, p := range h.Payments {
		if p.Cents > 0 && p.At.After(t) && !p.At.After(end) {
			return true
		}
	}
	return false
}

// Cutoffs are the propensity model's example dates for a time-based split:
// Test is now − Horizon (its outcomes, up to now, are known); Train are
// every 15 days from Test − Horizon back to earliest, at most 24, newest
// first, so no training outcome window reaches into the test period.
func Cutoffs(earliest, now time.Time) (train []time.Time, test time.Time) {
	test = now.Add(-Horizon)
	for t := test.Add(-Horizon); !t.Before(earliest) && len(train) < 24; t = t.Add(-15 * 24 * time.Hour) {
		train = append(train, t)
	}
	return train, test
}

// BreakExample is one arrangement as an example of the break model: the
// account's features just after it was made, and whether it broke.
type BreakExample struct {
	Features  Features
	Broke     bool
	CreatedAt time.Time
	Resolved  time.Time
}

// BreakExamples lists h's settled arrangements (kept or broken) as break
// examples, with features as of one minute after each was made.
func BreakExamples(h *History) []BreakExample {
	var out []BreakExample
	for _, a := range h.Arrangements {
		if (a.Status != casework.PromiseKept && a.Status != casework.PromiseBroken) || a.ResolvedAt.IsZero() {
			continue
		}
		t := a.CreatedAt.Add(time.Minute)
		out = append(out, BreakExample{Features: FeaturesAt(h, t), Broke: a.Status == casework.PromiseBroken, CreatedAt: a.CreatedAt, Resolved: a.ResolvedAt})
	}
	return out
}

// LiveArrangement returns the arrangement in force at t that the break
// model scores (the latest made), or false.
func LiveArrangement(h *History, t time.Time) (Arrangement, bool) {
	var best Arrangement
	found := false
	for _, a := range h.Arrangements {
		if a.Status == StatusActive && !a.CreatedAt.After(t) && (!found || a.CreatedAt.After(best.CreatedAt)) {
			best, found = a, true
		}
	}
	return best, found
}

// Bands of the propensity score, for allocation strata and the queue.
// (The names are allocation's, whose strategies stratify by them.)
const (
	BandHigh   = allocation.ScoreBandHigh   // ≥ 0.40
	BandMedium = allocation.ScoreBandMedium // 0.15 – 0.40
	BandLow    = allocation.ScoreBandLow    // < 0.15
)

// Band names a propensity score's band.
func Band(p float64) string {
	switch {
	case p >= 0.40:
		return BandHigh
	case p >= 0.15:
		return BandMedium
	}
	return BandLow
}

// AtRisk is the break probability from which an arrangement is shown as at
// risk of breaking.
const AtRisk = 0.5
