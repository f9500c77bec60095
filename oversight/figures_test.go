package oversight_test

import (
	"fmt"
	"math"
	"testing"

	"collect/oversight"
)

// wantFigure is a figure's expected value; nil means "no data".
func wantFigure(v float64) *float64 { return &v }

func checkFigure(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s = %v, want nil (no data)", name, *got)
	case want != nil && got == nil:
		t.Errorf("%s = nil, want %v", name, *want)
	case want != nil && math.Abs(*got-*want) > 1e-12:
		t.Errorf("%s = %.15g, want %.15g", name, *got, *want)
	}
}

func checkFigures(t *testing.T, got, want oversight.Figures) {
	t.Helper()
	checkFigure(t, "LiquidationRate", got.LiquidationRate, want.LiquidationRate)
	checkFigure(t, "RPCRate", got.RPCRate, want.RPCRate)
	checkFigure(t, "PTPRate", got.PTPRate, want.PTPRate)
	checkFigure(t, "PTPKeptRate", got.PTPKeptRate, want.PTPKeptRate)
	checkFigure(t, "ComplaintRatePer1000", got.ComplaintRatePer1000, want.ComplaintRatePer1000)
	checkFigure(t, "BreachRate", got.BreachRate, want.BreachRate)
	checkFigure(t, "CostToCollect", got.CostToCollect, want.CostToCollect)
	checkFigure(t, "AvgDaysToFirstContact", got.AvgDaysToFirstContact, want.AvgDaysToFirstContact)
	checkFigure(t, "CureRate", got.CureRate, want.CureRate)
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		in   oversight.Counts
		want oversight.Figures
	}{
		{
			name: "FullBook",
			in: oversight.Counts{
				PlacedBalanceCents:  100_000_000, // 1,000,000.00 yuan placed
				RecoveredCents:      12_345_678,  // 123,456.78 yuan recovered
				ContactAttempts:     2_000,
				RightPartyContacts:  500,
				Promises:            120,
				PromisesFallingDue:  80,
				PromisesKept:        60,
				Complaints:          3,
				AccountsWorked:      1_200,
				Breaches:            8,
				CommissionCents:     1_851_851, // 18,518.51 yuan
				LegalCostsCents:     617_284,   //  6,172.84 yuan
				FirstContactDaysSum: 450,
				FirstContactCount:   100,
				CuredAccounts:       30,
				CureBase:            120,
			},
			want: oversight.Figures{
				LiquidationRate:      wantFigure(0.12345678), // 123,456.78 ÷ 1,000,000.00
				RPCRate:              wantFigure(0.25),       // 500 ÷ 2,000
				PTPRate:              wantFigure(0.24),       // 120 ÷ 500
				PTPKeptRate:          wantFigure(0.75),       // 60 ÷ 80
				ComplaintRatePer1000: wantFigure(2.5),        // 3 ÷ 1,200 × 1,000
				BreachRate:           wantFigure(0.004),      // 8 ÷ 2,000
				// (18,518.51 + 6,172.84) ÷ 123,456.78 = 24,691.35 ÷ 123,456.78
				// = 0.2 − 0.006 ÷ 123,456.78 = 0.2 − 0.0000000486000004…
				CostToCollect:         wantFigure(0.1999999513999996),
				AvgDaysToFirstContact: wantFigure(4.5),  // 450 ÷ 100
				CureRate:              wantFigure(0.25), // 30 ÷ 120
			},
		},
		{
			name: "NoCountsIsNoData",
			in:   oversight.Counts{},
			want: oversight.Figures{},
		},
		{
			// Recovered with nothing placed: no liquidation rate, but a cost
			// to collect of 0 (nothing spent), which is data.
			name: "NoPlacedBalance",
			in:   oversight.Counts{RecoveredCents: 50_000},
			want: oversight.Figures{CostToCollect: wantFigure(0)},
		},
		{
			name: "NoRecoveries",
			in:   oversight.Counts{PlacedBalanceCents: 100_000, CommissionCents: 1_000, LegalCostsCents: 2_000},
			want: oversight.Figures{LiquidationRate: wantFigure(0)}, // 0 ÷ 1,000.00; cost ÷ 0 is no data
		},
		{
			// Right-party contacts without attempts (inbound only): no RPC or
			// breach rate; PTP rate 0 ÷ 5 = 0.
			name: "NoContactAttempts",
			in:   oversight.Counts{RightPartyContacts: 5, Breaches: 1},
			want: oversight.Figures{PTPRate: wantFigure(0)},
		},
		{
			name: "NoRightPartyContacts",
			in:   oversight.Counts{ContactAttempts: 10, Promises: 2},
			want: oversight.Figures{RPCRate: wantFigure(0), BreachRate: wantFigure(0)},
		},
		{
			name: "NoPromisesFallingDue",
			in:   oversight.Counts{PromisesKept: 1},
			want: oversight.Figures{},
		},
		{
			name: "NoAccountsWorked",
			in:   oversight.Counts{Complaints: 2},
			want: oversight.Figures{},
		},
		{
			name: "NoFirstContacts",
			in:   oversight.Counts{FirstContactDaysSum: 12},
			want: oversight.Figures{},
		},
		{
			name: "NoCureBase",
			in:   oversight.Counts{CuredAccounts: 4},
			want: oversight.Figures{},
		},
		{
			// A negative denominator (a reversal larger than what was
			// counted) has no meaning as a divisor.
			name: "NegativeRecoveries",
			in:   oversight.Counts{PlacedBalanceCents: 1_000, RecoveredCents: -10, CommissionCents: 5},
			want: oversight.Figures{LiquidationRate: wantFigure(-0.01)}, // −10 ÷ 1,000
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFigures(t, oversight.Compute(tt.in), tt.want)
		})
	}
}

