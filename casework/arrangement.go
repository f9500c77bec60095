package casework

// Arrangements (DESIGN.md §1 stage 3, §2 "Arrangement"): what a collector may
// agree with a debtor on the agency's own authority, and what needs the
// lender's approval because it is outside the contract's negotiation limits.
// Money is int64 cents; percentages are basis points compared exactly in
// integers.

import (
	"cmp"
	"collect"
	"fmt"
	"slices"
	"time"

	"collect/allocation"
)

// Arrangement kinds.
const (
	KindPromise        = "promise"
	KindInstalmentPlan = "instalment_plan"
	KindExtension      = "extension"
	KindWaiver         = "waiver"
	KindSettlement     = "settlement"
)

// ArrangementKinds lists the kinds in the order DESIGN.md gives them.
var ArrangementKinds = []string{KindPromise, KindExtension, KindInstalmentPlan, KindWaiver, KindSettlement}

// Limits outside the contract.
const (
	// MaxExtensionDays is how far an extension may push the due date (counted
	// from today) before the lender must approve it; Contract has no field
	// for it.
	MaxExtensionDays = 90
	// MaxArrangementDays is how far ahead a promise, an extension, a
	// settlement's payment date or a plan's first instalment may be set at all.
	MaxArrangementDays = 180
	// DefaultIntervalDays is the gap between instalments when none is given.
	DefaultIntervalDays = 30
	// MaxPlanInstalments bounds a plan whatever the contract says (Contract
	// allows at most 120 too).
	MaxPlanInstalments = 120
)

// Arrangement limit rule ids (ArrangementDecision.Reasons).
const (
	RuleLimitSettlementDiscount = "limit.settlement_discount"
	RuleLimitWaiverDiscount     = "limit.waiver_discount"
	RuleLimitInstalments        = "limit.instalments"
	RuleLimitDownPayment        = "limit.down_payment"
	RuleLimitExtensionDays      = "limit.extension_days"
)

// Promise and instalment outcomes.
const (
	PromiseKept    = "kept"
	PromisePending = "pending"
	PromiseBroken  = "broken"
)

// ArrangementInput is an arrangement as the collector proposes it.
type ArrangementInput struct {
	Kind         string
	BalanceCents int64 // the account's balance now
	// AmountCents: promise, the promised amount; settlement, the amount the
	// debtor pays to settle; waiver, the amount waived (penalty interest and
	// fees); extension, the amount due on the new date; instalment plan, the
	// total to pay, down payment included.
	AmountCents      int64
	DownPaymentCents int64     // instalment plan
	Instalments      int       // instalment plan: the number of instalments after the down payment
	FirstDue         time.Time // promise and extension: the due date; instalment plan: the first instalment's; settlement: the payment date (default today)
	IntervalDays     int       // instalment plan, default 30
	PenaltyCents     int64     // waiver: the penalty interest and fees outstanding (the waiver may not exceed it)
	Now              time.Time
}

// Instalment is one line of an arrangement's schedule.
type Instalment struct {
	N           int // 0 for a down payment, then 1, 2, ...
	Due         time.Time
	AmountCents int64
}

// ArrangementDecision is whether an arrangement is within the contract's
// limits, and its schedule.
type ArrangementDecision struct {
	// NeedsApproval: outside the contract's limits, the lender's vendor
	// manager must approve it (maker-checker).
	NeedsApproval bool
	Reasons       []collect.Violation // the limits it exceeds
	// Schedule: instalment plan, the down payment (N=0, today, when > 0)
	// then equal instalments with the remainder cents on the last;
	// promise, extension and settlement, one line; waiver, none.
	Schedule []Instalment
	// DiscountBP: settlement, waiver, or a plan whose total is below the
	// balance, the discount off the balance in basis points, rounded half up.
	DiscountBP int
}

