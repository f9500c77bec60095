package billing

import (
	"math"
	"slices"
	"testing"

	"collect"
	"collect/allocation"
)

func confirmedPayment(cents int64) Payment {
	p := agencyPayment()
	p.Status, p.AmountCents = StatusConfirmed, cents
	return p
}

func tieredTerms() CommissionTerms {
	return CommissionTerms{BucketRatesBP: map[string]int{"M1": 1500, "M2": 2000},
		Tiers: []Tier{{MinLiquidationBP: 2000, RateBP: 2500}, {MinLiquidationBP: 4000, RateBP: 3000}}}
}

func TestCommissionRate(t *testing.T) {
	for _, c := range []struct {
		name    string
		bucket  string
		vintage int
		cents   int64
		source  RateSource
		rate    int
		tierMin int
	}{
		{"Bucket", "M1", 0, 1500, RateBucket, 1500, 0},
		{"OtherBucket", "M2", 1999, 2000, RateBucket, 2000, 0},
		{"FirstTierReached", "M1", 2000, 2500, RateTier, 2500, 2000},
		{"FirstTierTop", "M2", 3999, 2500, RateTier, 2500, 2000},
		{"HighestTierReached", "M1", 4000, 3000, RateTier, 3000, 4000},
		{"AboveAll", "M1", 9000, 3000, RateTier, 3000, 4000},
		{"TierWithoutBucketRate", "M6+", 2500, 2500, RateTier, 2500, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, e, err := CommissionLine(confirmedPayment(10000), c.bucket, c.vintage, 0, tieredTerms())
			wantErr(t, err, "", "")
			if got != c.cents || e.Cents != got || e.Source != c.source || e.RateBP != c.rate || e.TierMinLiquidationBP != c.tierMin || e.Bucket != c.bucket || e.VintageLiquidationBP != c.vintage {
				t.Fatalf("got %d %+v", got, e)
			}
		})
	}
	_, _, err := CommissionLine(confirmedPayment(10000), "M6+", 1999, 0, tieredTerms())
	wantErr(t, err, collect.EINVALID, "err.billing.bucket_no_rate")
}

// Rounding: half up on the fen, once per line (allocation.Commission).
func TestCommissionRounding(t *testing.T) {
	for _, c := range []struct {
		cents int64
		rate  int
		want  int64
	}{
		{1, 5000, 1},          // 0.5 → 1
		{1, 4999, 0},          // 0.4999 → 0
		{3, 1500, 0},          // 0.45 → 0
		{10, 1550, 2},         // 1.55 → 2
		{33333, 1500, 5000},   // 4999.95 → 5000
		{33329, 1500, 4999},   // 4999.35 → 4999
		{10000, 0, 0},         // a zero rate earns nothing
		{10000, 10000, 10000}, // 100%
		{MaxAmountCents, 10000, MaxAmountCents},
	} {
		terms := CommissionTerms{BucketRatesBP: map[string]int{"M1": c.rate}}
		got, e, err := CommissionLine(confirmedPayment(c.cents), "M1", 0, 0, terms)
		wantErr(t, err, "", "")
		if got != c.want || e.RateCents != c.want {
			t.Errorf("%d at %d bp = %d, want %d", c.cents, c.rate, got, c.want)
		}
	}
}

func TestCommissionLineLimits(t *testing.T) {
	terms := func(min, max int64) CommissionTerms {
		return CommissionTerms{BucketRatesBP: map[string]int{"M1": 1500}, MinPerAccountCents: min, MaxPerAccountCents: max}
	}
	for _, c := range []struct {
		name                 string
		cents, overpaid      int64
		earned               int64
		terms                CommissionTerms
		want                 int64
		minApp, capApp, mApp bool
	}{
		{"NoLimits", 10000, 0, 0, terms(0, 0), 1500, false, false, false},
		{"Overpaid", 10000, 4000, 0, terms(0, 0), 900, false, false, false},
		{"FullyOverpaid", 10000, 10000, 0, terms(5000, 0), 0, true, true, false},
		{"MinTopsUpFirst", 10000, 0, 0, terms(5000, 0), 5000, true, false, false},
		{"MinTopsUpRest", 10000, 0, 4000, terms(5000, 0), 1500, false, false, false},
		{"MinTopsUpPartly", 2000, 0, 4000, terms(5000, 0), 1000, true, false, false},
		{"MinReachedAlready", 10000, 0, 5000, terms(5000, 0), 1500, false, false, false},
		{"MinCutToPayment", 2000, 0, 0, terms(5000, 0), 2000, true, true, false},
		{"MaxCuts", 10000, 0, 9000, terms(0, 10000), 1000, false, false, true},
		{"MaxExactlyReached", 10000, 0, 8500, terms(0, 10000), 1500, false, false, false},
		{"MaxAlreadyReached", 10000, 0, 10000, terms(0, 10000), 0, false, false, true},
		{"MaxAlreadyPassed", 10000, 0, 12000, terms(0, 10000), 0, false, false, true},
		{"MinEqualsMax", 10000, 0, 0, terms(5000, 5000), 5000, true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := confirmedPayment(c.cents)
			p.OverpaidCents = c.overpaid
			got, e, err := CommissionLine(p, "M1", 0, c.earned, c.terms)
			wantErr(t, err, "", "")
			if got != c.want || e.MinApplied != c.minApp || e.PaymentCapApplied != c.capApp || e.MaxApplied != c.mApp || e.EarnedBeforeCents != c.earned || e.PaymentCents != c.cents-c.overpaid {
				t.Fatalf("got %d %+v", got, e)
			}
		})
	}
}

