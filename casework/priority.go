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
	PromiseDueSoon bool     // a promise or instalment falls due within 2 days (the caller decides)
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
	value = min(value, maxPriorityValue)
	switch {
	case it.NextActionDue != nil && !it.NextActionDue.After(now):
		return tierOverdueAction + value, "next action overdue; " + why
	case it.PromiseDueSoon:
		return tierPromiseDue + value, "promise due within 2 days; " + why
	}
	return value, why
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