// DecideArrangement validates the input and decides whether it is within
// the contract's limits. A bad input is an EINVALID *allocation.Error naming
// each bad field. Limits:
//
//   - settlement, and a plan totalling less than the balance: the discount
//     (balance − amount) ÷ balance may not exceed MaxSettlementDiscountBP;
//   - waiver: the amount waived ÷ balance may not exceed
//     MaxSettlementDiscountBP either (the contract's only discount limit);
//   - instalment plan: at most MaxInstalments instalments, and a down
//     payment of at least MinDownPaymentBP of the plan's total;
//   - extension: at most MaxExtensionDays from today;
//   - promise: none beyond validation.
//
// Dates are calendar dates in Now's location.
func DecideArrangement(in ArrangementInput, c allocation.Contract) (ArrangementDecision, error) {
	if err := validateArrangement(in); err != nil {
		return ArrangementDecision{}, err
	}
	var d ArrangementDecision
	exceed := func(v collect.Violation) { d.Reasons = append(d.Reasons, v) }
	today := dayIn(in.Now, in.Now.Location())
	due := today
	if !in.FirstDue.IsZero() {
		due = dayIn(in.FirstDue, in.Now.Location())
	}

	switch in.Kind {
	case KindPromise:
		d.Schedule = []Instalment{{N: 1, Due: due, AmountCents: in.AmountCents}}
	case KindExtension:
		d.Schedule = []Instalment{{N: 1, Due: due, AmountCents: in.AmountCents}}
		if days := daysBetween(today, due); days > MaxExtensionDays {
			exceed(collect.Broken(RuleLimitExtensionDays, "err.limit.extension_days", "days", days, "max", MaxExtensionDays))
		}
	case KindSettlement:
		d.Schedule = []Instalment{{N: 1, Due: due, AmountCents: in.AmountCents}}
		d.DiscountBP = basisPoints(in.BalanceCents-in.AmountCents, in.BalanceCents)
		if exceedsBP(in.BalanceCents-in.AmountCents, in.BalanceCents, c.MaxSettlementDiscountBP) {
			exceed(collect.Broken(RuleLimitSettlementDiscount, "err.limit.settlement_discount",
				"discount", formatBP(d.DiscountBP), "max", formatBP(c.MaxSettlementDiscountBP)))
		}
	case KindWaiver:
		d.DiscountBP = basisPoints(in.AmountCents, in.BalanceCents)
		if exceedsBP(in.AmountCents, in.BalanceCents, c.MaxSettlementDiscountBP) {
			exceed(collect.Broken(RuleLimitWaiverDiscount, "err.limit.waiver_discount",
				"waived", formatBP(d.DiscountBP), "max", formatBP(c.MaxSettlementDiscountBP)))
		}
	case KindInstalmentPlan:
		interval := in.IntervalDays
		if interval == 0 {
			interval = DefaultIntervalDays
		}
		d.Schedule = instalmentSchedule(in.AmountCents, in.DownPaymentCents, in.Instalments, today, due, interval)
		if in.Instalments > c.MaxInstalments {
			exceed(collect.Broken(RuleLimitInstalments, "err.limit.instalments", "n", in.Instalments, "max", c.MaxInstalments))
		}
		if in.DownPaymentCents*10000 < int64(c.MinDownPaymentBP)*in.AmountCents {
			exceed(collect.Broken(RuleLimitDownPayment, "err.limit.down_payment",
				"down", formatBP(basisPoints(in.DownPaymentCents, in.AmountCents)), "min", formatBP(c.MinDownPaymentBP)))
		}
		if in.AmountCents < in.BalanceCents {
			d.DiscountBP = basisPoints(in.BalanceCents-in.AmountCents, in.BalanceCents)
			if exceedsBP(in.BalanceCents-in.AmountCents, in.BalanceCents, c.MaxSettlementDiscountBP) {
				exceed(collect.Broken(RuleLimitSettlementDiscount, "err.limit.plan_discount",
					"discount", formatBP(d.DiscountBP), "max", formatBP(c.MaxSettlementDiscountBP)))
			}
		}
	}
	d.NeedsApproval = len(d.Reasons) > 0
	return d, nil
}

func validateArrangement(in ArrangementInput) error {
	var fields []collect.FieldError
	bad := func(f collect.FieldError) { fields = append(fields, f) }
	if !slices.Contains(ArrangementKinds, in.Kind) {
		bad(collect.Field("kind", "err.arrangement.field.kind"))
		return allocation.FieldErrors(fields)
	}
	if in.Now.IsZero() {
		bad(collect.Field("now", "err.arrangement.field.now"))
		return allocation.FieldErrors(fields)
	}
	if in.BalanceCents <= 0 {
		bad(collect.Field("balance_cents", "err.arrangement.field.no_balance"))
	}
	if in.AmountCents <= 0 {
		bad(collect.Field("amount_cents", "err.arrangement.field.amount_positive"))
	} else if in.BalanceCents > 0 && in.AmountCents > in.BalanceCents {
		bad(collect.Field("amount_cents", "err.arrangement.field.amount_over_balance"))
	}

	today := dayIn(in.Now, in.Now.Location())
	checkDue := func(required bool) {
		if in.FirstDue.IsZero() {
			if required {
				bad(collect.Field("first_due", "err.arrangement.field.due_missing"))
			}
			return
		}
		switch days := daysBetween(today, dayIn(in.FirstDue, in.Now.Location())); {
		case days < 0:
			bad(collect.Field("first_due", "err.arrangement.field.due_past"))
		case days > MaxArrangementDays:
			bad(collect.Field("first_due", "err.arrangement.field.due_too_far", "max", MaxArrangementDays))
		}
	}

	switch in.Kind {
	case KindPromise, KindExtension:
		checkDue(true)
	case KindSettlement:
		checkDue(false)
	case KindWaiver:
		if in.PenaltyCents <= 0 {
			bad(collect.Field("penalty_cents", "err.arrangement.field.no_penalty"))
		} else {
			if in.AmountCents > in.PenaltyCents {
				bad(collect.Field("amount_cents", "err.arrangement.field.amount_over_penalty"))
			}
			if in.BalanceCents > 0 && in.PenaltyCents > in.BalanceCents {
				bad(collect.Field("penalty_cents", "err.arrangement.field.penalty_over_balance"))
			}
		}
	case KindInstalmentPlan:
		checkDue(true)
		if in.Instalments < 1 || in.Instalments > MaxPlanInstalments {
			bad(collect.Field("instalments", "err.arrangement.field.instalments", "max", MaxPlanInstalments))
		}
		if in.IntervalDays < 0 || in.IntervalDays > 366 {
			bad(collect.Field("interval_days", "err.arrangement.field.interval"))
		}
		switch {
		case in.DownPaymentCents < 0:
			bad(collect.Field("down_payment_cents", "err.arrangement.field.down_negative"))
		case in.AmountCents > 0 && in.DownPaymentCents >= in.AmountCents:
			bad(collect.Field("down_payment_cents", "err.arrangement.field.down_all"))
		case in.Instalments > 0 && in.AmountCents-in.DownPaymentCents < int64(in.Instalments):
			bad(collect.Field("instalments", "err.arrangement.field.too_many_instalments"))
		}
	}
	return allocation.FieldErrors(fields)
}

