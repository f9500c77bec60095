package billing

import (
	"cmp"
	"slices"

	"collect"
)

// Amount is a count of items and their sum.
type Amount struct {
	Count int   `json:"count"`
	Cents int64 `json:"cents"`
}

func (a *Amount) add(c int64) { a.Count, a.Cents = a.Count+1, a.Cents+c }

// UnconfirmedByAgency is the money each agency has reported that is not
// yet confirmed (nor rejected), by reporting agency.
func UnconfirmedByAgency(payments []Payment) map[string]Amount {
	out := map[string]Amount{}
	for _, p := range payments {
		if p.Source == SourceAgency && p.Status == StatusReported {
			a := out[p.AgencyID]
			a.add(p.AmountCents)
			out[p.AgencyID] = a
		}
	}
	return out
}

// DisputedByAgency is the commission each agency disputes on invoices not
// yet approved. Once approved, a dispute is ruled on: it is no longer open.
func DisputedByAgency(invoices []Invoice) map[string]Amount {
	out := map[string]Amount{}
	for _, inv := range invoices {
		if inv.Status == InvoiceApproved {
			continue
		}
		for _, l := range inv.Lines {
			if l.State == LineDisputed {
				a := out[inv.AgencyID]
				a.add(l.CommissionCents)
				out[inv.AgencyID] = a
			}
		}
	}
	return out
}

// ConfirmDays is how long agencies' reports wait to be confirmed, in days
// (fractions included) from ReportedAt to ConfirmedAt. Median and Mean are
// nil when nothing was confirmed: no data is not zero days.
type ConfirmDays struct {
	Count  int      `json:"count"`
	Median *float64 `json:"median_days"`
	Mean   *float64 `json:"mean_days"`
}

// DaysToConfirm measures the agency-reported payments confirmed with both
// times known. A lender's own payment is confirmed when recorded and is
// not counted; a confirmation stamped before its report counts as 0.
func DaysToConfirm(payments []Payment) ConfirmDays {
	var days []float64
	for _, p := range payments {
		if p.Source != SourceAgency || p.Status != StatusConfirmed || p.ReportedAt.IsZero() || p.ConfirmedAt.IsZero() {
			continue
		}
		days = append(days, max(0, p.ConfirmedAt.Sub(p.ReportedAt).Hours()/24))
	}
	out := ConfirmDays{Count: len(days)}
	if len(days) == 0 {
		return out
	}
	slices.Sort(days)
	var sum float64
	for _, d := range days {
		sum += d
	}
	mean := sum / float64(len(days))
	median := days[len(days)/2]
	if len(days)%2 == 0 {
		median = (days[len(days)/2-1] + days[len(days)/2]) / 2
	}
	out.Median, out.Mean = &median, &mean
	return out
}

// DaysToConfirmByAgency is DaysToConfirm for each reporting agency.
func DaysToConfirmByAgency(payments []Payment) map[string]ConfirmDays {
	by := map[string][]Payment{}
	for _, p := range payments {
		by[p.AgencyID] = append(by[p.AgencyID], p)
	}
	out := map[string]ConfirmDays{}
	for agency, ps := range by {
		if d := DaysToConfirm(ps); d.Count > 0 {
			out[agency] = d
		}
	}
	return out
}

// Remittance is money an agency handed over to the lender for what it
// collected (or the part of an invoice netted against it).
type Remittance struct {
	ID          string `json:"id"`
	AgencyID    string `json:"agency_id"`
	PaidOn      Date   `json:"paid_on"`
	AmountCents int64  `json:"amount_cents"`
}

// RemittanceRule says when an agency must hand over what it collected:
// DueDays calendar days after the day collected.
type RemittanceRule struct {
	DueDays int `json:"due_days"`
}

// MaxRemittanceDueDays is the longest an agency may hold collected money.
const MaxRemittanceDueDays = 90

