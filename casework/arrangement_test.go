package casework_test

import (
	"collect"
	"errors"
	"slices"
	"testing"
	"time"

	"collect/allocation"
	"collect/casework"
)

var (
	arrShanghai = time.FixedZone("CST", 8*3600)
	arrNow      = time.Date(2025, time.March, 10, 10, 0, 0, 0, arrShanghai)
	arrContract = allocation.Contract{MaxSettlementDiscountBP: 3000, MaxInstalments: 12, MinDownPaymentBP: 1000}
)

// arrDate is a calendar date at midnight in Shanghai.
func arrDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, arrShanghai)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type arrLine struct {
	n      int
	due    string
	amount int64
}

func TestDecideArrangement(t *testing.T) {
	tests := []struct {
		name     string
		in       casework.ArrangementInput // Now is arrNow; FirstDue from due
		due      string
		approval []string // rule ids of Reasons; nil = within limits
		schedule []arrLine
		discount int
	}{
		{name: "PromiseWithin",
			in:  casework.ArrangementInput{Kind: "promise", BalanceCents: 1_000_000, AmountCents: 500_000},
			due: "2025-03-20", schedule: []arrLine{{1, "2025-03-20", 500_000}}},
		{name: "PromiseDueToday",
			in:  casework.ArrangementInput{Kind: "promise", BalanceCents: 1_000_000, AmountCents: 1_000_000},
			due: "2025-03-10", schedule: []arrLine{{1, "2025-03-10", 1_000_000}}},
		{name: "PromiseIn180Days",
			in:  casework.ArrangementInput{Kind: "promise", BalanceCents: 1_000_000, AmountCents: 1},
			due: "2025-09-06", schedule: []arrLine{{1, "2025-09-06", 1}}},
		{name: "ExtensionOf90Days",
			in:  casework.ArrangementInput{Kind: "extension", BalanceCents: 1_000_000, AmountCents: 1_000_000},
			due: "2025-06-08", schedule: []arrLine{{1, "2025-06-08", 1_000_000}}},
		{name: "ExtensionOf91Days",
			in:  casework.ArrangementInput{Kind: "extension", BalanceCents: 1_000_000, AmountCents: 400_000},
			due: "2025-06-09", approval: []string{"limit.extension_days"}, schedule: []arrLine{{1, "2025-06-09", 400_000}}},
		{name: "SettlementAtTheLimit",
			in:       casework.ArrangementInput{Kind: "settlement", BalanceCents: 1_000_000, AmountCents: 700_000},
			schedule: []arrLine{{1, "2025-03-10", 700_000}}, discount: 3000},
		{name: "SettlementOneCentOverTheLimit",
			in:       casework.ArrangementInput{Kind: "settlement", BalanceCents: 1_000_000, AmountCents: 699_999},
			approval: []string{"limit.settlement_discount"}, schedule: []arrLine{{1, "2025-03-10", 699_999}}, discount: 3000},
		{name: "SettlementFarOverWithDate",
			in:  casework.ArrangementInput{Kind: "settlement", BalanceCents: 1_000_000, AmountCents: 600_000},
			due: "2025-04-01", approval: []string{"limit.settlement_discount"}, schedule: []arrLine{{1, "2025-04-01", 600_000}}, discount: 4000},
		{name: "SettlementInFull",
			in:       casework.ArrangementInput{Kind: "settlement", BalanceCents: 333, AmountCents: 333},
			schedule: []arrLine{{1, "2025-03-10", 333}}},
		{name: "SettlementDiscountRoundsHalfUp",
			in:       casework.ArrangementInput{Kind: "settlement", BalanceCents: 4_000, AmountCents: 3_997},
			schedule: []arrLine{{1, "2025-03-10", 3_997}}, discount: 8}, // 3/4000 = 7.5bp
		{name: "WaiverWithin",
			in:       casework.ArrangementInput{Kind: "waiver", BalanceCents: 1_000_000, PenaltyCents: 200_000, AmountCents: 150_000},
			discount: 1500},
		{name: "WaiverOverTheDiscountLimit",
			in:       casework.ArrangementInput{Kind: "waiver", BalanceCents: 100_000, PenaltyCents: 50_000, AmountCents: 40_000},
			approval: []string{"limit.waiver_discount"}, discount: 4000},
		{name: "PlanWithin",
			in:       casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_000_000, AmountCents: 1_000_000, DownPaymentCents: 100_000, Instalments: 3},
			due:      "2025-04-01",
			schedule: []arrLine{{0, "2025-03-10", 100_000}, {1, "2025-04-01", 300_000}, {2, "2025-05-01", 300_000}, {3, "2025-05-31", 300_000}}},
		{name: "PlanRemainderOnTheLast",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 100_000, AmountCents: 100_000, DownPaymentCents: 10_000, Instalments: 7, IntervalDays: 14},
			due: "2025-03-17",
			schedule: []arrLine{{0, "2025-03-10", 10_000}, {1, "2025-03-17", 12_857}, {2, "2025-03-31", 12_857}, {3, "2025-04-14", 12_857},
				{4, "2025-04-28", 12_857}, {5, "2025-05-12", 12_857}, {6, "2025-05-26", 12_857}, {7, "2025-06-09", 12_858}}},
		{name: "PlanAtMaxInstalments",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_200_000, AmountCents: 1_200_000, DownPaymentCents: 120_000, Instalments: 12, IntervalDays: 30},
			due: "2025-04-10",
			schedule: []arrLine{{0, "2025-03-10", 120_000}, {1, "2025-04-10", 90_000}, {2, "2025-05-10", 90_000}, {3, "2025-06-09", 90_000},
				{4, "2025-07-09", 90_000}, {5, "2025-08-08", 90_000}, {6, "2025-09-07", 90_000}, {7, "2025-10-07", 90_000},
				{8, "2025-11-06", 90_000}, {9, "2025-12-06", 90_000}, {10, "2026-01-05", 90_000}, {11, "2026-02-04", 90_000}, {12, "2026-03-06", 90_000}}},
		{name: "PlanTooManyInstalments",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_300_000, AmountCents: 1_300_000, DownPaymentCents: 130_000, Instalments: 13},
			due: "2025-04-10", approval: []string{"limit.instalments"}},
		{name: "PlanNoDownPayment",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 90_000, AmountCents: 90_000, Instalments: 2, IntervalDays: 10},
			due: "2025-03-11", approval: []string{"limit.down_payment"},
			schedule: []arrLine{{1, "2025-03-11", 45_000}, {2, "2025-03-21", 45_000}}},
		{name: "PlanDownPaymentOneCentShort",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_000_000, AmountCents: 1_000_000, DownPaymentCents: 99_999, Instalments: 1},
			due: "2025-04-01", approval: []string{"limit.down_payment"},
			schedule: []arrLine{{0, "2025-03-10", 99_999}, {1, "2025-04-01", 900_001}}},
		{name: "PlanBelowTheBalanceIsADiscount",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_000_000, AmountCents: 600_000, DownPaymentCents: 60_000, Instalments: 2},
			due: "2025-04-01", approval: []string{"limit.settlement_discount"}, discount: 4000,
			schedule: []arrLine{{0, "2025-03-10", 60_000}, {1, "2025-04-01", 270_000}, {2, "2025-05-01", 270_000}}},
		{name: "PlanSmallDiscountWithin",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_000_000, AmountCents: 900_000, DownPaymentCents: 90_000, Instalments: 1},
			due: "2025-04-01", discount: 1000,
			schedule: []arrLine{{0, "2025-03-10", 90_000}, {1, "2025-04-01", 810_000}}},
		{name: "PlanEveryLimit",
			in:  casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1_000_000, AmountCents: 500_000, Instalments: 24},
			due: "2025-04-01", approval: []string{"limit.instalments", "limit.down_payment", "limit.settlement_discount"}, discount: 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Now = arrNow
			if tt.due != "" {
				in.FirstDue = arrDate(t, tt.due).Add(15 * time.Hour)
			}
			got, err := casework.DecideArrangement(in, arrContract)
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, r := range got.Reasons {
				rules = append(rules, r.Rule)
				if r.Message == "" {
					t.Errorf("reason %s has no message", r.Rule)
				}
			}
			if !slices.Equal(rules, tt.approval) {
				t.Errorf("Reasons = %q, want %q", rules, tt.approval)
			}
			if got.NeedsApproval != (len(tt.approval) > 0) {
				t.Errorf("NeedsApproval = %v with reasons %q", got.NeedsApproval, rules)
			}
			if got.DiscountBP != tt.discount {
				t.Errorf("DiscountBP = %d, want %d", got.DiscountBP, tt.discount)
			}
			if tt.schedule == nil && in.Kind != casework.KindInstalmentPlan {
				if len(got.Schedule) != 0 {
					t.Errorf("Schedule = %v, want none", got.Schedule)
				}
				return
			}
			if tt.schedule != nil {
				var lines []arrLine
				for _, l := range got.Schedule {
					lines = append(lines, arrLine{l.N, l.Due.Format(time.DateOnly), l.AmountCents})
					if l.Due.Location() != arrShanghai || l.Due.Hour() != 0 {
						t.Errorf("line %d due %v, want midnight in Now's location", l.N, l.Due)
					}
				}
				if !slices.Equal(lines, tt.schedule) {
					t.Errorf("Schedule = %v\nwant       %v", lines, tt.schedule)
				}
			}
			var sum int64
			for _, l := range got.Schedule {
				sum += l.AmountCents
			}
			if sum != in.AmountCents {
				t.Errorf("schedule sums to %d, want %d", sum, in.AmountCents)
			}
		})
	}
}