func TestCountsAdd(t *testing.T) {
	a := oversight.Counts{PlacedBalanceCents: 100, RecoveredCents: 50, ContactAttempts: 1, RightPartyContacts: 2, Promises: 3,
		PromisesFallingDue: 4, PromisesKept: 5, Complaints: 6, AccountsWorked: 7, Breaches: 8, CommissionCents: 9, LegalCostsCents: 10,
		FirstContactDaysSum: 11, FirstContactCount: 12, CuredAccounts: 13, CureBase: 14}
	b := oversight.Counts{PlacedBalanceCents: 300, RecoveredCents: 30, ContactAttempts: 10, RightPartyContacts: 20, Promises: 30,
		PromisesFallingDue: 40, PromisesKept: 50, Complaints: 60, AccountsWorked: 70, Breaches: 80, CommissionCents: 90, LegalCostsCents: 100,
		FirstContactDaysSum: 110, FirstContactCount: 120, CuredAccounts: 130, CureBase: 140}

	t.Run("EveryField", func(t *testing.T) {
		want := oversight.Counts{PlacedBalanceCents: 400, RecoveredCents: 80, ContactAttempts: 11, RightPartyContacts: 22, Promises: 33,
			PromisesFallingDue: 44, PromisesKept: 55, Complaints: 66, AccountsWorked: 77, Breaches: 88, CommissionCents: 99, LegalCostsCents: 110,
			FirstContactDaysSum: 121, FirstContactCount: 132, CuredAccounts: 143, CureBase: 154}
		if got := a.Add(b); got != want {
			t.Errorf("Add = %+v, want %+v", got, want)
		}
		if got := a.Add(oversight.Counts{}); got != a {
			t.Errorf("Add(zero) = %+v, want %+v", got, a)
		}
	})
	t.Run("TotalIsPooledNotAveraged", func(t *testing.T) {
		// a liquidates 50 ÷ 100 = 0.5, b 30 ÷ 300 = 0.1; the total is
		// 80 ÷ 400 = 0.2, not the mean 0.3.
		checkFigure(t, "LiquidationRate", oversight.Compute(a.Add(b)).LiquidationRate, wantFigure(0.2))
	})
}