func TestCommissionLineRefuses(t *testing.T) {
	reported := confirmedPayment(10000)
	reported.Status = StatusReported
	_, _, err := CommissionLine(reported, "M1", 0, 0, tieredTerms())
	wantErr(t, err, collect.ECONFLICT, "err.billing.commission_unconfirmed")
	reported.Status = StatusRejected
	_, _, err = CommissionLine(reported, "M1", 0, 0, tieredTerms())
	wantErr(t, err, collect.ECONFLICT, "err.billing.commission_unconfirmed")
	_, _, err = CommissionLine(confirmedPayment(0), "M1", 0, 0, tieredTerms())
	wantErr(t, err, collect.EINVALID, "err.payment.amount")
	_, _, err = CommissionLine(confirmedPayment(10), "M1", -1, 0, tieredTerms())
	wantErr(t, err, collect.EINVALID, "err.billing.liquidation_negative")
	_, _, err = CommissionLine(confirmedPayment(10), "M1", 0, -1, tieredTerms())
	wantErr(t, err, collect.EINVALID, "err.billing.amount_range")
	_, _, err = CommissionLine(confirmedPayment(10), "M1", 0, 0, CommissionTerms{})
	wantErr(t, err, collect.EINVALID, "err.billing.terms_no_rate")
}

func TestExplanationPhrases(t *testing.T) {
	terms := tieredTerms()
	terms.MinPerAccountCents, terms.MaxPerAccountCents = 5000, 6000
	_, e, _ := CommissionLine(confirmedPayment(10000), "M1", 0, 0, terms)
	var keys []string
	for _, p := range e.Phrases() {
		keys = append(keys, p.Key)
	}
	if !slices.Equal(keys, []string{"err.billing.explain.bucket", "err.billing.explain.min"}) {
		t.Fatalf("keys %v", keys)
	}
	if p := e.Phrases()[0]; p.Args["rate"] != "15.00%" || p.Args["amount"] != "100.00" || p.Args["bucket"] != "M1" {
		t.Fatalf("args %v", p.Args)
	}
	_, e, _ = CommissionLine(confirmedPayment(3000), "M1", 4500, 5500, terms)
	keys = nil
	for _, p := range e.Phrases() {
		keys = append(keys, p.Key)
	}
	if !slices.Equal(keys, []string{"err.billing.explain.tier", "err.billing.explain.max"}) {
		t.Fatalf("keys %v (%+v)", keys, e)
	}
	_, e, _ = CommissionLine(confirmedPayment(1000), "M1", 0, 0, terms)
	if ps := e.Phrases(); len(ps) != 3 || ps[2].Key != "err.billing.explain.payment_cap" {
		t.Fatalf("phrases %v", ps)
	}
}

