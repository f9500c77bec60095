package oversight_test

import (
	"math"
	"testing"
	"time"

	"collect/oversight"
)

// lenderZone is the lender's zone; vintage months are judged in it.
var lenderZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func sh(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, lenderZone)
}

func pay(at time.Time, cents int64) oversight.VintagePayment {
	return oversight.VintagePayment{At: at, AmountCents: cents}
}

func checkPoints(t *testing.T, got []oversight.VintagePoint, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("points = %+v, want %d points %v", got, len(want), want)
	}
	for m, w := range want {
		if got[m].MonthsSincePlacement != m || math.Abs(got[m].CumulativeRate-w) > 1e-12 {
			t.Errorf("point %d = %+v, want month %d rate %v", m, got[m], m, w)
		}
	}
}

func TestVintageCurves(t *testing.T) {
	asOf := sh(2026, time.March, 15, 12, 0, 0)
	ps := []oversight.VintagePlacement{
		{ // placed on the 31st
			Agency: "a", PlacedAt: sh(2026, time.January, 31, 10, 0, 0), BalanceCents: 10_000_000,
			Payments: []oversight.VintagePayment{
				pay(sh(2026, time.January, 31, 23, 59, 59), 1_000_000), // last second of January: month 0
				// 00:30 on 1 February in Shanghai is still 31 January in UTC: month 1.
				pay(time.Date(2026, time.January, 31, 16, 30, 0, 0, time.UTC), 750_000),
				pay(sh(2026, time.February, 28, 23, 30, 0), 750_000), // last day of February: month 1
				pay(sh(2026, time.March, 1, 0, 0, 0), 1_500_000),     // first instant of March: month 2
			},
		},
		{
			Agency: "a", PlacedAt: sh(2026, time.January, 5, 9, 0, 0), BalanceCents: 5_000_000,
			Payments: []oversight.VintagePayment{
				pay(sh(2026, time.January, 1, 9, 0, 0), 999_999), // before the placement: not the agency's
				pay(sh(2026, time.January, 20, 9, 0, 0), 500_000),
				pay(sh(2026, time.March, 20, 9, 0, 0), 999_999), // after asOf: not counted
			},
		},
		{ // placed at 23:30 on the last day of February
			Agency: "a", PlacedAt: sh(2026, time.February, 28, 23, 30, 0), BalanceCents: 2_000_000,
			Payments: []oversight.VintagePayment{pay(sh(2026, time.March, 1, 9, 0, 0), 400_000)},
		},
		{
			Agency: "b", PlacedAt: sh(2026, time.January, 10, 9, 0, 0), BalanceCents: 30_000_000,
			Payments: []oversight.VintagePayment{
				pay(sh(2026, time.January, 15, 9, 0, 0), 1_500_000),
				pay(sh(2026, time.February, 10, 9, 0, 0), 3_000_000),
			},
		},
		// Stored in UTC on 31 January, placed on 1 February in Shanghai.
		{Agency: "b", PlacedAt: time.Date(2026, time.January, 31, 16, 30, 0, 0, time.UTC), BalanceCents: 1_000_000},
		{Agency: "c", PlacedAt: sh(2026, time.March, 16, 9, 0, 0), BalanceCents: 1_000_000}, // after asOf: not yet placed
		{Agency: "z", PlacedAt: sh(2026, time.March, 1, 9, 0, 0), BalanceCents: 0},          // nothing placed: no rate
	}
	got := oversight.VintageCurves(ps, asOf)

	want := []struct {
		agency, vintage string
		balance         int64
		accounts        int
		rates           []float64
	}{
		// a/2026-01: 100,000.00 + 50,000.00 placed = 15,000,000 cents.
		// Jan: 1,000,000 + 500,000 = 1,500,000 → 0.1
		// Feb: + 750,000 + 750,000 = 3,000,000 → 0.2
		// Mar (to asOf): + 1,500,000 = 4,500,000 → 0.3
		{"a", "2026-01", 15_000_000, 2, []float64{0.1, 0.2, 0.3}},
		// a/2026-02: 2,000,000 placed; Feb nothing → 0; Mar 400,000 → 0.2.
		{"a", "2026-02", 2_000_000, 1, []float64{0, 0.2}},
		// b/2026-01: 30,000,000 placed; Jan 1,500,000 → 0.05; Feb 4,500,000
		// → 0.15; Mar nothing more → 0.15.
		{"b", "2026-01", 30_000_000, 1, []float64{0.05, 0.15, 0.15}},
		{"b", "2026-02", 1_000_000, 1, []float64{0, 0}},
		{"z", "2026-03", 0, 1, nil},
	}
	if len(got) != len(want) {
		t.Fatalf("VintageCurves returned %d curves, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		t.Run(w.agency+"/"+w.vintage, func(t *testing.T) {
			g := got[i]
			if g.Agency != w.agency || g.Vintage != w.vintage || g.PlacedBalanceCents != w.balance || g.Accounts != w.accounts {
				t.Errorf("curve = %s/%s balance %d accounts %d, want %s/%s balance %d accounts %d",
					g.Agency, g.Vintage, g.PlacedBalanceCents, g.Accounts, w.agency, w.vintage, w.balance, w.accounts)
			}
			checkPoints(t, g.Points, w.rates)
		})
	}

	t.Run("NoPlacements", func(t *testing.T) {
		if got := oversight.VintageCurves(nil, asOf); len(got) != 0 {
			t.Errorf("got %+v, want no curves", got)
		}
	})
}

