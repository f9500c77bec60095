package billing

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strings"

	"collect"
	"collect/allocation"
)

// RateSource says where a line's rate came from.
type RateSource string

// Rate sources.
const (
	RateBucket RateSource = "bucket" // the contract's fee for the account's bucket
	RateTier   RateSource = "tier"   // the tier the placement vintage's liquidation reached
)

// Tier is a rate that applies once the placement vintage's liquidation
// (recoveries ÷ placed balance, in basis points) reaches MinLiquidationBP.
type Tier struct {
	MinLiquidationBP int `json:"min_liquidation_bp"`
	RateBP           int `json:"rate_bp"`
}

// AdjustmentRule is a bonus or a deduction per counted event (a conduct
// breach, a failed quality item, ...): AmountCents per event, or RateBP per
// event of the period's commission, and at most CapCents a period.
type AdjustmentRule struct {
	Code        string `json:"code"` // the event counted, e.g. conduct_breach, qa_failed_item
	AmountCents int64  `json:"amount_cents,omitempty"`
	RateBP      int    `json:"rate_bp,omitempty"`
	CapCents    int64  `json:"cap_cents"` // a period's most; 0 = no cap
}

// CommissionTerms are what an agency earns under a contract.
type CommissionTerms struct {
	BucketRatesBP map[string]int `json:"bucket_rates_bp"`
	// Tiers, ascending by MinLiquidationBP: the highest reached replaces the
	// bucket rate.
	Tiers      []Tier           `json:"tiers,omitempty"`
	Bonuses    []AdjustmentRule `json:"bonuses,omitempty"`
	Deductions []AdjustmentRule `json:"deductions,omitempty"`
	// MinPerAccountCents is a floor on an account's commission: a line tops
	// the account up to it (0 = none). MaxPerAccountCents is a ceiling on
	// it (0 = none).
	MinPerAccountCents int64 `json:"min_per_account_cents"`
	MaxPerAccountCents int64 `json:"max_per_account_cents"`
}

// MaxEvents is the most events one rule counts in a period.
const MaxEvents = 1_000_000

var ruleCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// TermsFromContract are the bucket terms of a contract as it is today (its
// fee schedule), with no tiers, adjustments or limits.
func TermsFromContract(c allocation.Contract) CommissionTerms {
	return CommissionTerms{BucketRatesBP: maps.Clone(c.FeeSchedule)}
}

// Validate checks the terms: rates 0..10000 bp, tiers strictly ascending,
// minimum ≤ maximum, caps ≥ 0, each rule an amount or a rate.
func (t CommissionTerms) Validate() error {
	var fields []collect.FieldError
	if len(t.BucketRatesBP) == 0 && len(t.Tiers) == 0 {
		fields = append(fields, collect.Field("bucket_rates_bp", "err.billing.terms_no_rate"))
	}
	for _, b := range slices.Sorted(maps.Keys(t.BucketRatesBP)) {
		if strings.TrimSpace(b) == "" {
			fields = append(fields, collect.Field("bucket_rates_bp", "err.billing.bucket_name"))
		} else if bp := t.BucketRatesBP[b]; bp < 0 || bp > 10000 {
			fields = append(fields, collect.Field("bucket_rates_bp", "err.billing.bucket_rate_range", "bucket", b))
		}
	}
	for i, tr := range t.Tiers {
		if tr.MinLiquidationBP < 0 || tr.MinLiquidationBP > 10000 {
			fields = append(fields, collect.Field(fmt.Sprintf("tiers.%d.min_liquidation_bp", i), "err.billing.bp_range"))
		}
		if tr.RateBP < 0 || tr.RateBP > 10000 {
			fields = append(fields, collect.Field(fmt.Sprintf("tiers.%d.rate_bp", i), "err.billing.bp_range"))
		}
		if i > 0 && tr.MinLiquidationBP <= t.Tiers[i-1].MinLiquidationBP {
			fields = append(fields, collect.Field(fmt.Sprintf("tiers.%d.min_liquidation_bp", i), "err.billing.tiers_ascending"))
		}
	}
	if t.MinPerAccountCents < 0 || t.MinPerAccountCents > MaxAmountCents {
		fields = append(fields, collect.Field("min_per_account_cents", "err.billing.amount_range"))
	}
	if t.MaxPerAccountCents < 0 || t.MaxPerAccountCents > MaxAmountCents {
		fields = append(fields, collect.Field("max_per_account_cents", "err.billing.amount_range"))
	} else if t.MaxPerAccountCents > 0 && t.MinPerAccountCents > t.MaxPerAccountCents {
		fields = append(fields, collect.Field("max_per_account_cents", "err.billing.min_above_max"))
	}
	codes := map[string]bool{}
	for _, list := range []struct {
		name  string
		rules []AdjustmentRule
	}{{"bonuses", t.Bonuses}, {"deductions", t.Deductions}} {
		for i, r := range list.rules {
			f := func(n string) string { return fmt.Sprintf("%s.%d.%s", list.name, i, n) }
			switch {
			case !ruleCode.MatchString(r.Code):
				fields = append(fields, collect.Field(f("code"), "err.billing.rule_code"))
			case codes[r.Code]:
				fields = append(fields, collect.Field(f("code"), "err.billing.rule_code_twice", "code", r.Code))
			}
			codes[r.Code] = true
			if (r.AmountCents > 0) == (r.RateBP > 0) || r.AmountCents < 0 || r.RateBP < 0 {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.rule_amount_or_rate"))
			}
			if r.AmountCents > MaxAmountCents {
				fields = append(fields, collect.Field(f("amount_cents"), "err.billing.amount_range"))
			}
			if r.RateBP > 10000 {
				fields = append(fields, collect.Field(f("rate_bp"), "err.billing.bp_range"))
			}
			if r.CapCents < 0 || r.CapCents > MaxAmountCents {
				fields = append(fields, collect.Field(f("cap_cents"), "err.billing.cap_range"))
			}
		}
	}
	return allocation.FieldErrors(fields)
}

