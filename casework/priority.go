package casework

// The work queue's order: which case a collector should open next.

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// QueueItem is what the work queue knows about one case.
type QueueItem struct {
	DPD            int
	BalanceCents   int64
	NextActionDue  *time.Time // a callback or follow-up the collector scheduled
	Stage          string
	PromiseDueSoon bool     // a pending instalment of a live arrangement falls due by PromiseSoonUntil(now)
	Score          *float64 // propensity to pay, 0..1, when a model exists
}

// Priority tiers: a commitment comes before any value judgement.
const (
	tierOverdueAction = 2000
	tierPromiseDue    = 1000
	maxPriorityValue  = 999.999
)

// Priority returns a number, higher first, and a short English reason.
//
//	priority = tier + value
//	tier     = 2000 if NextActionDue ≤ now (an overdue callback or follow-up),
//	           else 1000 if PromiseDueSoon (remind before the promise falls due),
//	           else 0
//	value    = 100 · log10(1 + score · balance in yuan)          with a Score (expected recovery)
//	         = 100 · w(DPD) · log10(1 + balance in yuan)         without
//	value    × 0.5 in the legal stage (the court's timetable drives the work),
//	capped at 999.999 so it never crosses a tier.
//
//	w(DPD): 0 → 0.3 (not overdue), 1-30 → 0.9, 31-60 → 1.0, 61-90 → 0.8,
//	        91-120 → 0.6, 121-180 → 0.4, 181-360 → 0.2, over 360 → 0.1
//
// The curve peaks at 31-60 days: early accounts recover best, but many 1-30
// day accounts pay by themselves, so a call moves M2 most. The log keeps a
// very large balance from starving everything else. The tiers apply with or
// without a Score: a score ranks cases, it does not excuse a missed callback.
// A Score outside 0..1 is clamped; NaN counts as no score.
func Priority(it QueueItem, now time.Time) (float64, string) {
	value, why := Value(it)
	switch PriorityTier(it, now) {
	case tierOverdueAction:
		return tierOverdueAction + value, "next action overdue; " + why
	case tierPromiseDue:
		return tierPromiseDue + value, "promise due within 2 days; " + why
	}
	return value, why
}

// Value is the time-independent part of Priority, below every tier: what
// the case is worth working (the expected recovery with a Score, else the
// DPD curve × balance, halved in legal, capped). It reads only DPD,
// BalanceCents, Stage and Score, so a store may keep it beside the account
// and order a queue by it; Priority is PriorityTier + Value, exactly.
func Value(it QueueItem) (float64, string) {
	balanceYuan := float64(max(it.BalanceCents, 0)) / 100
	var value float64
	var why string
	if it.Score != nil && !math.IsNaN(*it.Score) {
		s := min(max(*it.Score, 0), 1)
		expectedCents := int64(math.Floor(s*float64(max(it.BalanceCents, 0)) + 0.5))
		value = 100 * math.Log10(1+float64(expectedCents)/100)
		why = fmt.Sprintf("expected recovery %s yuan (score %.2f)", yuanString(expectedCents), s)
	} else {
		value = 100 * dpdWeight(it.DPD) * math.Log10(1+balanceYuan)
		why = fmt.Sprintf("DPD %d, balance %s yuan", it.DPD, yuanString(max(it.BalanceCents, 0)))
	}
	if it.Stage == StageLegal {
		value *= 0.5
		why += ", in legal"
	}
	return min(value, maxPriorityValue), why
}

// PriorityTier is the time-dependent part of Priority: 2000 for an overdue
// next action, else 1000 for a promise due soon, else 0. A queue is its
// tiers in turn, each ordered by Value.
func PriorityTier(it QueueItem, now time.Time) int {
	switch {
	case ActionOverdue(it.NextActionDue, now):
		return tierOverdueAction
	case it.PromiseDueSoon:
		return tierPromiseDue
	}
	return 0
}

// ActionOverdue says whether a scheduled next action is due by now (a
// store reads it as next_action_at <= now).
func ActionOverdue(due *time.Time, now time.Time) bool {
	return due != nil && !due.After(now)
}

// PromiseSoonUntil is the last due date (inclusive, YYYY-MM-DD in the
// zone of now) of an instalment that makes its case "promise due soon".
func PromiseSoonUntil(now time.Time) string {
	return now.AddDate(0, 0, 2).Format(time.DateOnly)
}

// dpdWeight is the DPD curve of Priority.
func dpdWeight(dpd int) float64 {
	switch {
	case dpd <= 0:
		return 0.3
	case dpd <= 30:
		return 0.9
	case dpd <= 60:
		return 1.0
	case dpd <= 90:
		return 0.8
	case dpd <= 120:
		return 0.6
	case dpd <= 180:
		return 0.4
	case dpd <= 360:
		return 0.2
	}
	return 0.1
}

// yuanString formats cents as yuan with thousands separators: 1234567 → "12,345.67".
func yuanString(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := fmt.Sprint(cents / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s.%02d", sign, b.String(), cents%100)
}