func TestRollRates(t *testing.T) {
	start := map[string]string{
		"a1": "M1", "a2": "M1", "a3": "M1", "a4": "M1",
		"a5": "M2", "a6": "M2",
		"a7":  "M3",
		"a8":  "M6+",
		"a9":  "M6+",
		"a10": "M0",          // current at the start: no band, no row
		"a11": "M2",          // absent at the end: ignored
		"a12": "M1",          // closed in a way the snapshot does not name: ignored
		"a13": "written_off", // unknown at the start: ignored
	}
	end := map[string]string{
		"a1":  "M2",   // M1 → M2 rolled forward
		"a2":  "M1",   // stayed
		"a3":  "M0",   // cured
		"a4":  "paid", // cured
		"a5":  "M1",   // M2 → M1 rolled back (better, still delinquent)
		"a6":  "M4",   // M2 → M4 rolled forward (snapshots far apart)
		"a7":  "M3",   // stayed
		"a8":  "M6+",  // stayed
		"a9":  "paid", // cured
		"a10": "M1", "a12": "written_off", "a13": "M1",
		"z1": "M1", // not in the start snapshot
	}
	// M1: 4 accounts (a1-a4): 1 forward, 1 stayed, 2 cured → roll 1/4, cure 2/4.
	// M2: 2 (a5, a6): 1 back, 1 forward → roll 1/2, cure 0/2.
	// M3: 1 (a7) stayed → roll 0, cure 0 (zero, not nil: there is data).
	// M4-M6: none → nil.
	// M6+: 2 (a8, a9): 1 stayed, 1 cured → no roll rate (nowhere to roll), cure 1/2.
	want := []struct {
		row            oversight.RollRow
		roll, cureRate *float64
	}{
		{oversight.RollRow{From: "M1", Accounts: 4, RolledForward: 1, Stayed: 1, Cured: 2}, wantFigure(0.25), wantFigure(0.5)},
		{oversight.RollRow{From: "M2", Accounts: 2, RolledForward: 1, RolledBack: 1}, wantFigure(0.5), wantFigure(0)},
		{oversight.RollRow{From: "M3", Accounts: 1, Stayed: 1}, wantFigure(0), wantFigure(0)},
		{oversight.RollRow{From: "M4"}, nil, nil},
		{oversight.RollRow{From: "M5"}, nil, nil},
		{oversight.RollRow{From: "M6"}, nil, nil},
		{oversight.RollRow{From: "M6+", Accounts: 2, Stayed: 1, Cured: 1}, nil, wantFigure(0.5)},
	}
	got := oversight.RollRates(start, end)
	if len(got) != len(want) {
		t.Fatalf("RollRates returned %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		t.Run(w.row.From, func(t *testing.T) {
			g := got[i]
			checkFigure(t, "RollRate", g.RollRate, w.roll)
			checkFigure(t, "CureRate", g.CureRate, w.cureRate)
			g.RollRate, g.CureRate = nil, nil
			if g != w.row {
				t.Errorf("row = %+v, want %+v", g, w.row)
			}
			if g.RolledForward+g.Stayed+g.Cured+g.RolledBack != g.Accounts {
				t.Errorf("outcomes do not add up to %d accounts", g.Accounts)
			}
		})
	}
	t.Run("EmptySnapshots", func(t *testing.T) {
		rows := oversight.RollRates(nil, nil)
		if len(rows) != 7 {
			t.Fatalf("got %d rows, want one per band (7)", len(rows))
		}
		for _, r := range rows {
			if r.Accounts != 0 || r.RollRate != nil || r.CureRate != nil {
				t.Errorf("%s = %s, want no accounts and no rates", r.From, fmt.Sprint(r))
			}
		}
	})
}
