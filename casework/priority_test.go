package casework_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
)

func TestPriority(t *testing.T) {
	now := time.Date(2025, time.March, 10, 10, 0, 0, 0, time.UTC)
	past, exact, later := now.Add(-time.Hour), now, now.Add(time.Hour)
	score := func(f float64) *float64 { return &f }
	// Balances of 10^k − 1 yuan make log10(1 + yuan) = k.
	const y999, y99999 = 999_00, 99_999_00
	tests := []struct {
		name   string
		it     casework.QueueItem
		want   float64
		reason string
	}{
		{"M2Peak", casework.QueueItem{DPD: 45, BalanceCents: y99999}, 500, "DPD 45, balance 99,999.00 yuan"},
		{"NotOverdue", casework.QueueItem{DPD: 0, BalanceCents: y99999}, 150, "DPD 0, balance 99,999.00 yuan"},
		{"DPD1", casework.QueueItem{DPD: 1, BalanceCents: y99999}, 450, ""},
		{"DPD30", casework.QueueItem{DPD: 30, BalanceCents: y99999}, 450, ""},
		{"DPD31", casework.QueueItem{DPD: 31, BalanceCents: y99999}, 500, ""},
		{"DPD60", casework.QueueItem{DPD: 60, BalanceCents: y99999}, 500, ""},
		{"DPD61", casework.QueueItem{DPD: 61, BalanceCents: y99999}, 400, ""},
		{"DPD90", casework.QueueItem{DPD: 90, BalanceCents: y99999}, 400, ""},
		{"DPD91", casework.QueueItem{DPD: 91, BalanceCents: y99999}, 300, ""},
		{"DPD120", casework.QueueItem{DPD: 120, BalanceCents: y99999}, 300, ""},
		{"DPD121", casework.QueueItem{DPD: 121, BalanceCents: y99999}, 200, ""},
		{"DPD180", casework.QueueItem{DPD: 180, BalanceCents: y99999}, 200, ""},
		{"DPD181", casework.QueueItem{DPD: 181, BalanceCents: y99999}, 100, ""},
		{"DPD360", casework.QueueItem{DPD: 360, BalanceCents: y99999}, 100, ""},
		{"DPD361", casework.QueueItem{DPD: 361, BalanceCents: y99999}, 50, ""},
		{"SmallBalance", casework.QueueItem{DPD: 45, BalanceCents: y999}, 300, "DPD 45, balance 999.00 yuan"},
		{"ZeroBalance", casework.QueueItem{DPD: 45}, 0, "DPD 45, balance 0.00 yuan"},
		{"NegativeBalanceIsZero", casework.QueueItem{DPD: 45, BalanceCents: -500}, 0, "DPD 45, balance 0.00 yuan"},
		{"HugeBalanceCapped", casework.QueueItem{DPD: 45, BalanceCents: 1_000_000_000_000_000}, 999.999, ""},
		{"LegalHalved", casework.QueueItem{DPD: 45, BalanceCents: y99999, Stage: casework.StageLegal}, 250, "DPD 45, balance 99,999.00 yuan, in legal"},
		{"ActionOverdue", casework.QueueItem{DPD: 45, BalanceCents: y999, NextActionDue: &past}, 2300, "next action overdue; DPD 45, balance 999.00 yuan"},
		{"ActionDueNow", casework.QueueItem{DPD: 45, BalanceCents: y999, NextActionDue: &exact}, 2300, ""},
		{"ActionDueLater", casework.QueueItem{DPD: 45, BalanceCents: y999, NextActionDue: &later}, 300, "DPD 45, balance 999.00 yuan"},
		{"PromiseDueSoon", casework.QueueItem{DPD: 45, BalanceCents: y999, PromiseDueSoon: true}, 1300, "promise due within 2 days; DPD 45, balance 999.00 yuan"},
		{"OverdueActionBeatsPromise", casework.QueueItem{DPD: 45, BalanceCents: y999, PromiseDueSoon: true, NextActionDue: &past}, 2300, "next action overdue; DPD 45, balance 999.00 yuan"},
		{"ScoreHalf", casework.QueueItem{DPD: 400, BalanceCents: 199_998_00, Score: score(0.5)}, 500, "expected recovery 99,999.00 yuan (score 0.50)"},
		{"ScoreOne", casework.QueueItem{DPD: 45, BalanceCents: y999, Score: score(1)}, 300, "expected recovery 999.00 yuan (score 1.00)"},
		{"ScoreZero", casework.QueueItem{DPD: 45, BalanceCents: y99999, Score: score(0)}, 0, "expected recovery 0.00 yuan (score 0.00)"},
		{"ScoreAboveOneClamped", casework.QueueItem{DPD: 45, BalanceCents: y999, Score: score(1.7)}, 300, "expected recovery 999.00 yuan (score 1.00)"},
		{"ScoreNegativeClamped", casework.QueueItem{DPD: 45, BalanceCents: y999, Score: score(-0.2)}, 0, ""},
		{"ScoreNaNIgnored", casework.QueueItem{DPD: 45, BalanceCents: y999, Score: score(math.NaN())}, 300, "DPD 45, balance 999.00 yuan"},
		{"ScoreWithOverdueAction", casework.QueueItem{BalanceCents: y999, Score: score(1), NextActionDue: &past}, 2300, "next action overdue; expected recovery 999.00 yuan (score 1.00)"},
		{"ScoreInLegal", casework.QueueItem{BalanceCents: y99999, Score: score(1), Stage: casework.StageLegal}, 250, "expected recovery 99,999.00 yuan (score 1.00), in legal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := casework.Priority(tt.it, now)
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Priority = %v, want %v", got, tt.want)
			}
			if reason == "" || (tt.reason != "" && reason != tt.reason) {
				t.Errorf("reason = %q, want %q", reason, tt.reason)
			}
			// A store orders by the stored Value within each tier: the
			// two parts must add up to Priority bit for bit.
			value, why := casework.Value(tt.it)
			if sum := float64(casework.PriorityTier(tt.it, now)) + value; sum != got {
				t.Errorf("PriorityTier + Value = %v, Priority = %v", sum, got)
			}
			if !strings.HasSuffix(reason, why) {
				t.Errorf("Value's reason %q is not the end of Priority's %q", why, reason)
			}
		})
	}
}