func TestCommissionTermsValidate(t *testing.T) {
	rule := func(code string, cents int64, bp int, cap int64) AdjustmentRule {
		return AdjustmentRule{Code: code, AmountCents: cents, RateBP: bp, CapCents: cap}
	}
	for _, c := range []struct {
		name  string
		edit  func(*CommissionTerms)
		field string // "" valid
		key   string
	}{
		{"Valid", func(t *CommissionTerms) {}, "", ""},
		{"TiersOnly", func(t *CommissionTerms) { t.BucketRatesBP = nil }, "", ""},
		{"NoRate", func(t *CommissionTerms) { t.BucketRatesBP, t.Tiers = nil, nil }, "bucket_rates_bp", "err.billing.terms_no_rate"},
		{"RateNegative", func(t *CommissionTerms) { t.BucketRatesBP["M1"] = -1 }, "bucket_rates_bp", "err.billing.bucket_rate_range"},
		{"RateFull", func(t *CommissionTerms) { t.BucketRatesBP["M1"] = 10000 }, "", ""},
		{"RateOver", func(t *CommissionTerms) { t.BucketRatesBP["M1"] = 10001 }, "bucket_rates_bp", "err.billing.bucket_rate_range"},
		{"BucketNameEmpty", func(t *CommissionTerms) { t.BucketRatesBP[" "] = 10 }, "bucket_rates_bp", "err.billing.bucket_name"},
		{"TierRateOver", func(t *CommissionTerms) { t.Tiers[1].RateBP = 10001 }, "tiers.1.rate_bp", "err.billing.bp_range"},
		{"TierLiquidationOver", func(t *CommissionTerms) { t.Tiers[1].MinLiquidationBP = 10001 }, "tiers.1.min_liquidation_bp", "err.billing.bp_range"},
		{"TiersEqual", func(t *CommissionTerms) { t.Tiers[1].MinLiquidationBP = 2000 }, "tiers.1.min_liquidation_bp", "err.billing.tiers_ascending"},
		{"TiersDescending", func(t *CommissionTerms) { t.Tiers[0], t.Tiers[1] = t.Tiers[1], t.Tiers[0] }, "tiers.1.min_liquidation_bp", "err.billing.tiers_ascending"},
		{"MinNegative", func(t *CommissionTerms) { t.MinPerAccountCents = -1 }, "min_per_account_cents", "err.billing.amount_range"},
		{"MinAboveMax", func(t *CommissionTerms) { t.MinPerAccountCents, t.MaxPerAccountCents = 5001, 5000 }, "max_per_account_cents", "err.billing.min_above_max"},
		{"MinWithoutMax", func(t *CommissionTerms) { t.MinPerAccountCents = 5001 }, "", ""},
		{"BonusAmount", func(t *CommissionTerms) { t.Bonuses = []AdjustmentRule{rule("ptp_kept", 1000, 0, 0)} }, "", ""},
		{"DeductionRate", func(t *CommissionTerms) { t.Deductions = []AdjustmentRule{rule("conduct_breach", 0, 200, 50000)} }, "", ""},
		{"RuleBoth", func(t *CommissionTerms) { t.Deductions = []AdjustmentRule{rule("conduct_breach", 100, 200, 0)} }, "deductions.0.amount_cents", "err.billing.rule_amount_or_rate"},
		{"RuleNeither", func(t *CommissionTerms) { t.Bonuses = []AdjustmentRule{rule("x", 0, 0, 0)} }, "bonuses.0.amount_cents", "err.billing.rule_amount_or_rate"},
		{"RuleNegativeAmount", func(t *CommissionTerms) { t.Bonuses = []AdjustmentRule{rule("x", -5, 0, 0)} }, "bonuses.0.amount_cents", "err.billing.rule_amount_or_rate"},
		{"RuleRateOver", func(t *CommissionTerms) { t.Bonuses = []AdjustmentRule{rule("x", 0, 10001, 0)} }, "bonuses.0.rate_bp", "err.billing.bp_range"},
		{"CapNegative", func(t *CommissionTerms) { t.Deductions = []AdjustmentRule{rule("x", 10, 0, -1)} }, "deductions.0.cap_cents", "err.billing.cap_range"},
		{"CodeBad", func(t *CommissionTerms) { t.Bonuses = []AdjustmentRule{rule("Conduct Breach", 10, 0, 0)} }, "bonuses.0.code", "err.billing.rule_code"},
		{"CodeInBothLists", func(t *CommissionTerms) {
			t.Bonuses, t.Deductions = []AdjustmentRule{rule("x", 10, 0, 0)}, []AdjustmentRule{rule("x", 10, 0, 0)}
		}, "deductions.0.code", "err.billing.rule_code_twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			terms := tieredTerms()
			c.edit(&terms)
			err := terms.Validate()
			if c.field == "" {
				wantErr(t, err, "", "")
				return
			}
			wantErr(t, err, collect.EINVALID, c.key)
			if f := fieldsOf(err); len(f) != 1 || f[0] != c.field {
				t.Fatalf("fields %v, want [%s]", f, c.field)
			}
		})
	}
}

func TestTermsFromContract(t *testing.T) {
	k := allocation.Contract{FeeSchedule: map[string]int{"M1": 1500, "M3": 2200}}
	terms := TermsFromContract(k)
	terms.BucketRatesBP["M1"] = 1 // a copy: the contract is not changed
	if k.FeeSchedule["M1"] != 1500 || terms.BucketRatesBP["M3"] != 2200 || terms.Validate() != nil {
		t.Fatalf("terms %+v", terms)
	}
	// Today's rule is unchanged: the contract's fee for the bucket.
	got, _, _ := CommissionLine(confirmedPayment(12345), "M3", 0, 0, TermsFromContract(k))
	if got != allocation.Commission(12345, 2200) {
		t.Fatalf("got %d", got)
	}
}

