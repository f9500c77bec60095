package allocation_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"collect/allocation"
)

// stBands are the score bands a candidate can have, "" for not scored.
var stBands = []string{"", allocation.ScoreBandLow, allocation.ScoreBandMedium, allocation.ScoreBandHigh}

func stBanded(id, bucket, prov string, bal int64, band string) allocation.Candidate {
	c := stCand(id, bucket, prov, bal)
	c.ScoreBand = band
	return c
}

// stBandLabel is the stratum label BuildPlan gives a bucket and band under
// strata "score_band".
func stBandLabel(bucket, band string) string {
	if band == "" {
		return bucket + " not scored"
	}
	return bucket + " score " + band
}

// stWithBands gives the candidates score bands at random, weighted like a
// scored book (many low, fewer high) with some not scored.
func stWithBands(rng *rand.Rand, cands []allocation.Candidate) []allocation.Candidate {
	out := slices.Clone(cands)
	for i := range out {
		switch r := rng.IntN(20); {
		case r < 3:
			out[i].ScoreBand = ""
		case r < 11:
			out[i].ScoreBand = allocation.ScoreBandLow
		case r < 16:
			out[i].ScoreBand = allocation.ScoreBandMedium
		default:
			out[i].ScoreBand = allocation.ScoreBandHigh
		}
	}
	return out
}

func TestBuildPlanRulesScoreBand(t *testing.T) {
	cands := []allocation.Candidate{
		stBanded("s1", "M1", stGD, 1000, allocation.ScoreBandHigh),
		stBanded("s2", "M3", stGD, 1000, allocation.ScoreBandLow),
		stBanded("s3", "M1", stGD, 1000, allocation.ScoreBandLow),
		stBanded("s4", "M3", stJS, 1000, allocation.ScoreBandMedium),
		stBanded("s5", "M3", stGD, 1000, ""),
	}
	ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, "*"), stAgency("C", 10, "*")}
	tests := []struct {
		name  string
		rules []allocation.Rule
		want  map[string]string
		why   map[string]string
	}{
		{
			// s3 is low but M1; s5 has no score, so no band rule matches it.
			name: "band alone and with a bucket",
			rules: []allocation.Rule{
				{ScoreBand: allocation.ScoreBandHigh, AgencyID: "ag-a"},
				{Bucket: "M3", ScoreBand: allocation.ScoreBandLow, AgencyID: "ag-b"},
				{Province: stJS, ScoreBand: allocation.ScoreBandMedium, MinBalanceCents: 500, AgencyID: "ag-c"},
			},
			want: map[string]string{"s1": "ag-a", "s2": "ag-b", "s3": "!no_rule_matched", "s4": "ag-c", "s5": "!no_rule_matched"},
			why: map[string]string{
				"s1": "rule 1 (score band high) → Agency A",
				"s2": "rule 2 (bucket M3, score band low) → Agency B",
				"s4": "rule 3 (province 江苏省, score band medium, balance ≥ 5.00) → Agency C",
			},
		},
		{
			// A rule without a band matches every account, scored or not.
			name: "not scored falls through to a rule without a band",
			rules: []allocation.Rule{
				{ScoreBand: allocation.ScoreBandLow, AgencyID: "ag-b"},
				{Bucket: "M3", AgencyID: "ag-c"},
				{AgencyID: "ag-a"},
			},
			want: map[string]string{"s1": "ag-a", "s2": "ag-b", "s3": "ag-b", "s4": "ag-c", "s5": "ag-c"},
			why: map[string]string{
				"s1": "rule 3 (any account) → Agency A",
				"s2": "rule 1 (score band low) → Agency B",
				"s3": "rule 1 (score band low) → Agency B",
				"s4": "rule 2 (bucket M3) → Agency C",
				"s5": "rule 2 (bucket M3) → Agency C",
			},
		},
		{
			name:  "band rule when nothing is scored",
			rules: []allocation.Rule{{ScoreBand: allocation.ScoreBandHigh, AgencyID: "ag-a"}},
			want:  map[string]string{"s1": "!no_rule_matched", "s2": "!no_rule_matched", "s3": "!no_rule_matched", "s4": "!no_rule_matched", "s5": "!no_rule_matched"},
			why:   map[string]string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := cands
			if tc.name == "band rule when nothing is scored" {
				cs = slices.Clone(cands)
				for i := range cs {
					cs[i].ScoreBand = ""
				}
			}
			plan := stPlan(t, cs, ags, allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: tc.rules}, 1)
			if got := outcome(plan); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if got := reasons(plan); !reflect.DeepEqual(got, tc.why) {
				t.Errorf("reasons %v, want %v", got, tc.why)
			}
		})
	}
}