// Rate is the rate for a payment on an account in bucket whose placement
// vintage has reached vintageLiquidationBP: the highest tier reached, else
// the bucket's. tier is the tier applied, if any.
func (t CommissionTerms) Rate(bucket string, vintageLiquidationBP int) (rateBP int, source RateSource, tier *Tier, err error) {
	for i := len(t.Tiers) - 1; i >= 0; i-- {
		if t.Tiers[i].MinLiquidationBP <= vintageLiquidationBP {
			tr := t.Tiers[i]
			return tr.RateBP, RateTier, &tr, nil
		}
	}
	bp, ok := t.BucketRatesBP[bucket]
	if !ok {
		return 0, "", nil, collect.E(collect.EINVALID, "err.billing.bucket_no_rate", "bucket", bucket)
	}
	return bp, RateBucket, nil, nil
}

// Explanation says how a statement line's commission was reached.
type Explanation struct {
	Source               RateSource `json:"source"`
	Bucket               string     `json:"bucket"`
	TierMinLiquidationBP int        `json:"tier_min_liquidation_bp,omitempty"`
	VintageLiquidationBP int        `json:"vintage_liquidation_bp"`
	RateBP               int        `json:"rate_bp"`
	PaymentCents         int64      `json:"payment_cents"` // the commissionable amount
	RateCents            int64      `json:"rate_cents"`    // PaymentCents at RateBP, half up on the fen
	EarnedBeforeCents    int64      `json:"earned_before_cents"`
	MinPerAccountCents   int64      `json:"min_per_account_cents,omitempty"`
	MaxPerAccountCents   int64      `json:"max_per_account_cents,omitempty"`
	MinApplied           bool       `json:"min_applied"`         // topped up to the account's minimum
	PaymentCapApplied    bool       `json:"payment_cap_applied"` // cut to the payment itself
	MaxApplied           bool       `json:"max_applied"`         // cut to the account's maximum
	Cents                int64      `json:"cents"`
}

// Phrases say the explanation in the catalogue's words: the rate and its
// source, then each limit applied.
func (e Explanation) Phrases() []collect.Phrase {
	var out []collect.Phrase
	if e.Source == RateTier {
		out = append(out, collect.Say("err.billing.explain.tier", "rate", FormatBP(e.RateBP), "amount", FormatCents(e.PaymentCents),
			"reached", FormatBP(e.VintageLiquidationBP), "tier", FormatBP(e.TierMinLiquidationBP)))
	} else {
		out = append(out, collect.Say("err.billing.explain.bucket", "rate", FormatBP(e.RateBP), "amount", FormatCents(e.PaymentCents), "bucket", e.Bucket))
	}
	if e.MinApplied {
		out = append(out, collect.Say("err.billing.explain.min", "min", FormatCents(e.MinPerAccountCents), "before", FormatCents(e.EarnedBeforeCents)))
	}
	if e.PaymentCapApplied {
		out = append(out, collect.Say("err.billing.explain.payment_cap"))
	}
	if e.MaxApplied {
		out = append(out, collect.Say("err.billing.explain.max", "max", FormatCents(e.MaxPerAccountCents), "before", FormatCents(e.EarnedBeforeCents)))
	}
	return out
}