func TestPeriodAdjustments(t *testing.T) {
	terms := tieredTerms()
	terms.Bonuses = []AdjustmentRule{{Code: "ptp_kept", AmountCents: 10000, CapCents: 20000}, {Code: "cure", RateBP: 100}}
	terms.Deductions = []AdjustmentRule{{Code: "conduct_breach", RateBP: 200, CapCents: 0}, {Code: "qa_failed_item", AmountCents: 500, CapCents: 1200}}
	got, err := PeriodAdjustments(terms, map[string]int{"ptp_kept": 3, "conduct_breach": 2, "qa_failed_item": 2, "not_in_contract": 9}, 123456)
	wantErr(t, err, "", "")
	type row struct {
		kind          AdjustmentKind
		code          string
		cents, uncaps int64
		capped        bool
	}
	var rows []row
	for _, a := range got {
		rows = append(rows, row{a.Kind, a.Code, a.AmountCents, a.UncappedCents, a.CapApplied})
	}
	want := []row{
		{AdjustBonus, "ptp_kept", 20000, 30000, true},            // 3 × 100.00, capped at 200.00
		{AdjustDeduction, "conduct_breach", -4938, -4938, false}, // 2 × 2% of 1234.56 = 49.3824 → 49.38, no cap
		{AdjustDeduction, "qa_failed_item", -1000, -1000, false}, // 2 × 5.00, under the cap
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("got %+v\nwant %+v", rows, want)
	}
	if got[1].BaseCents != 123456 || got[1].Events != 2 || got[1].RuleRateBP != 200 {
		t.Fatalf("working %+v", got[1])
	}
	// Half up on the magnitude: a deduction of 2.5 fen is 3 fen.
	got, _ = PeriodAdjustments(terms, map[string]int{"conduct_breach": 1}, 125)
	if len(got) != 1 || got[0].AmountCents != -3 {
		t.Fatalf("got %+v", got)
	}
	got, _ = PeriodAdjustments(terms, map[string]int{"qa_failed_item": 3}, 0)
	if len(got) != 1 || got[0].AmountCents != -1200 || !got[0].CapApplied {
		t.Fatalf("cap at 3 × 5.00: %+v", got)
	}
	got, _ = PeriodAdjustments(terms, nil, 10000)
	if len(got) != 0 {
		t.Fatalf("no events, no lines: %+v", got)
	}
	_, err = PeriodAdjustments(terms, map[string]int{"conduct_breach": -1}, 0)
	wantErr(t, err, collect.EINVALID, "err.billing.events_range")
	_, err = PeriodAdjustments(terms, nil, -1)
	wantErr(t, err, collect.EINVALID, "err.billing.amount_range")
	big := tieredTerms()
	big.Bonuses = []AdjustmentRule{{Code: "x", AmountCents: MaxAmountCents}}
	_, err = PeriodAdjustments(big, map[string]int{"x": 2}, 0)
	wantErr(t, err, collect.EINVALID, "err.billing.adjustment_too_large")
}

func TestMulDivHalfUp(t *testing.T) {
	for _, c := range []struct {
		a, b, d, want int64
		ok            bool
	}{
		{5, 1, 10, 1, true}, {4, 1, 10, 0, true}, {15, 1, 10, 2, true}, {0, 7, 3, 0, true},
		{MaxInvoiceCents, 10_000_000_000, 10000, 0, false},
		{math.MaxInt64, 1, 1, math.MaxInt64, true},
		{math.MaxInt64, 2, 1, 0, false},
		{1e12, 1e10, 1e4, 1e18, true},
	} {
		got, ok := mulDivHalfUp(c.a, c.b, c.d)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%d×%d÷%d = %d %v, want %d %v", c.a, c.b, c.d, got, ok, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for c, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 12345: "123.45", -100: "-1.00", math.MinInt64: "-92233720368547758.08"} {
		if got := FormatCents(c); got != want {
			t.Errorf("FormatCents(%d) = %s, want %s", c, got, want)
		}
	}
	for bp, want := range map[int]string{0: "0.00%", 1250: "12.50%", 10000: "100.00%", 5: "0.05%", -25: "-0.25%"} {
		if got := FormatBP(bp); got != want {
			t.Errorf("FormatBP(%d) = %s, want %s", bp, got, want)
		}
	}
}