// The labels of score-band strata, in the reasons of every stratifying
// strategy: one stratum per bucket and band, the accounts without a score
// their own.
func TestBuildPlanStrataScoreBandLabels(t *testing.T) {
	var cands []allocation.Candidate
	for i, b := range []string{"M1", "M3", "M6+"} {
		for j, band := range stBands {
			for k := range 3 {
				cands = append(cands, stBanded(fmt.Sprintf("l%d%d%d", i, j, k), b, stGD, int64(1000*(k+1)), band))
			}
		}
	}
	ags := []allocation.AgencyTarget{stAgency("A", 100, "*"), stAgency("B", 100, "*")}
	ags[0].Score, ags[1].Score = 1, 3
	for _, p := range []allocation.PlanParams{
		{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand},
		{Strategy: allocation.StrategyPerformanceWeighted, Strata: allocation.StrataScoreBand},
		{Strategy: allocation.StrategyChampionChallenger, Strata: allocation.StrataScoreBand, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: 0.34},
	} {
		t.Run(p.Strategy, func(t *testing.T) {
			plan := stPlan(t, cands, ags, p, 7)
			if len(plan.Assignments) != len(cands) {
				t.Fatalf("assigned %d of %d", len(plan.Assignments), len(cands))
			}
			byID := map[string]allocation.Candidate{}
			for _, c := range cands {
				byID[c.AccountID] = c
			}
			labels := map[string]bool{}
			for _, as := range plan.Assignments {
				c := byID[as.AccountID]
				label := stBandLabel(c.Bucket, c.ScoreBand)
				want := "stratum " + label + ":"
				if p.Strategy == allocation.StrategyChampionChallenger {
					want = "stratum " + label + ")"
				}
				if !strings.Contains(as.Reason, want) {
					t.Errorf("%s (%s, band %q): reason %q does not name %q", as.AccountID, c.Bucket, c.ScoreBand, as.Reason, want)
				}
				if strings.Contains(as.Reason, "balance Q") {
					t.Errorf("%s: reason %q names a balance quartile", as.AccountID, as.Reason)
				}
				labels[label] = true
			}
			if len(labels) != 12 {
				t.Errorf("%d strata labels, want 12 (3 buckets × 4): %v", len(labels), labels)
			}
		})
	}
	t.Run("exact reasons", func(t *testing.T) {
		p := allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand}
		one := []allocation.Candidate{stBanded("x", "M3", stGD, 1, allocation.ScoreBandHigh), stBanded("y", "M3", stGD, 1, "")}
		got := reasons(stPlan(t, one, ags[:1], p, 1))
		want := map[string]string{
			"x": "stratum M3 score high: furthest behind its capacity share (100.0%) → Agency A",
			"y": "stratum M3 not scored: furthest behind its capacity share (100.0%) → Agency A",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reasons %v, want %v", got, want)
		}
		p = allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, Strata: allocation.StrataScoreBand, AgencyIDs: []string{"ag-a", "ag-b"}}
		got = reasons(stPlan(t, one[:1], ags, p, 1))
		if want := "champion group (20% challenger split, stratum M3 score high) → Agency A"; got["x"] != want {
			t.Errorf("reason %q, want %q", got["x"], want)
		}
	})
	t.Run("nothing scored", func(t *testing.T) {
		p := allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand}
		plan := stPlan(t, stFour, ags[:1], p, 1)
		for _, as := range plan.Assignments {
			if !strings.HasPrefix(as.Reason, "stratum M1 not scored:") {
				t.Errorf("%s: reason %q", as.AccountID, as.Reason)
			}
		}
	})
}

