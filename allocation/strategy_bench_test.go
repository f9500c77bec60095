package allocation_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"collect/allocation"
	"collect/portal/demo/debtors"
)

// strategyBenchPortfolio generates n candidates shaped like a real delinquent
// portfolio (ids like UUIDv7, DPD and balances as debtors.Account
// draws them, provinces weighted towards the populous ones, a few percent
// flagged or recalled, most with a propensity score band) and 20 agencies: some nationwide, some regional, two
// specialists in late buckets, capacities adding up to about the portfolio.
func strategyBenchPortfolio(n int) ([]allocation.Candidate, []allocation.AgencyTarget) {
	rng := rand.New(rand.NewPCG(2026, 7))
	provs := debtors.Provinces()
	cands := make([]allocation.Candidate, n)
	ms := uint64(0x0196_0000_0000)
	for i := range cands {
		ms += uint64(rng.IntN(3))
		id := fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", ms>>16, ms&0xffff, rng.IntN(1<<12), 0x8000|rng.IntN(1<<14), rng.Uint64()&(1<<48-1))
		principal := int64(3000+rng.ExpFloat64()*25000) * 100
		principal = min(principal, 300000*100)
		dpd := min(1+int(rng.ExpFloat64()*110), 900)
		p := min(rng.IntN(len(provs)), rng.IntN(len(provs))) // skewed towards the populous
		c := allocation.Candidate{
			AccountID:    id,
			Bucket:       allocation.Bucket(dpd, allocation.DefaultBands),
			Province:     provs[p],
			BalanceCents: principal * int64(40+rng.IntN(75)) / 100,
		}
		switch f := rng.IntN(1000); {
		case f < 20:
			c.DisputeOpen = true
		case f < 25:
			c.LegalHold = true
		case f < 30:
			c.CeaseCommunication = true
		case f < 31:
			c.Deceased = true
		case f < 34:
			c.Bankrupt = true
		}
		if rng.IntN(100) == 0 {
			c.RecalledBy = []string{fmt.Sprintf("ag-%02d", rng.IntN(20))}
		}
		cands[i] = c
	}
	// Score bands from a stream of their own, so that the rest of the
	// portfolio is what it was before candidates had bands: about 15 % not
	// scored, then mostly low.
	brng := rand.New(rand.NewPCG(2026, 8))
	for i := range cands {
		switch r := brng.IntN(20); {
		case r < 3:
		case r < 11:
			cands[i].ScoreBand = allocation.ScoreBandLow
		case r < 16:
			cands[i].ScoreBand = allocation.ScoreBandMedium
		default:
			cands[i].ScoreBand = allocation.ScoreBandHigh
		}
	}
	// Shuffle so the input is in no particular order.
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })

	ags := make([]allocation.AgencyTarget, 20)
	for i := range ags {
		a := allocation.AgencyTarget{
			AgencyID: fmt.Sprintf("ag-%02d", i),
			Name:     fmt.Sprintf("Agency %02d", i),
			Active:   i != 19,
			Capacity: n / 20 * (80 + rng.IntN(60)) / 100,
			Score:    50 + 45*rng.Float64(),
			FeeBPByBucket: map[string]int{"M1": 800, "M2": 1200, "M3": 1600, "M4": 2000,
				"M5": 2400, "M6": 2800, "M6+": 3500},
		}
		switch {
		case i < 8:
			a.LicensedProvinces = []string{"*"}
		case i < 18:
			a.LicensedProvinces = []string{provs[rng.IntN(len(provs))], provs[rng.IntN(len(provs))], provs[rng.IntN(len(provs))]}
		default:
			a.LicensedProvinces = []string{"*"}
			a.AcceptedBuckets = []string{"M6", "M6+"}
		}
		ags[i] = a
	}
	return cands, ags
}

// strategyBenchRules: per-bucket rules, big balances to the first agencies,
// regional agencies for their first province, and a catch-all per bucket.
func strategyBenchRules(ags []allocation.AgencyTarget) []allocation.Rule {
	var rs []allocation.Rule
	rs = append(rs, allocation.Rule{Bucket: "M6+", AgencyID: "ag-18"}, allocation.Rule{Bucket: "M6", AgencyID: "ag-19"})
	rs = append(rs, allocation.Rule{MinBalanceCents: 5_000_000, AgencyID: "ag-00"})
	for i := 8; i < 18; i++ {
		rs = append(rs, allocation.Rule{Province: ags[i].LicensedProvinces[0], MaxBalanceCents: 2_000_000, AgencyID: ags[i].AgencyID})
	}
	for i, b := range allocation.BucketNames() {
		rs = append(rs, allocation.Rule{Bucket: b, AgencyID: ags[1+i].AgencyID})
	}
	return rs
}

var strategyBenchInput = sync.OnceValues(func() ([]allocation.Candidate, []allocation.AgencyTarget) {
	return strategyBenchPortfolio(1_000_000)
})

func BenchmarkBuildPlan(b *testing.B) {
	cands, ags := strategyBenchInput()
	cases := []struct {
		name string
		p    allocation.PlanParams
	}{
		{"capacity_balanced", allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}},
		{"performance_weighted", allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted}},
		{"champion_challenger", allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger,
			AgencyIDs: []string{"ag-00", "ag-01", "ag-02", "ag-03"}, ChallengerShare: 0.2}},
		{"rules", allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: strategyBenchRules(ags)}},
		{"capacity_balanced_by_band", allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand}},
		{"champion_challenger_by_band", allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, Strata: allocation.StrataScoreBand,
			AgencyIDs: []string{"ag-00", "ag-01", "ag-02", "ag-03"}, ChallengerShare: 0.2}},
		{"rules_on_band", allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: append([]allocation.Rule{
			{ScoreBand: allocation.ScoreBandHigh, Bucket: "M1", AgencyID: "ag-04"},
			{ScoreBand: allocation.ScoreBandLow, MinBalanceCents: 2_000_000, AgencyID: "ag-05"},
		}, strategyBenchRules(ags)...)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var plan allocation.Plan
			for i := 0; b.Loop(); i++ {
				var err error
				plan, err = allocation.BuildPlan(cands, ags, tc.p, int64(i))
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(cands))*float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
			b.ReportMetric(float64(len(plan.Assignments)), "assigned")
		})
	}
}