func TestPeerAverage(t *testing.T) {
	pt := func(rates ...float64) []oversight.VintagePoint {
		out := make([]oversight.VintagePoint, len(rates))
		for m, r := range rates {
			out[m] = oversight.VintagePoint{MonthsSincePlacement: m, CumulativeRate: r}
		}
		return out
	}
	curves := []oversight.VintageCurve{
		{Agency: "a", Vintage: "2026-01", PlacedBalanceCents: 15_000_000, Points: pt(0.1, 0.2, 0.3)},
		{Agency: "b", Vintage: "2026-01", PlacedBalanceCents: 30_000_000, Points: pt(0.05, 0.15, 0.15)},
		{Agency: "c", Vintage: "2026-01", PlacedBalanceCents: 15_000_000, Points: pt(0.20, 0.30)}, // a curve one month shorter
		{Agency: "d", Vintage: "2026-02", PlacedBalanceCents: 99_000_000, Points: pt(0.9)},        // another vintage
		{Agency: "e", Vintage: "2026-01", PlacedBalanceCents: 0},                                  // no data
	}
	tests := []struct {
		name            string
		agency, vintage string
		want            []float64
	}{
		{
			// Peers of a: b (300,000.00) and c (150,000.00).
			// m0: (0.05×30M + 0.20×15M) ÷ 45M = (1.5M + 3M) ÷ 45M = 0.1 (the plain mean would be 0.125)
			// m1: (0.15×30M + 0.30×15M) ÷ 45M = 9M ÷ 45M = 0.2
			// m2: only b reaches it: 0.15
			name: "BalanceWeighted", agency: "a", vintage: "2026-01", want: []float64{0.1, 0.2, 0.15},
		},
		{
			// Peers of b: a and c, 15M each: m0 (0.1+0.2)/2 = 0.15, m1 (0.2+0.3)/2 = 0.25, m2 a only 0.3.
			name: "EqualBalances", agency: "b", vintage: "2026-01", want: []float64{0.15, 0.25, 0.3},
		},
		{name: "NoPeers", agency: "d", vintage: "2026-02", want: nil},
		{name: "UnknownVintage", agency: "a", vintage: "2025-12", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPoints(t, oversight.PeerAverage(curves, tt.agency, tt.vintage), tt.want)
		})
	}
}