// champion_challenger with score-band strata splits every (bucket, band)
// stratum at the share: each band gives the challengers round(share × n) of
// its accounts, so both groups get the same band mix.
func TestBuildPlanChampionChallengerScoreBand(t *testing.T) {
	// M1: 50 high, 30 medium, 20 low, 25 not scored; M3: 15 high, 0
	// medium, 35 low, 5 not scored. Balances are all over the place, so
	// balance strata would not split the bands exactly.
	sizes := map[string][4]int{"M1": {25, 20, 30, 50}, "M3": {5, 35, 0, 15}} // by stBands order
	rng := rand.New(rand.NewPCG(21, 22))
	var cands []allocation.Candidate
	for _, b := range []string{"M1", "M3"} {
		for j, n := range sizes[b] {
			for k := range n {
				cands = append(cands, stBanded(fmt.Sprintf("cc-%s-%d-%03d", b, j, k), b, stGD, int64(100+rng.IntN(1_000_000)), stBands[j]))
			}
		}
	}
	ags := []allocation.AgencyTarget{stAgency("A", 1000, "*"), stAgency("B", 1000, "*"), stAgency("C", 1000, "*")}
	for _, share := range []float64{0.2, 0.5} {
		t.Run(fmt.Sprint("share ", share), func(t *testing.T) {
			p := allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, Strata: allocation.StrataScoreBand,
				AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}, ChallengerShare: share}
			plan := stPlan(t, cands, ags, p, 3)
			band := map[string]string{}
			for _, c := range cands {
				band[c.AccountID] = stBandLabel(c.Bucket, c.ScoreBand)
			}
			chall, all := map[string]int{}, map[string]int{}
			for _, as := range plan.Assignments {
				all[band[as.AccountID]]++
				if as.Group == allocation.GroupChallenger {
					chall[band[as.AccountID]]++
				}
			}
			for _, b := range []string{"M1", "M3"} {
				for j, n := range sizes[b] {
					label := stBandLabel(b, stBands[j])
					if all[label] != n {
						t.Errorf("%s: %d assigned, want %d", label, all[label], n)
					}
					if want := int(math.Round(share * float64(n))); chall[label] != want {
						t.Errorf("%s: %d of %d to the challengers, want round(%.1f × %d) = %d", label, chall[label], n, share, n, want)
					}
				}
			}
			// The challengers take turns across the strata.
			if c := counts(plan); c["ag-b"]-c["ag-c"] < -1 || c["ag-b"]-c["ag-c"] > 1 {
				t.Errorf("challengers B %d C %d", c["ag-b"], c["ag-c"])
			}
		})
	}
}