// Every plan's schedule sums to its total to the cent, the remainder on the last line.
func TestInstalmentScheduleSumsExactly(t *testing.T) {
	c := allocation.Contract{MaxSettlementDiscountBP: 10000, MaxInstalments: 120}
	for _, total := range []int64{1_000, 99_999, 100_001, 1_234_567, 987_654_321} {
		for _, down := range []int64{0, 1, 333, 999} {
			for _, n := range []int{1, 3, 7, 11, 36, 120} {
				if total-down < int64(n) {
					continue
				}
				in := casework.ArrangementInput{Kind: casework.KindInstalmentPlan, BalanceCents: total, AmountCents: total,
					DownPaymentCents: down, Instalments: n, IntervalDays: 1, FirstDue: arrNow, Now: arrNow}
				got, err := casework.DecideArrangement(in, c)
				if err != nil {
					t.Fatalf("total %d down %d n %d: %v", total, down, n, err)
				}
				var sum int64
				lines := got.Schedule
				for _, l := range lines {
					sum += l.AmountCents
				}
				if down > 0 {
					lines = lines[1:]
				}
				if sum != total || len(lines) != n {
					t.Errorf("total %d down %d n %d: sum %d over %d instalments", total, down, n, sum, len(lines))
				}
				if each, last := lines[0].AmountCents, lines[n-1].AmountCents; last < each || last-each >= int64(n) {
					t.Errorf("total %d down %d n %d: first %d, last %d", total, down, n, each, last)
				}
			}
		}
	}
}