// Validate checks the rule.
func (r RemittanceRule) Validate() error {
	if r.DueDays < 0 || r.DueDays > MaxRemittanceDueDays {
		return collect.Invalid("due_days", "err.billing.remittance_due_days", "max", MaxRemittanceDueDays)
	}
	return nil
}

// RemittanceFigures are one agency's remittance position on a day.
type RemittanceFigures struct {
	CollectedCents   int64 `json:"collected_cents"`   // confirmed agency-collected payments to date
	RemittedCents    int64 `json:"remitted_cents"`    // handed over to date
	OutstandingCents int64 `json:"outstanding_cents"` // still owed to the lender
	OverdueCents     int64 `json:"overdue_cents"`     // of that, past its due day
	CreditCents      int64 `json:"credit_cents"`      // handed over beyond what was collected
	OldestOverdueOn  Date  `json:"oldest_overdue_on,omitempty"`
}

// RemittanceByAgency is each agency's remittance position on asOf. What it
// collected is its confirmed agency_collected payments; remittances pay the
// oldest collections first. A collection is overdue from the day after
// PaidOn + DueDays; on the due day itself it is not.
func RemittanceByAgency(payments []Payment, remitted []Remittance, rule RemittanceRule, asOf Date) (map[string]RemittanceFigures, error) {
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	if !asOf.Valid() {
		return nil, collect.Invalid("as_of", "err.billing.date", "value", string(asOf))
	}
	collected := map[string][]Payment{}
	for _, p := range payments {
		if p.Channel == ChannelAgencyCollected && p.Status == StatusConfirmed && p.PaidOn <= asOf {
			collected[p.AgencyID] = append(collected[p.AgencyID], p)
		}
	}
	out := map[string]RemittanceFigures{}
	for _, r := range remitted {
		if r.PaidOn <= asOf {
			f := out[r.AgencyID]
			f.RemittedCents += r.AmountCents
			out[r.AgencyID] = f
		}
	}
	for agency, ps := range collected {
		slices.SortFunc(ps, func(a, b Payment) int {
			if c := cmp.Compare(a.PaidOn, b.PaidOn); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		f := out[agency]
		left := f.RemittedCents
		for _, p := range ps {
			f.CollectedCents += p.AmountCents
			covered := min(left, p.AmountCents)
			left -= covered
			if open := p.AmountCents - covered; open > 0 && asOf > p.PaidOn.AddDays(rule.DueDays) {
				f.OverdueCents += open
				if f.OldestOverdueOn == "" {
					f.OldestOverdueOn = p.PaidOn
				}
			}
		}
		out[agency] = f
	}
	for agency, f := range out {
		f.OutstandingCents = max(0, f.CollectedCents-f.RemittedCents)
		f.CreditCents = max(0, f.RemittedCents-f.CollectedCents)
		out[agency] = f
	}
	return out, nil
}

// Accrual is the commission accrued on one payment.
type Accrual struct {
	AgencyID        string `json:"agency_id"`
	PaymentID       string `json:"payment_id"`
	Status          Status `json:"status"` // the payment's
	CommissionCents int64  `json:"commission_cents"`
}

// ConfirmedCommission is each agency's commission on confirmed payments
// only: what oversight.Counts.CommissionCents must hold.
func ConfirmedCommission(accruals []Accrual) map[string]int64 {
	out := map[string]int64{}
	for _, a := range accruals {
		if a.Status == StatusConfirmed {
			out[a.AgencyID] += a.CommissionCents
		}
	}
	return out
}

// CostToCollect is (commission on confirmed payments + legal costs) ÷ gross
// recoveries, DESIGN.md section 4's definition (oversight.Compute's), with
// the commission of accruals on unconfirmed payments left out. Nil when
// there were no recoveries.
func CostToCollect(accruals []Accrual, legalCostsCents, recoveriesCents int64) *float64 {
	if recoveriesCents <= 0 {
		return nil
	}
	var commission int64
	for _, a := range accruals {
		if a.Status == StatusConfirmed {
			commission += a.CommissionCents
		}
	}
	r := float64(commission+legalCostsCents) / float64(recoveriesCents)
	return &r
}