// A queue sorted by Priority puts commitments first, then value.
func TestPriorityOrdersAQueue(t *testing.T) {
	now := time.Date(2025, time.March, 10, 10, 0, 0, 0, time.UTC)
	past := now.Add(-24 * time.Hour)
	items := map[string]casework.QueueItem{
		"bigLate":        {DPD: 400, BalanceCents: 500_000_00},
		"smallOverdueCB": {DPD: 200, BalanceCents: 100_00, NextActionDue: &past},
		"promise":        {DPD: 20, BalanceCents: 1_000_00, PromiseDueSoon: true},
		"earlyMid":       {DPD: 40, BalanceCents: 20_000_00},
		"earlySmall":     {DPD: 40, BalanceCents: 2_000_00},
	}
	names := []string{"earlySmall", "bigLate", "promise", "earlyMid", "smallOverdueCB"}
	slices.SortFunc(names, func(a, b string) int {
		pa, _ := casework.Priority(items[a], now)
		pb, _ := casework.Priority(items[b], now)
		switch {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return 0
	})
	// earlyMid: 100·log10(20001) ≈ 430.1; earlySmall ≈ 330.1; bigLate: 0.1·100·log10(500001) ≈ 57.0.
	want := []string{"smallOverdueCB", "promise", "earlyMid", "earlySmall", "bigLate"}
	if !slices.Equal(names, want) {
		t.Errorf("order = %q, want %q", names, want)
	}
}

func TestPromiseSoonUntil(t *testing.T) {
	now := time.Date(2025, time.February, 27, 23, 30, 0, 0, time.UTC)
	if got := casework.PromiseSoonUntil(now); got != "2025-03-01" {
		t.Errorf("PromiseSoonUntil = %q, want 2025-03-01", got)
	}
}