func TestDecideArrangementInvalid(t *testing.T) {
	tests := []struct {
		name   string
		in     casework.ArrangementInput // Now is arrNow unless noNow
		due    string
		noNow  bool
		fields []string
	}{
		{name: "UnknownKind", in: casework.ArrangementInput{Kind: "forgiveness", BalanceCents: 100, AmountCents: 100}, fields: []string{"kind"}},
		{name: "NoNow", in: casework.ArrangementInput{Kind: "promise", BalanceCents: 100, AmountCents: 100}, due: "2025-03-20", noNow: true, fields: []string{"now"}},
		{name: "NoBalance", in: casework.ArrangementInput{Kind: "settlement", AmountCents: 100}, fields: []string{"balance_cents"}},
		{name: "NonPositiveAmounts", in: casework.ArrangementInput{Kind: "settlement", BalanceCents: -5, AmountCents: 0}, fields: []string{"balance_cents", "amount_cents"}},
		{name: "PromiseAboveBalance", in: casework.ArrangementInput{Kind: "promise", BalanceCents: 100, AmountCents: 101}, due: "2025-03-20", fields: []string{"amount_cents"}},
		{name: "PromiseWithoutDate", in: casework.ArrangementInput{Kind: "promise", BalanceCents: 100, AmountCents: 100}, fields: []string{"first_due"}},
		{name: "PromiseYesterday", in: casework.ArrangementInput{Kind: "promise", BalanceCents: 100, AmountCents: 100}, due: "2025-03-09", fields: []string{"first_due"}},
		{name: "PromiseIn181Days", in: casework.ArrangementInput{Kind: "promise", BalanceCents: 100, AmountCents: 100}, due: "2025-09-07", fields: []string{"first_due"}},
		{name: "ExtensionIn181Days", in: casework.ArrangementInput{Kind: "extension", BalanceCents: 100, AmountCents: 100}, due: "2025-09-07", fields: []string{"first_due"}},
		{name: "SettlementAboveBalance", in: casework.ArrangementInput{Kind: "settlement", BalanceCents: 100, AmountCents: 150}, fields: []string{"amount_cents"}},
		{name: "SettlementDateInThePast", in: casework.ArrangementInput{Kind: "settlement", BalanceCents: 100, AmountCents: 50}, due: "2025-03-01", fields: []string{"first_due"}},
		{name: "WaiverAbovePenalty", in: casework.ArrangementInput{Kind: "waiver", BalanceCents: 1000, PenaltyCents: 100, AmountCents: 101}, fields: []string{"amount_cents"}},
		{name: "WaiverWithoutPenalty", in: casework.ArrangementInput{Kind: "waiver", BalanceCents: 1000, AmountCents: 10}, fields: []string{"penalty_cents"}},
		{name: "WaiverPenaltyAboveBalance", in: casework.ArrangementInput{Kind: "waiver", BalanceCents: 1000, PenaltyCents: 1001, AmountCents: 10}, fields: []string{"penalty_cents"}},
		{name: "PlanZeroInstalments", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1000, AmountCents: 1000}, due: "2025-04-01", fields: []string{"instalments"}},
		{name: "PlanTooManyInstalments", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 100_000, AmountCents: 100_000, Instalments: 121}, due: "2025-04-01", fields: []string{"instalments"}},
		{name: "PlanMoreInstalmentsThanCents", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 5, AmountCents: 5, Instalments: 10}, due: "2025-04-01", fields: []string{"instalments"}},
		{name: "PlanDownPaymentIsEverything", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1000, AmountCents: 1000, DownPaymentCents: 1000, Instalments: 2}, due: "2025-04-01", fields: []string{"down_payment_cents"}},
		{name: "PlanNegativeDownPayment", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1000, AmountCents: 1000, DownPaymentCents: -1, Instalments: 2}, due: "2025-04-01", fields: []string{"down_payment_cents"}},
		{name: "PlanNegativeInterval", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1000, AmountCents: 1000, Instalments: 2, IntervalDays: -30}, due: "2025-04-01", fields: []string{"interval_days"}},
		{name: "PlanAboveBalanceNoDate", in: casework.ArrangementInput{Kind: "instalment_plan", BalanceCents: 1000, AmountCents: 2000, Instalments: 2}, fields: []string{"amount_cents", "first_due"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if !tt.noNow {
				in.Now = arrNow
			}
			if tt.due != "" {
				in.FirstDue = arrDate(t, tt.due)
			}
			got, err := casework.DecideArrangement(in, arrContract)
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("err = %v, want an EINVALID *allocation.Error", err)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %q, want %q", fields, tt.fields)
			}
			if got.NeedsApproval || got.Schedule != nil {
				t.Errorf("decision = %+v, want zero", got)
			}
		})
	}
}