// instalmentSchedule splits total into the down payment (today) and n equal
// instalments from first every interval days, the remainder on the last.
func instalmentSchedule(total, down int64, n int, today, first time.Time, interval int) []Instalment {
	s := make([]Instalment, 0, n+1)
	if down > 0 {
		s = append(s, Instalment{N: 0, Due: today, AmountCents: down})
	}
	rest := total - down
	each := rest / int64(n)
	for k := 1; k <= n; k++ {
		amt := each
		if k == n {
			amt = rest - each*int64(n-1)
		}
		s = append(s, Instalment{N: k, Due: first.AddDate(0, 0, (k-1)*interval), AmountCents: amt})
	}
	return s
}

// PromiseOutcome says whether a promise or an instalment is kept: paid in
// full (kept, whenever that is known), not paid in full but the due date
// plus graceDays has not passed (pending: the last grace day is still
// pending), or paid short after it (broken). paidCents counts what was paid
// by the end of the grace period. Dates are calendar dates in due's location.
func PromiseOutcome(dueCents int64, paidCents int64, due time.Time, graceDays int, now time.Time) string {
	if paidCents >= dueCents {
		return PromiseKept
	}
	deadline := dayIn(due, due.Location()).AddDate(0, 0, max(graceDays, 0))
	if dayIn(now, due.Location()).After(deadline) {
		return PromiseBroken
	}
	return PromisePending
}

// ApplyPayment allocates a payment to the schedule's instalments in due
// order, the oldest unpaid first, and returns what each instalment has been
// paid after the payment (index-aligned with schedule) and the surplus no
// instalment needed. paidSoFar is index-aligned with schedule; missing
// entries are 0. The inputs are not changed.
func ApplyPayment(schedule []Instalment, paidSoFar []int64, paymentCents int64) (paid []int64, surplusCents int64) {
	paid = make([]int64, len(schedule))
	copy(paid, paidSoFar)
	if paymentCents <= 0 {
		return paid, 0
	}
	order := make([]int, len(schedule))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := schedule[a].Due.Compare(schedule[b].Due); c != 0 {
			return c
		}
		return cmp.Compare(schedule[a].N, schedule[b].N)
	})
	left := paymentCents
	for _, i := range order {
		if left == 0 {
			break
		}
		if owed := schedule[i].AmountCents - paid[i]; owed > 0 {
			take := min(owed, left)
			paid[i] += take
			left -= take
		}
	}
	return paid, left
}

// dayIn is t's calendar date in loc, at midnight in loc.
func dayIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// daysBetween counts calendar days from a to b (both midnights from dayIn),
// immune to daylight-saving days of 23 or 25 hours.
func daysBetween(a, b time.Time) int {
	return int(civilDay(b).Sub(civilDay(a)).Hours() / 24)
}

// basisPoints is part ÷ whole in basis points, rounded half up.
func basisPoints(part, whole int64) int {
	if whole <= 0 {
		return 0
	}
	return int((part*10000*2 + whole) / (2 * whole))
}

// exceedsBP reports whether part ÷ whole > limitBP ÷ 10000, exactly.
func exceedsBP(part, whole int64, limitBP int) bool {
	return part*10000 > int64(limitBP)*whole
}

func formatBP(bp int) string {
	if bp%100 == 0 {
		return fmt.Sprintf("%d%%", bp/100)
	}
	return fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
}
