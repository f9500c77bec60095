package oversight

import (
	"slices"

	"collect/allocation"
)

// Counts are the sums one agency (or lender, or the whole book) has in one
// period; the store fills them.
type Counts struct {
	PlacedBalanceCents  int64 `json:"placed_balance_cents"` // balance at placement of the placements counted (the liquidation denominator)
	RecoveredCents      int64 `json:"recovered_cents"`      // payments received on those placements while placed
	ContactAttempts     int64 `json:"contact_attempts"`     // casework.ContactAttempt: outbound contacts (every channel, every party)
	RightPartyContacts  int64 `json:"right_party_contacts"` // casework.RightPartyContact: attempts that reached the debtor (right_party_contact or promise)
	Promises            int64 `json:"promises"`             // promises to pay made (arrangements of kind promise, and instalment plans)
	PromisesFallingDue  int64 `json:"promises_falling_due"` // promises whose due date (+ grace) fell in the period
	PromisesKept        int64 `json:"promises_kept"`        // of those, paid in full by due date + casework.PromiseGraceDays
	Complaints          int64 `json:"complaints"`
	AccountsWorked      int64 `json:"accounts_worked"` // accounts with at least one contact in the period (casework.WorkedMonth)
	Breaches            int64 `json:"breaches"`        // conduct breaches (detected after the fact, and contacts refused before)
	CommissionCents     int64 `json:"commission_cents"`
	LegalCostsCents     int64 `json:"legal_costs_cents"`
	FirstContactDaysSum int64 `json:"first_contact_days_sum"` // sum over placements of days from placement to first contact
	FirstContactCount   int64 `json:"first_contact_count"`
	CuredAccounts       int64 `json:"cured_accounts"` // accounts brought current (or paid) ...
	CureBase            int64 `json:"cure_base"`      // ... of the accounts delinquent at the start
	// Evidence and quality (issue 16).
	CallsToRecord      int64 `json:"calls_to_record"`      // connected calls (evidence.RequiresRecording)
	RecordingsMissing  int64 `json:"recordings_missing"`   // of those, found without a recording a day later
	QAReviews          int64 `json:"qa_reviews"`           // the lender's scored reviews (a sample's first)
	QAScoreTenths      int64 `json:"qa_score_tenths"`      // the sum of their scores, in tenths of a point
	QACriticalFailures int64 `json:"qa_critical_failures"` // reviews with a failed critical item
}

// Figures are the ratios of DESIGN.md section 4. A figure whose denominator
// is zero (or negative, which no real count is) is nil, never 0 and never
// NaN: "no data" is not "zero".
type Figures struct {
	LiquidationRate       *float64 `json:"liquidation_rate"`
	RPCRate               *float64 `json:"rpc_rate"`
	PTPRate               *float64 `json:"ptp_rate"`
	PTPKeptRate           *float64 `json:"ptp_kept_rate"`
	ComplaintRatePer1000  *float64 `json:"complaint_rate_per_1000"`
	BreachRate            *float64 `json:"breach_rate"`
	CostToCollect         *float64 `json:"cost_to_collect"`
	AvgDaysToFirstContact *float64 `json:"avg_days_to_first_contact"`
	CureRate              *float64 `json:"cure_rate"`
	// QualityScore is the mean score (0..100) of the lender's reviews of
	// the agency's sampled contacts; RecordingsMissingRate the share of
	// connected calls without a recording a day after.
	QualityScore          *float64 `json:"quality_score"`
	RecordingsMissingRate *float64 `json:"recordings_missing_rate"`
}

// Compute is the one place the oversight figures are defined (DESIGN.md
// section 4); pages, exports and scorecards all take their figures from it.
func Compute(c Counts) Figures {
	return Figures{
		LiquidationRate:       ratio(c.RecoveredCents, c.PlacedBalanceCents, 1),
		RPCRate:               ratio(c.RightPartyContacts, c.ContactAttempts, 1),
		PTPRate:               ratio(c.Promises, c.RightPartyContacts, 1),
		PTPKeptRate:           ratio(c.PromisesKept, c.PromisesFallingDue, 1),
		ComplaintRatePer1000:  ratio(c.Complaints, c.AccountsWorked, 1000),
		BreachRate:            ratio(c.Breaches, c.ContactAttempts, 1),
		CostToCollect:         ratio(c.CommissionCents+c.LegalCostsCents, c.RecoveredCents, 1),
		AvgDaysToFirstContact: ratio(c.FirstContactDaysSum, c.FirstContactCount, 1),
		CureRate:              ratio(c.CuredAccounts, c.CureBase, 1),
		QualityScore:          ratio(c.QAScoreTenths, c.QAReviews, 0.1),
		RecordingsMissingRate: ratio(c.RecordingsMissing, c.CallsToRecord, 1),
	}
}