func TestPromiseOutcome(t *testing.T) {
	due := time.Date(2025, time.March, 10, 0, 0, 0, 0, arrShanghai)
	at := func(day string, hour, minute int) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, day, arrShanghai)
		return d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	tests := []struct {
		name     string
		dueCents int64
		paid     int64
		grace    int
		now      time.Time
		want     string
	}{
		{"PaidInFullEarly", 10_000, 10_000, 3, at("2025-03-01", 9, 0), "kept"},
		{"PaidMore", 10_000, 12_000, 3, at("2025-03-12", 9, 0), "kept"},
		{"PaidInFullKnownLater", 10_000, 10_000, 3, at("2025-06-01", 9, 0), "kept"},
		{"NotYetDue", 10_000, 0, 3, at("2025-03-05", 9, 0), "pending"},
		{"OnTheDueDate", 10_000, 9_999, 3, at("2025-03-10", 23, 59), "pending"},
		{"LastGraceDayLastMinute", 10_000, 9_999, 3, at("2025-03-13", 23, 59), "pending"},
		{"DayAfterGrace", 10_000, 9_999, 3, at("2025-03-14", 0, 0), "broken"},
		{"NothingPaidLongAfter", 10_000, 0, 3, at("2025-04-30", 12, 0), "broken"},
		{"NoGraceDueDate", 10_000, 0, 0, at("2025-03-10", 23, 0), "pending"},
		{"NoGraceNextDay", 10_000, 0, 0, at("2025-03-11", 0, 1), "broken"},
		{"NegativeGraceIsZero", 10_000, 0, -5, at("2025-03-10", 12, 0), "pending"},
		{"NothingDue", 0, 0, 0, at("2025-04-30", 12, 0), "kept"},
		{"NowInUTCIsNextDayInShanghai", 10_000, 0, 3, time.Date(2025, time.March, 13, 17, 0, 0, 0, time.UTC), "broken"},
		{"NowInUTCStillLastGraceDay", 10_000, 0, 3, time.Date(2025, time.March, 13, 15, 59, 0, 0, time.UTC), "pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.PromiseOutcome(tt.dueCents, tt.paid, due, tt.grace, tt.now); got != tt.want {
				t.Errorf("PromiseOutcome = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyPayment(t *testing.T) {
	mk := func(s string) time.Time {
		t2, _ := time.Parse(time.DateOnly, s)
		return t2
	}
	schedule := []casework.Instalment{
		{N: 0, Due: mk("2025-03-10"), AmountCents: 100},
		{N: 1, Due: mk("2025-04-01"), AmountCents: 300},
		{N: 2, Due: mk("2025-05-01"), AmountCents: 300},
		{N: 3, Due: mk("2025-05-31"), AmountCents: 300},
	}
	reversed := slices.Clone(schedule)
	slices.Reverse(reversed)
	tests := []struct {
		name     string
		schedule []casework.Instalment
		paidSo   []int64
		payment  int64
		want     []int64
		surplus  int64
	}{
		{"FirstPaymentOverTwo", schedule, nil, 250, []int64{100, 150, 0, 0}, 0},
		{"ExactlyTheDownPayment", schedule, []int64{0, 0, 0, 0}, 100, []int64{100, 0, 0, 0}, 0},
		{"FinishesAllWithSurplus", schedule, []int64{100, 150}, 1000, []int64{100, 300, 300, 300}, 250},
		{"SkipsPaidInstalments", schedule, []int64{100, 300, 0, 0}, 400, []int64{100, 300, 300, 100}, 0},
		{"FillsAnOlderGapFirst", schedule, []int64{40, 300, 0, 0}, 100, []int64{100, 300, 40, 0}, 0},
		{"AllPaidEverythingSurplus", schedule, []int64{100, 300, 300, 300}, 50, []int64{100, 300, 300, 300}, 50},
		{"OverpaidLineKept", schedule, []int64{150, 0, 0, 0}, 10, []int64{150, 10, 0, 0}, 0},
		{"ZeroPayment", schedule, []int64{100}, 0, []int64{100, 0, 0, 0}, 0},
		{"NegativePayment", schedule, nil, -500, []int64{0, 0, 0, 0}, 0},
		{"ReversedScheduleOldestFirst", reversed, nil, 450, []int64{0, 50, 300, 100}, 0},
		{"EmptySchedule", nil, nil, 700, []int64{}, 700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []int64
			if tt.paidSo != nil {
				before = slices.Clone(tt.paidSo)
			}
			got, surplus := casework.ApplyPayment(tt.schedule, tt.paidSo, tt.payment)
			if !slices.Equal(got, tt.want) || surplus != tt.surplus {
				t.Errorf("ApplyPayment = %v surplus %d, want %v surplus %d", got, surplus, tt.want, tt.surplus)
			}
			if tt.paidSo != nil && !slices.Equal(tt.paidSo, before) {
				t.Errorf("paidSoFar changed to %v", tt.paidSo)
			}
			var in, out int64
			for i := range tt.want {
				if i < len(tt.paidSo) {
					in += tt.paidSo[i]
				}
				out += got[i]
			}
			if tt.payment > 0 && out-in+surplus != tt.payment {
				t.Errorf("allocated %d + surplus %d != payment %d", out-in, surplus, tt.payment)
			}
		})
	}
}