// capacity_balanced and performance_weighted with score-band strata: within
// every (bucket, band) stratum each agency holds its share, and when capacity
// binds the accounts left over are spread over the bands, so each agency's
// band mix is the portfolio's.
func TestBuildPlanWeightedScoreBand(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		ags      []allocation.AgencyTarget
		p        allocation.PlanParams
		wantA    int
		tolCount int
	}{
		{"capacity_balanced, capacity to spare", 400,
			[]allocation.AgencyTarget{stAgency("A", 200, "*"), stAgency("B", 600, "*")},
			allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand}, 100, 1},
		{"capacity_balanced, capacity binding", 2000,
			[]allocation.AgencyTarget{stAgency("A", 100, "*"), stAgency("B", 300, "*")},
			allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand}, 100, 0},
		{"performance_weighted by weights", 400,
			[]allocation.AgencyTarget{stAgency("A", 1000, "*"), stAgency("B", 1000, "*")},
			allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted, Strata: allocation.StrataScoreBand,
				Weights: map[string]float64{"ag-a": 1, "ag-b": 3}}, 100, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			cands := stWithBands(rng, stGenerate(rng, tc.n, false))
			plan := stPlan(t, cands, tc.ags, tc.p, 42)
			c := counts(plan)
			if d := c["ag-a"] - tc.wantA; d < -tc.tolCount || d > tc.tolCount {
				t.Errorf("A got %d, want %d±%d", c["ag-a"], tc.wantA, tc.tolCount)
			}
			byID := map[string]allocation.Candidate{}
			for _, c := range cands {
				byID[c.AccountID] = c
			}
			// Within each (bucket, band) stratum A holds a quarter of what
			// was assigned, give or take one and a half accounts.
			perA, perAll := map[string]int{}, map[string]int{}
			bandA, bandB := map[string]float64{}, map[string]float64{}
			for _, as := range plan.Assignments {
				cd := byID[as.AccountID]
				s := stBandLabel(cd.Bucket, cd.ScoreBand)
				perAll[s]++
				if as.AgencyID == "ag-a" {
					perA[s]++
					bandA[cd.ScoreBand]++
				} else {
					bandB[cd.ScoreBand]++
				}
				if !strings.HasPrefix(as.Reason, "stratum "+s+":") {
					t.Errorf("%s: reason %q, want stratum %s", as.AccountID, as.Reason, s)
				}
			}
			for s, n := range perAll {
				if d := float64(perA[s]) - 0.25*float64(n); math.Abs(d) > 1.5 {
					t.Errorf("stratum %s: A holds %d of %d", s, perA[s], n)
				}
			}
			// Each agency's band mix is the portfolio's, within 3 points.
			portfolio := map[string]float64{}
			for _, cd := range cands {
				portfolio[cd.ScoreBand] += 1 / float64(len(cands))
			}
			for _, band := range stBands {
				a, b := bandA[band]/float64(c["ag-a"]), bandB[band]/float64(c["ag-b"])
				if math.Abs(a-portfolio[band]) > 0.03 || math.Abs(b-portfolio[band]) > 0.03 {
					t.Errorf("band %q: A %.3f B %.3f of their accounts, portfolio %.3f", band, a, b, portfolio[band])
				}
			}
		})
	}
}

// Strata "" and "balance" are the same plan; "score_band" ignores the
// balance, and is as independent of the input order as the default.
func TestBuildPlanStrataParam(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	cands := stWithBands(rng, stGenerate(rng, 3000, true))
	ags := []allocation.AgencyTarget{stAgency("A", 900, "*"), stAgency("B", 800, "*"), stAgency("C", 700, "*")}
	ags[0].Score, ags[1].Score, ags[2].Score = 80, 60, 70
	for _, p := range []allocation.PlanParams{
		{Strategy: allocation.StrategyCapacityBalanced},
		{Strategy: allocation.StrategyPerformanceWeighted},
		{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}, ChallengerShare: 0.3},
	} {
		t.Run(p.Strategy, func(t *testing.T) {
			def := stPlan(t, cands, ags, p, 9)
			p.Strata = allocation.StrataBalance
			if bal := stPlan(t, cands, ags, p, 9); !reflect.DeepEqual(def, bal) {
				t.Error(`strata "balance" gave another plan than the default`)
			}
			p.Strata = allocation.StrataScoreBand
			first := stPlan(t, cands, ags, p, 9)
			if reflect.DeepEqual(first.Assignments, def.Assignments) {
				t.Error("score-band strata gave the same assignments as balance strata")
			}
			// Balances do not matter to score-band strata: the same plan
			// with every balance changed, apart from the balances shown.
			c2 := slices.Clone(cands)
			for i := range c2 {
				c2[i].BalanceCents = int64(len(c2) - i)
			}
			other := stPlan(t, c2, ags, p, 9)
			if !reflect.DeepEqual(outcome(first), outcome(other)) || !reflect.DeepEqual(reasons(first), reasons(other)) {
				t.Error("score-band strata depend on the balances")
			}
			c3 := slices.Clone(cands)
			rand.New(rand.NewPCG(1, 1)).Shuffle(len(c3), func(i, j int) { c3[i], c3[j] = c3[j], c3[i] })
			if again := stPlan(t, c3, ags, p, 9); !reflect.DeepEqual(first, again) {
				t.Error("inputs in another order gave another plan")
			}
		})
	}
	t.Run("strategies that do not stratify", func(t *testing.T) {
		for _, p := range stStrategies([]string{cands[0].AccountID, cands[1].AccountID})[:2] {
			def := stPlan(t, cands, ags, p, 9)
			p.Strata = allocation.StrataScoreBand
			if got := stPlan(t, cands, ags, p, 9); !reflect.DeepEqual(def, got) {
				t.Errorf("%s: strata changed the plan", p.Strategy)
			}
		}
	})
}