// CommissionLine is what a confirmed payment earns on an account in bucket,
// whose placement vintage has reached vintageLiquidationBP (as the store
// computes it at the statement's cut-off), when the agency has already
// earned alreadyEarnedOnAccountCents on the account under this contract:
//
//  1. the rate: the highest tier reached, else the bucket's;
//  2. the commissionable amount at that rate, half up on the fen;
//  3. topped up so the account reaches MinPerAccountCents;
//  4. never more than the commissionable amount itself;
//  5. cut so the account stays within MaxPerAccountCents.
func CommissionLine(p Payment, bucket string, vintageLiquidationBP int, alreadyEarnedOnAccountCents int64, t CommissionTerms) (int64, Explanation, error) {
	if err := t.Validate(); err != nil {
		return 0, Explanation{}, err
	}
	if p.Status != StatusConfirmed {
		return 0, Explanation{}, collect.E(collect.ECONFLICT, "err.billing.commission_unconfirmed", "status", string(p.Status))
	}
	if p.AmountCents <= 0 || p.AmountCents > MaxAmountCents || p.OverpaidCents < 0 || p.OverpaidCents > p.AmountCents {
		return 0, Explanation{}, collect.Invalid("amount_cents", "err.payment.amount")
	}
	if vintageLiquidationBP < 0 {
		return 0, Explanation{}, collect.Invalid("vintage_liquidation_bp", "err.billing.liquidation_negative")
	}
	earned := alreadyEarnedOnAccountCents
	if earned < 0 || earned > MaxAmountCents {
		return 0, Explanation{}, collect.Invalid("already_earned_cents", "err.billing.amount_range")
	}
	rate, source, tier, err := t.Rate(bucket, vintageLiquidationBP)
	if err != nil {
		return 0, Explanation{}, err
	}
	amount := p.CommissionableCents()
	e := Explanation{Source: source, Bucket: bucket, VintageLiquidationBP: vintageLiquidationBP, RateBP: rate,
		PaymentCents: amount, EarnedBeforeCents: earned, MinPerAccountCents: t.MinPerAccountCents, MaxPerAccountCents: t.MaxPerAccountCents}
	if tier != nil {
		e.TierMinLiquidationBP = tier.MinLiquidationBP
	}
	e.RateCents = allocation.Commission(amount, rate)
	c := e.RateCents
	if t.MinPerAccountCents > 0 && earned+c < t.MinPerAccountCents {
		c, e.MinApplied = t.MinPerAccountCents-earned, true
	}
	if c > amount {
		c, e.PaymentCapApplied = amount, true
	}
	if t.MaxPerAccountCents > 0 && earned+c > t.MaxPerAccountCents {
		c, e.MaxApplied = max(0, t.MaxPerAccountCents-earned), true
	}
	e.Cents = c
	return c, e, nil
}

// PeriodAdjustments are the bonuses and deductions of one agency's period
// (a month) under terms: events counts the period's events by rule code,
// periodCommissionCents is the commission of the period's lines (the base
// of a rate rule). A bonus is positive, a deduction negative; each is
// capped at its rule's CapCents. Rules with no events give no line; event
// codes no rule names are not the contract's business and are ignored.
func PeriodAdjustments(t CommissionTerms, events map[string]int, periodCommissionCents int64) ([]Adjustment, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if periodCommissionCents < 0 || periodCommissionCents > MaxInvoiceCents {
		return nil, collect.Invalid("period_commission_cents", "err.billing.amount_range")
	}
	for _, code := range slices.Sorted(maps.Keys(events)) {
		if n := events[code]; n < 0 || n > MaxEvents {
			return nil, collect.Invalid("events", "err.billing.events_range", "code", code, "max", MaxEvents)
		}
	}
	var out []Adjustment
	for _, list := range []struct {
		kind  AdjustmentKind
		sign  int64
		rules []AdjustmentRule
	}{{AdjustBonus, 1, t.Bonuses}, {AdjustDeduction, -1, t.Deductions}} {
		for _, r := range list.rules {
			n := events[r.Code]
			if n == 0 {
				continue
			}
			var raw int64
			if r.AmountCents > 0 {
				raw = int64(n) * r.AmountCents
			} else {
				var ok bool
				if raw, ok = mulDivHalfUp(periodCommissionCents, int64(n)*int64(r.RateBP), 10000); !ok {
					return nil, collect.Invalid("events", "err.billing.adjustment_too_large", "code", r.Code)
				}
			}
			a := Adjustment{Kind: list.kind, Code: r.Code, Events: n, RuleAmountCents: r.AmountCents, RuleRateBP: r.RateBP,
				BaseCents: periodCommissionCents, UncappedCents: list.sign * raw, CapCents: r.CapCents}
			if r.CapCents > 0 && raw > r.CapCents {
				raw, a.CapApplied = r.CapCents, true
			}
			if raw > MaxAmountCents {
				return nil, collect.Invalid("events", "err.billing.adjustment_too_large", "code", r.Code)
			}
			a.AmountCents = list.sign * raw
			out = append(out, a)
		}
	}
	return out, nil
}

// mulDivHalfUp is a×b÷d rounded half up, for a, b ≥ 0 and d > 0, in 128
// bits; false when the result does not fit an int64.
func mulDivHalfUp(a, b, d int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	lo, carry := bits.Add64(lo, uint64(d/2), 0)
	hi += carry
	if hi >= uint64(d) {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// FormatCents writes an amount in minor units with two decimals: 12345 is
// "123.45", -5 is "-0.05".
func FormatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// FormatBP writes basis points as a percentage: 1250 is "12.50%".
func FormatBP(bp int) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, bp/100, bp%100)
}