// ratio is num ÷ den × scale, or nil when den has no meaning as a divisor.
func ratio(num, den int64, scale float64) *float64 {
	if den <= 0 {
		return nil
	}
	r := float64(num) * scale / float64(den)
	return &r
}

// Add sums two sets of counts, for totals over agencies or periods. Figures
// of a total are computed from the summed counts, never averaged.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		PlacedBalanceCents:  c.PlacedBalanceCents + o.PlacedBalanceCents,
		RecoveredCents:      c.RecoveredCents + o.RecoveredCents,
		ContactAttempts:     c.ContactAttempts + o.ContactAttempts,
		RightPartyContacts:  c.RightPartyContacts + o.RightPartyContacts,
		Promises:            c.Promises + o.Promises,
		PromisesFallingDue:  c.PromisesFallingDue + o.PromisesFallingDue,
		PromisesKept:        c.PromisesKept + o.PromisesKept,
		Complaints:          c.Complaints + o.Complaints,
		AccountsWorked:      c.AccountsWorked + o.AccountsWorked,
		Breaches:            c.Breaches + o.Breaches,
		CommissionCents:     c.CommissionCents + o.CommissionCents,
		LegalCostsCents:     c.LegalCostsCents + o.LegalCostsCents,
		FirstContactDaysSum: c.FirstContactDaysSum + o.FirstContactDaysSum,
		FirstContactCount:   c.FirstContactCount + o.FirstContactCount,
		CuredAccounts:       c.CuredAccounts + o.CuredAccounts,
		CureBase:            c.CureBase + o.CureBase,
		CallsToRecord:       c.CallsToRecord + o.CallsToRecord,
		RecordingsMissing:   c.RecordingsMissing + o.RecordingsMissing,
		QAReviews:           c.QAReviews + o.QAReviews,
		QAScoreTenths:       c.QAScoreTenths + o.QAScoreTenths,
		QACriticalFailures:  c.QACriticalFailures + o.QACriticalFailures,
	}
}

// Bucket names outside the delinquency bands.
const (
	BucketCurrent = "M0"
	BucketPaid    = "paid"
)

// RollRow is what became of the accounts of one bucket between two
// snapshots. RolledForward, Stayed, Cured and RolledBack add up to Accounts.
type RollRow struct {
	From          string   `json:"from"`
	Accounts      int      `json:"accounts"`
	RolledForward int      `json:"rolled_forward"` // to a worse bucket (k+1, or further if the snapshots are far apart)
	Stayed        int      `json:"stayed"`
	Cured         int      `json:"cured"`       // to M0 or paid
	RolledBack    int      `json:"rolled_back"` // to a better bucket that is still delinquent
	RollRate      *float64 `json:"roll_rate"`   // RolledForward ÷ Accounts; nil for the last bucket, which cannot roll
	CureRate      *float64 `json:"cure_rate"`   // Cured ÷ Accounts
}

// RollRates compares two snapshots of the same accounts' buckets (account →
// bucket name; "M0" current, "paid" closed) and returns one row per
// delinquency bucket in allocation.DefaultBands order, empty buckets
// included so tables keep their shape. Accounts absent from the second
// snapshot, or with a bucket name it does not know there, are left out: what
// became of them is not known.
func RollRates(start, end map[string]string) []RollRow {
	names := allocation.BucketNames()
	rank := func(bucket string) (int, bool) {
		switch bucket {
		case BucketCurrent, BucketPaid:
			return -1, true
		}
		i := slices.Index(names, bucket)
		return i, i >= 0
	}
	rows := make([]RollRow, len(names))
	for i, n := range names {
		rows[i].From = n
	}
	for account, from := range start {
		k, ok := rank(from)
		if !ok || k < 0 {
			continue
		}
		to, ok := end[account]
		if !ok {
			continue
		}
		j, ok := rank(to)
		if !ok {
			continue
		}
		r := &rows[k]
		r.Accounts++
		switch {
		case j < 0:
			r.Cured++
		case j > k:
			r.RolledForward++
		case j == k:
			r.Stayed++
		default:
			r.RolledBack++
		}
	}
	for k := range rows {
		r := &rows[k]
		if k < len(rows)-1 {
			r.RollRate = ratio(int64(r.RolledForward), int64(r.Accounts), 1)
		}
		r.CureRate = ratio(int64(r.Cured), int64(r.Accounts), 1)
	}
	return rows
}
