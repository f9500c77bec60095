package allocation_test

import (
	"fmt"
	"slices"
	"testing"

	"collect/allocation"
	"collect/views"
)

// Each kind of assignment reason says in English the words it said before
// reasons were catalogue keys (the API's reason field), and in Chinese
// what a Chinese page shows, the nested words (conditions, strata, bands,
// shares) in Chinese too.
func TestReasonTexts(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	one := []allocation.Candidate{stCand("a1", "M1", stGD, 10000)}
	agA := []allocation.AgencyTarget{stAgency("A", 10, stGD)}
	var ten []allocation.Candidate
	for i := range 10 {
		ten = append(ten, stCand(fmt.Sprintf("c%02d", i), "M1", stGD, 5000))
	}
	abc := []allocation.AgencyTarget{stAgency("A", 100, stGD), stAgency("B", 100, stGD), stAgency("C", 100, stGD)}
	scored := []allocation.AgencyTarget{stAgency("A", 10, stGD), stAgency("B", 10, stGD)}
	scored[0].Score, scored[1].Score = 3, 1
	tests := []struct {
		name   string
		cands  []allocation.Candidate
		ags    []allocation.AgencyTarget
		p      allocation.PlanParams
		en, zh []string // the distinct reasons of the assignments, sorted
	}{
		{"manual", one, agA, allocation.PlanParams{Strategy: allocation.StrategyManual, AgencyID: "ag-a", AccountIDs: []string{"a1"}},
			[]string{"chosen by hand → Agency A"},
			[]string{"手工指定 → Agency A"}},
		{"rule with every condition",
			[]allocation.Candidate{stBanded("r1", "M3", stGD, 200000, allocation.ScoreBandHigh)}, agA,
			allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: []allocation.Rule{
				{Bucket: "M3", Province: stGD, ScoreBand: allocation.ScoreBandHigh, MinBalanceCents: 100000, MaxBalanceCents: 500000, AgencyID: "ag-a"}}},
			[]string{"rule 1 (bucket M3, province 广东省, score band high, balance 1000.00–5000.00) → Agency A"},
			[]string{"规则 1（账龄 M3，省份 广东省，评分段 高，余额 1000.00–5000.00 元）→ Agency A"}},
		{"rules: minimum balance, maximum balance, any account, medium and low bands",
			[]allocation.Candidate{stCand("r1", "M1", stGD, 200000), stCand("r2", "M1", stGD, 1000), stCand("r3", "M2", stGD, 9000),
				stBanded("r4", "M6", stGD, 9000, allocation.ScoreBandMedium), stBanded("r5", "M6", stGD, 9000, allocation.ScoreBandLow)},
			[]allocation.AgencyTarget{stAgency("A", 10, stGD), stAgency("B", 10, stGD), stAgency("C", 10, stGD)},
			allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: []allocation.Rule{
				{Bucket: "M6", ScoreBand: allocation.ScoreBandMedium, AgencyID: "ag-c"},
				{Bucket: "M6", ScoreBand: allocation.ScoreBandLow, AgencyID: "ag-c"},
				{MinBalanceCents: 100000, AgencyID: "ag-b"},
				{MaxBalanceCents: 5050, AgencyID: "ag-a"},
				{AgencyID: "ag-c"}}},
			[]string{"rule 1 (bucket M6, score band medium) → Agency C", "rule 2 (bucket M6, score band low) → Agency C",
				"rule 3 (balance ≥ 1000.00) → Agency B", "rule 4 (balance ≤ 50.50) → Agency A", "rule 5 (any account) → Agency C"},
			[]string{"规则 1（账龄 M6，评分段 中）→ Agency C", "规则 2（账龄 M6，评分段 低）→ Agency C",
				"规则 3（余额 ≥ 1000.00 元）→ Agency B", "规则 4（余额 ≤ 50.50 元）→ Agency A", "规则 5（任意账户）→ Agency C"}},
		{"capacity balanced", one, agA, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced},
			[]string{"stratum M1 balance Q4: furthest behind its capacity share (100.0%) → Agency A"},
			[]string{"分层 M1 余额第 4 四分位：距其产能份额（100.0%）缺口最大 → Agency A"}},
		{"capacity balanced by score band",
			[]allocation.Candidate{stCand("s1", "M1", stGD, 100), stBanded("s2", "M2", stGD, 100, allocation.ScoreBandMedium)}, agA,
			allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, Strata: allocation.StrataScoreBand},
			[]string{"stratum M1 not scored: furthest behind its capacity share (100.0%) → Agency A",
				"stratum M2 score medium: furthest behind its capacity share (100.0%) → Agency A"},
			[]string{"分层 M1 未评分：距其产能份额（100.0%）缺口最大 → Agency A",
				"分层 M2 评分段 中：距其产能份额（100.0%）缺口最大 → Agency A"}},
		{"performance weighted by score", one, scored, allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted},
			[]string{"stratum M1 balance Q4: furthest behind its score share (75.0%) → Agency A"},
			[]string{"分层 M1 余额第 4 四分位：距其评分份额（75.0%）缺口最大 → Agency A"}},
		{"performance weighted by given weights", one, agA,
			allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted, Weights: map[string]float64{"ag-a": 2}},
			[]string{"stratum M1 balance Q4: furthest behind its weight share (100.0%) → Agency A"},
			[]string{"分层 M1 余额第 4 四分位：距其权重份额（100.0%）缺口最大 → Agency A"}},
		{"champion and challengers", ten, abc,
			allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}, ChallengerShare: 0.2},
			[]string{"challenger group (20% challenger split, stratum M1 balance Q4) → Agency B",
				"challenger group (20% challenger split, stratum M1 balance Q4) → Agency C",
				"champion group (20% challenger split, stratum M1 balance Q4) → Agency A"},
			[]string{"冠军组（挑战者占 20%，分层 M1 余额第 4 四分位）→ Agency A",
				"挑战者组（挑战者占 20%，分层 M1 余额第 4 四分位）→ Agency B",
				"挑战者组（挑战者占 20%，分层 M1 余额第 4 四分位）→ Agency C"}},
		{"an ineligible agency's account given to another of its group, a share with a decimal",
			ten, []allocation.AgencyTarget{stAgency("A", 100), stAgency("B", 100), abc[2], stAgency("D", 100, stGD)},
			allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-d", "ag-b", "ag-c"}, ChallengerShare: 0.25},
			[]string{"challenger group (25% challenger split, stratum M1 balance Q4) → Agency C",
				"challenger group (25% challenger split, stratum M1 balance Q4) → Agency C (Agency B ineligible)",
				"challenger group (25% challenger split, stratum M1 balance Q4) → Agency D"},
			[]string{"挑战者组（挑战者占 25%，分层 M1 余额第 4 四分位）→ Agency C",
				"挑战者组（挑战者占 25%，分层 M1 余额第 4 四分位）→ Agency C（Agency B 不符合条件）",
				"挑战者组（挑战者占 25%，分层 M1 余额第 4 四分位）→ Agency D"}},
		{"a champion licensed nowhere, a share of 12.5%", ten, []allocation.AgencyTarget{stAgency("A", 100), abc[1]},
			allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: 0.125},
			[]string{"challenger group (12.5% challenger split, stratum M1 balance Q4) → Agency B"},
			[]string{"挑战者组（挑战者占 12.5%，分层 M1 余额第 4 四分位）→ Agency B"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := stPlan(t, tc.cands, tc.ags, tc.p, 1)
			if len(plan.Assignments) == 0 {
				t.Fatalf("nothing assigned: %+v", plan.Unassigned)
			}
			var en, zhs []string
			for _, as := range plan.Assignments {
				en = append(en, as.Reason)
				if as.ReasonNo < 0 || as.ReasonNo >= len(plan.Reasons) {
					t.Fatalf("%s: reason %d of %d", as.AccountID, as.ReasonNo, len(plan.Reasons))
				}
				why := plan.Reasons[as.ReasonNo]
				if got := views.English().Message(why.Key, why.Args); got != as.Reason {
					t.Errorf("%s: the key renders %q in English, the reason is %q", as.AccountID, got, as.Reason)
				}
				zhs = append(zhs, zh.Message(why.Key, why.Args))
			}
			slices.Sort(en)
			slices.Sort(zhs)
			if en, zhs = slices.Compact(en), slices.Compact(zhs); !slices.Equal(en, tc.en) {
				t.Errorf("English\n got %q\nwant %q", en, tc.en)
			}
			if !slices.Equal(zhs, tc.zh) {
				t.Errorf("Chinese\n got %q\nwant %q", zhs, tc.zh)
			}
		})
	}
}

// The reasons the portal gives for ending a placement say in English the
// words they said before they were catalogue keys (the API's end_reason).
func TestEndReasonTexts(t *testing.T) {
	want := map[string]string{
		allocation.EndPaidInFull:   "paid in full",
		allocation.EndOfferExpired: "offer not accepted in time",
		allocation.EndTermEnded:    "term ended",
	}
	if len(allocation.EndReasons) != len(want) {
		t.Errorf("%d end reasons, want %d", len(allocation.EndReasons), len(want))
	}
	for _, k := range allocation.EndReasons {
		if got := allocation.EndReasonText(k); got != want[k] {
			t.Errorf("%s: %q, want %q", k, got, want[k])
		}
	}
}