// Random inputs with score bands, rules on bands and score-band strata: the
// invariants of stCheck hold, and every account placed by a rule has the
// band the rule names.
func TestBuildPlanScoreBandProperties(t *testing.T) {
	provs := []string{stGD, stJS, stZJ}
	buckets := allocation.BucketNames()
	rng := rand.New(rand.NewPCG(51, 52))
	for iter := range 200 {
		na := 2 + rng.IntN(4)
		var ags []allocation.AgencyTarget
		for i := range na {
			a := stAgency(string(rune('A'+i)), rng.IntN(40), "*")
			a.Active = rng.IntN(6) != 0
			if rng.IntN(2) == 0 {
				a.LicensedProvinces = provs[:1+rng.IntN(2)]
			}
			a.Score = float64(rng.IntN(5))
			ags = append(ags, a)
		}
		var cands []allocation.Candidate
		for i := range rng.IntN(120) {
			c := stBanded(fmt.Sprintf("q%03d", i), buckets[rng.IntN(7)], provs[rng.IntN(3)], int64(rng.IntN(100_000)), stBands[rng.IntN(4)])
			if rng.IntN(20) == 0 {
				c.LegalHold = true
			}
			if rng.IntN(10) == 0 {
				c.RecalledBy = []string{ags[rng.IntN(na)].AgencyID}
			}
			cands = append(cands, c)
		}
		var rules []allocation.Rule
		for range 1 + rng.IntN(4) {
			r := allocation.Rule{AgencyID: ags[rng.IntN(na)].AgencyID, ScoreBand: stBands[rng.IntN(4)]}
			if rng.IntN(3) == 0 {
				r.Bucket = buckets[rng.IntN(7)]
			}
			rules = append(rules, r)
		}
		weights := map[string]float64{}
		for _, a := range ags {
			weights[a.AgencyID] = float64(1 + rng.IntN(3))
		}
		perm := rng.Perm(na)
		var group []string
		for _, i := range perm[:2+rng.IntN(na-1)] {
			group = append(group, ags[i].AgencyID)
		}
		band := map[string]string{}
		for _, c := range cands {
			band[c.AccountID] = c.ScoreBand
		}
		for _, p := range []allocation.PlanParams{
			{Strategy: allocation.StrategyRules, Rules: rules},
			{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand},
			{Strategy: allocation.StrategyPerformanceWeighted, Weights: weights, Strata: allocation.StrataScoreBand},
			{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: group, ChallengerShare: 0.05 + 0.9*rng.Float64(), Strata: allocation.StrataScoreBand},
		} {
			plan := stPlan(t, cands, ags, p, int64(iter))
			for _, as := range plan.Assignments {
				if p.Strategy == allocation.StrategyRules {
					// "rule N (...": the rule that placed it.
					num, _, _ := strings.Cut(strings.TrimPrefix(as.Reason, "rule "), " ")
					k, err := strconv.Atoi(num)
					if err != nil || k < 1 || k > len(rules) {
						t.Fatalf("%s: reason %q names no rule", as.AccountID, as.Reason)
					}
					if r := rules[k-1]; r.ScoreBand != "" && r.ScoreBand != band[as.AccountID] {
						t.Errorf("%s (band %q) placed by rule %d on band %q", as.AccountID, band[as.AccountID], k, r.ScoreBand)
					}
				} else if !strings.Contains(as.Reason, "stratum "+stBandLabel(as.Bucket, band[as.AccountID])) {
					t.Errorf("%s: reason %q, band %q", as.AccountID, as.Reason, band[as.AccountID])
				}
			}
			if t.Failed() {
				t.Fatalf("iteration %d, strategy %s", iter, p.Strategy)
			}
		}
	}
}
