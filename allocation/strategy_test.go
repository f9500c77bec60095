package allocation_test

import (
	"collect"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"collect/allocation"
	"collect/portal/demo/debtors"
)

const (
	stGD = "广东省"
	stJS = "江苏省"
	stZJ = "浙江省"
)

var stFees = map[string]int{"M1": 1000, "M2": 1200, "M3": 1800, "M4": 2200, "M5": 2600, "M6": 3000, "M6+": 3500}

func stCand(id, bucket, prov string, bal int64) allocation.Candidate {
	return allocation.Candidate{AccountID: id, Bucket: bucket, Province: prov, BalanceCents: bal}
}

// stAgency is an active agency "Agency X" with id "ag-x", licensed in provs.
func stAgency(letter string, capacity int, provs ...string) allocation.AgencyTarget {
	return allocation.AgencyTarget{
		AgencyID: "ag-" + strings.ToLower(letter), Name: "Agency " + letter, Active: true,
		LicensedProvinces: provs, Capacity: capacity, FeeBPByBucket: stFees,
	}
}

// stPlan builds a plan, fails the test on error and checks the invariants
// every plan must hold.
func stPlan(t *testing.T, cands []allocation.Candidate, ags []allocation.AgencyTarget, p allocation.PlanParams, seed int64) allocation.Plan {
	t.Helper()
	plan, err := allocation.BuildPlan(cands, ags, p, seed)
	if err != nil {
		t.Fatalf("BuildPlan(%s): %v", p.Strategy, err)
	}
	stCheck(t, cands, ags, p, plan)
	return plan
}

// stCheck verifies what holds for every plan: sorted output, never over
// capacity, every assignment eligible and explained, fees from the schedule,
// every candidate accounted for once, the mixes adding up.
func stCheck(t *testing.T, cands []allocation.Candidate, ags []allocation.AgencyTarget, p allocation.PlanParams, plan allocation.Plan) {
	t.Helper()
	byID := map[string]allocation.Candidate{}
	for _, c := range cands {
		byID[c.AccountID] = c
	}
	agByID := map[string]allocation.AgencyTarget{}
	for _, a := range ags {
		agByID[a.AgencyID] = a
	}
	if plan.Strategy != p.Strategy {
		t.Errorf("plan.Strategy = %q, want %q", plan.Strategy, p.Strategy)
	}
	if !slices.IsSortedFunc(plan.Assignments, func(x, y allocation.Assignment) int { return strings.Compare(x.AccountID, y.AccountID) }) {
		t.Errorf("assignments not sorted by account id")
	}
	if !slices.IsSortedFunc(plan.Unassigned, func(x, y allocation.Unassigned) int { return strings.Compare(x.AccountID, y.AccountID) }) {
		t.Errorf("unassigned not sorted by account id")
	}
	seen := map[string]bool{}
	count := map[string]int{}
	wantCode := map[string]string{
		allocation.StrategyManual: allocation.ReasonManual, allocation.StrategyRules: allocation.ReasonRule,
		allocation.StrategyCapacityBalanced: allocation.ReasonBalanced, allocation.StrategyPerformanceWeighted: allocation.ReasonWeighted,
	}[p.Strategy]
	for _, as := range plan.Assignments {
		if seen[as.AccountID] {
			t.Errorf("account %s appears twice", as.AccountID)
		}
		seen[as.AccountID] = true
		c, ok := byID[as.AccountID]
		if !ok {
			t.Errorf("assignment of unknown account %s", as.AccountID)
			continue
		}
		a, ok := agByID[as.AgencyID]
		if !ok {
			t.Errorf("%s assigned to unknown agency %s", as.AccountID, as.AgencyID)
			continue
		}
		count[a.AgencyID]++
		if as.Reason == "" {
			t.Errorf("%s: empty reason", as.AccountID)
		}
		if p.Strategy == allocation.StrategyChampionChallenger {
			if as.Group != as.ReasonCode || (as.Group != allocation.GroupChampion && as.Group != allocation.GroupChallenger) {
				t.Errorf("%s: group %q reason code %q", as.AccountID, as.Group, as.ReasonCode)
			}
			if isChamp := as.AgencyID == p.AgencyIDs[0]; isChamp != (as.Group == allocation.GroupChampion) {
				t.Errorf("%s: agency %s in group %s", as.AccountID, as.AgencyID, as.Group)
			}
		} else if as.ReasonCode != wantCode || as.Group != "" {
			t.Errorf("%s: reason code %q group %q, want %q and no group", as.AccountID, as.ReasonCode, as.Group, wantCode)
		}
		if as.Bucket != c.Bucket || as.BalanceCents != c.BalanceCents || as.FeeRateBP != a.FeeBPByBucket[c.Bucket] {
			t.Errorf("%s: bucket/balance/fee %s/%d/%d, want %s/%d/%d", as.AccountID, as.Bucket, as.BalanceCents, as.FeeRateBP, c.Bucket, c.BalanceCents, a.FeeBPByBucket[c.Bucket])
		}
		if c.DisputeOpen || c.LegalHold || c.CeaseCommunication || c.Deceased || c.Bankrupt {
			t.Errorf("%s: excluded account assigned", as.AccountID)
		}
		if !a.Active {
			t.Errorf("%s: assigned to inactive agency %s", as.AccountID, a.AgencyID)
		}
		if !slices.Contains(a.LicensedProvinces, "*") && !slices.Contains(a.LicensedProvinces, c.Province) {
			t.Errorf("%s: agency %s not licensed in %s", as.AccountID, a.AgencyID, c.Province)
		}
		if len(a.AcceptedBuckets) > 0 && !slices.Contains(a.AcceptedBuckets, c.Bucket) {
			t.Errorf("%s: agency %s does not accept %s", as.AccountID, a.AgencyID, c.Bucket)
		}
		if slices.Contains(c.RecalledBy, a.AgencyID) {
			t.Errorf("%s: given back to %s, which recalled it", as.AccountID, a.AgencyID)
		}
		if len(p.AgencyIDs) > 0 && !slices.Contains(p.AgencyIDs, a.AgencyID) {
			t.Errorf("%s: agency %s not in agency_ids", as.AccountID, a.AgencyID)
		}
	}
	for id, n := range count {
		if n > agByID[id].Capacity {
			t.Errorf("agency %s got %d accounts, capacity %d", id, n, agByID[id].Capacity)
		}
	}
	for _, u := range plan.Unassigned {
		if seen[u.AccountID] {
			t.Errorf("account %s both assigned and unassigned", u.AccountID)
		}
		seen[u.AccountID] = true
		if u.Reason == "" {
			t.Errorf("%s: unassigned without reason", u.AccountID)
		}
	}
	if p.Strategy != allocation.StrategyManual && len(seen) != len(cands) {
		t.Errorf("plan covers %d accounts, %d candidates", len(seen), len(cands))
	}
	total := 0
	for i, m := range plan.ByAgency {
		if m.Count != count[m.Key] || m.Count == 0 {
			t.Errorf("ByAgency %s count %d, assignments %d", m.Key, m.Count, count[m.Key])
		}
		total += m.Count
		if i > 0 {
			prev := plan.ByAgency[i-1]
			if prev.Name > m.Name || (prev.Name == m.Name && prev.Key >= m.Key) {
				t.Errorf("ByAgency not sorted by name then id: %s before %s", prev.Key, m.Key)
			}
		}
	}
	if total != len(plan.Assignments) {
		t.Errorf("ByAgency counts add to %d, %d assignments", total, len(plan.Assignments))
	}
	if p.Strategy == allocation.StrategyChampionChallenger {
		if len(plan.Groups) != 2 || plan.Groups[0].Key != allocation.GroupChampion || plan.Groups[1].Key != allocation.GroupChallenger {
			t.Errorf("groups %+v", plan.Groups)
		} else if plan.Groups[0].Count+plan.Groups[1].Count != len(plan.Assignments) {
			t.Errorf("group counts %d + %d, %d assignments", plan.Groups[0].Count, plan.Groups[1].Count, len(plan.Assignments))
		}
	} else if plan.Groups != nil {
		t.Errorf("groups outside champion_challenger: %+v", plan.Groups)
	}
}

// outcome is a plan reduced to account → agency id, or account → "!code"
// when unassigned.
func outcome(plan allocation.Plan) map[string]string {
	out := map[string]string{}
	for _, a := range plan.Assignments {
		out[a.AccountID] = a.AgencyID
	}
	for _, u := range plan.Unassigned {
		out[u.AccountID] = "!" + u.Reason
	}
	return out
}

func counts(plan allocation.Plan) map[string]int {
	out := map[string]int{}
	for _, a := range plan.Assignments {
		out[a.AgencyID]++
	}
	for _, u := range plan.Unassigned {
		out["!"+u.Reason]++
	}
	return out
}

func reasons(plan allocation.Plan) map[string]string {
	out := map[string]string{}
	for _, a := range plan.Assignments {
		out[a.AccountID] = a.Reason
	}
	return out
}

func TestBuildPlanManual(t *testing.T) {
	cands := []allocation.Candidate{
		stCand("a1", "M1", stGD, 10000),
		stCand("a2", "M3", stJS, 20000),
		stCand("a3", "M3", stGD, 30000),
		{AccountID: "a4", Bucket: "M1", Province: stGD, BalanceCents: 40000, DisputeOpen: true},
	}
	inactive := stAgency("C", 10, "*")
	inactive.Active = false
	ags := []allocation.AgencyTarget{stAgency("A", 10, stGD), stAgency("B", 1, "*"), inactive}
	tests := []struct {
		name   string
		agency string
		ids    []string
		want   map[string]string
	}{
		{"happy path", "ag-a", []string{"a3", "a1"}, map[string]string{"a1": "ag-a", "a3": "ag-a"}},
		{"listed twice", "ag-a", []string{"a1", "a1"}, map[string]string{"a1": "ag-a"}},
		{"unknown id and flagged account", "ag-a", []string{"zz", "a1", "a4"},
			map[string]string{"a1": "ag-a", "a4": "!dispute_open", "zz": "!not_in_portfolio"}},
		{"not licensed", "ag-a", []string{"a2"}, map[string]string{"a2": "!no_eligible_agency"}},
		// Worked in account id order: a1 takes B's only place.
		{"capacity", "ag-b", []string{"a3", "a2", "a1"},
			map[string]string{"a1": "ag-b", "a2": "!capacity_full", "a3": "!capacity_full"}},
		{"inactive agency", "ag-c", []string{"a1"}, map[string]string{"a1": "!no_eligible_agency"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := allocation.PlanParams{Strategy: allocation.StrategyManual, AgencyID: tc.agency, AccountIDs: tc.ids}
			plan := stPlan(t, cands, ags, p, 1)
			if got := outcome(plan); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("whole plan", func(t *testing.T) {
		p := allocation.PlanParams{Strategy: allocation.StrategyManual, AgencyID: "ag-a", AccountIDs: []string{"a3", "a1", "zz"}}
		got := stPlan(t, cands, ags, p, 1)
		why := "chosen by hand → Agency A"
		want := allocation.Plan{
			Strategy: "manual", Seed: 1,
			Assignments: []allocation.Assignment{
				{AccountID: "a1", AgencyID: "ag-a", ReasonCode: "manual", Reason: why, Bucket: "M1", BalanceCents: 10000, FeeRateBP: 1000},
				{AccountID: "a3", AgencyID: "ag-a", ReasonCode: "manual", Reason: why, Bucket: "M3", BalanceCents: 30000, FeeRateBP: 1800},
			},
			Reasons:    []collect.Phrase{collect.Say("err.plan.reason.manual", "agency", "Agency A")},
			Unassigned: []allocation.Unassigned{{AccountID: "zz", Reason: "not_in_portfolio"}},
			ByAgency: []allocation.Mix{{Key: "ag-a", Name: "Agency A", Count: 2, BalanceCents: 40000,
				CountByBucket: map[string]int{"M1": 1, "M3": 1}, BalanceByBucket: map[string]int64{"M1": 10000, "M3": 30000}}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}

func TestBuildPlanRules(t *testing.T) {
	cands := []allocation.Candidate{
		stCand("r1", "M3", stGD, 50000),
		stCand("r2", "M1", stGD, 200000),
		stCand("r3", "M1", stJS, 1000),
		stCand("r4", "M6+", stJS, 9000),
	}
	ags := []allocation.AgencyTarget{stAgency("A", 10, stGD), stAgency("B", 10, "*"), stAgency("C", 10, "*")}
	three := []allocation.Rule{
		{Bucket: "M3", Province: stGD, AgencyID: "ag-a"},
		{MinBalanceCents: 100000, AgencyID: "ag-b"},
		{Province: stJS, MaxBalanceCents: 5000, AgencyID: "ag-c"},
	}
	t.Run("happy path", func(t *testing.T) {
		// r1 matches rule 1; r2 misses rule 1 (M1) and matches rule 2
		// (2000.00 ≥ 1000.00); r3 misses rules 1 and 2 and matches rule 3
		// (10.00 ≤ 50.00); r4 is 90.00 > 50.00: no rule.
		plan := stPlan(t, cands, ags, allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: three}, 1)
		want := map[string]string{"r1": "ag-a", "r2": "ag-b", "r3": "ag-c", "r4": "!no_rule_matched"}
		if got := outcome(plan); !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		wantWhy := map[string]string{
			"r1": "rule 1 (bucket M3, province 广东省) → Agency A",
			"r2": "rule 2 (balance ≥ 1000.00) → Agency B",
			"r3": "rule 3 (province 江苏省, balance ≤ 50.00) → Agency C",
		}
		if got := reasons(plan); !reflect.DeepEqual(got, wantWhy) {
			t.Errorf("reasons %v, want %v", got, wantWhy)
		}
	})
	tests := []struct {
		name  string
		cands []allocation.Candidate
		ags   []allocation.AgencyTarget
		rules []allocation.Rule
		want  map[string]string // exact outcome, or
		count map[string]int    // outcome counts when the seed decides which account
	}{
		{
			name:  "balance range inclusive",
			cands: []allocation.Candidate{stCand("x1", "M1", stGD, 1000), stCand("x2", "M1", stGD, 2000), stCand("x3", "M1", stGD, 2001)},
			ags:   ags,
			rules: []allocation.Rule{{MinBalanceCents: 1000, MaxBalanceCents: 2000, AgencyID: "ag-b"}},
			want:  map[string]string{"x1": "ag-b", "x2": "ag-b", "x3": "!no_rule_matched"},
		},
		{
			name:  "matching rule's agency not licensed",
			cands: []allocation.Candidate{stCand("x1", "M1", stJS, 1000)},
			ags:   ags,
			rules: []allocation.Rule{{Province: stJS, AgencyID: "ag-a"}},
			want:  map[string]string{"x1": "!no_eligible_agency"},
		},
		{
			name:  "matching rule's agency full",
			cands: []allocation.Candidate{stCand("x1", "M1", stGD, 1000)},
			ags:   []allocation.AgencyTarget{stAgency("A", 0, "*")},
			rules: []allocation.Rule{{AgencyID: "ag-a"}},
			want:  map[string]string{"x1": "!capacity_full"},
		},
		{
			name:  "falls through to the next rule when full",
			cands: []allocation.Candidate{stCand("x1", "M3", stGD, 1000), stCand("x2", "M3", stGD, 1000), stCand("x3", "M3", stGD, 1000)},
			ags:   []allocation.AgencyTarget{stAgency("A", 1, "*"), stAgency("B", 1, "*")},
			rules: []allocation.Rule{{Bucket: "M3", AgencyID: "ag-a"}, {AgencyID: "ag-b"}},
			count: map[string]int{"ag-a": 1, "ag-b": 1, "!capacity_full": 1},
		},
		{
			name:  "recalling agency skipped",
			cands: []allocation.Candidate{{AccountID: "x1", Bucket: "M1", Province: stGD, BalanceCents: 1, RecalledBy: []string{"ag-a"}}},
			ags:   ags,
			rules: []allocation.Rule{{AgencyID: "ag-a"}, {AgencyID: "ag-c"}},
			want:  map[string]string{"x1": "ag-c"},
		},
		{
			name:  "agency_ids restriction",
			cands: []allocation.Candidate{stCand("x1", "M1", stGD, 1)},
			ags:   ags,
			rules: []allocation.Rule{{AgencyID: "ag-a"}, {AgencyID: "ag-c"}},
			want:  map[string]string{"x1": "ag-c"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: tc.rules}
			if tc.name == "agency_ids restriction" {
				p.AgencyIDs = []string{"ag-c"}
			}
			plan := stPlan(t, tc.cands, tc.ags, p, 1)
			if tc.want != nil {
				if got := outcome(plan); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			} else if got := counts(plan); !reflect.DeepEqual(got, tc.count) {
				t.Errorf("counts %v, want %v", got, tc.count)
			}
		})
	}
}

// Four M1 accounts with balances 100, 200, 300, 400 make four one-account
// strata (quartile thresholds 200, 300, 400: Q1 {100} Q2 {200} Q3 {300}
// Q4 {400}), dealt Q1..Q4. With shares A 0.25, B 0.75 the shortfall is
// share×(stratum dealt+1) − got in stratum + share×(all dealt+1) − got overall:
//
//	b1: A .25+.25=.50  B .75+.75=1.50        → B
//	b2: A .25+.50=.75  B .75+(1.50−1)=1.25   → B
//	b3: A .25+.75=1.00 B .75+(2.25−2)=1.00   → tie; overall A .75 > B .25 → A
//	b4: A .25+(1−1)=.25 B .75+(3−2)=1.75     → B
var stFour = []allocation.Candidate{
	stCand("b1", "M1", stGD, 100), stCand("b2", "M1", stGD, 200),
	stCand("b3", "M1", stGD, 300), stCand("b4", "M1", stGD, 400),
}

var stFourWant = map[string]string{"b1": "ag-b", "b2": "ag-b", "b3": "ag-a", "b4": "ag-b"}

func TestBuildPlanCapacityBalanced(t *testing.T) {
	t.Run("hand-worked dealing", func(t *testing.T) {
		ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 30, "*")}
		plan := stPlan(t, stFour, ags, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}, 1)
		if got := outcome(plan); !reflect.DeepEqual(got, stFourWant) {
			t.Errorf("got %v, want %v", got, stFourWant)
		}
		if got, want := reasons(plan)["b1"], "stratum M1 balance Q1: furthest behind its capacity share (75.0%) → Agency B"; got != want {
			t.Errorf("reason %q, want %q", got, want)
		}
	})
	t.Run("agency_ids restriction", func(t *testing.T) {
		ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 30, "*")}
		plan := stPlan(t, stFour, ags, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced, AgencyIDs: []string{"ag-a"}}, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 4}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("everyone full", func(t *testing.T) {
		ags := []allocation.AgencyTarget{stAgency("A", 1, "*"), stAgency("B", 1, "*")}
		plan := stPlan(t, stFour, ags, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 1, "ag-b": 1, "!capacity_full": 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("licence limits the other agency", func(t *testing.T) {
		// B is licensed only in 江苏: the 广东 accounts go to A even beyond its share.
		cands := []allocation.Candidate{stCand("x1", "M1", stGD, 1), stCand("x2", "M1", stGD, 1), stCand("x3", "M1", stJS, 1)}
		ags := []allocation.AgencyTarget{stAgency("A", 1, "*"), stAgency("B", 99, stJS)}
		plan := stPlan(t, cands, ags, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 1, "ag-b": 1, "!capacity_full": 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// stMix returns each bucket's share of the agency's (or group's) accounts.
func stMix(m allocation.Mix) map[string]float64 {
	out := map[string]float64{}
	for b, n := range m.CountByBucket {
		out[b] = float64(n) / float64(m.Count)
	}
	return out
}

// stStrata recomputes the strata of BuildPlan: bucket × quartile of the
// balance within the bucket (thresholds at n/4, n/2, 3n/4 of the sorted
// balances; below the first is Q1, from the last up is Q4).
func stStrata(cands []allocation.Candidate) map[string]string {
	byBucket := map[string][]int64{}
	for _, c := range cands {
		byBucket[c.Bucket] = append(byBucket[c.Bucket], c.BalanceCents)
	}
	for _, bal := range byBucket {
		slices.Sort(bal)
	}
	out := map[string]string{}
	for _, c := range cands {
		bal := byBucket[c.Bucket]
		n := len(bal)
		q := 1
		for _, t := range []int64{bal[n/4], bal[n/2], bal[3*n/4]} {
			if c.BalanceCents >= t {
				q++
			}
		}
		out[c.AccountID] = fmt.Sprintf("%s Q%d", c.Bucket, q)
	}
	return out
}

// stQuartileMix returns the share of the agency's accounts in each quartile
// of all the candidates' balances.
func stQuartileMix(cands []allocation.Candidate, plan allocation.Plan, agency string) [4]float64 {
	var bal []int64
	for _, c := range cands {
		bal = append(bal, c.BalanceCents)
	}
	slices.Sort(bal)
	n := len(bal)
	thr := []int64{bal[n/4], bal[n/2], bal[3*n/4]}
	var out [4]float64
	total := 0
	for _, a := range plan.Assignments {
		if a.AgencyID != agency {
			continue
		}
		q := 0
		for _, t := range thr {
			if a.BalanceCents >= t {
				q++
			}
		}
		out[q]++
		total++
	}
	for q := range out {
		out[q] /= float64(total)
	}
	return out
}

// stMaxGap is the largest difference, in percentage points, between two
// bucket mixes.
func stMaxGap(x, y map[string]float64) float64 {
	gap := 0.0
	for _, b := range allocation.BucketNames() {
		gap = max(gap, 100*math.Abs(x[b]-y[b]))
	}
	return gap
}

func TestBuildPlanCapacityBalancedShares(t *testing.T) {
	ags := []allocation.AgencyTarget{stAgency("A", 100, "*"), stAgency("B", 300, "*")}
	tests := []struct {
		name         string
		n            int
		wantA, wantB int
		tolCount     int     // accounts either side of the target
		tolMix       float64 // percentage points between the two agencies' bucket mixes
	}{
		// Room for everyone: 200 accounts split 50:150. The shortfall rule
		// keeps the totals within one account of the target; with about
		// 50 accounts spread over 28 strata, A's share of a bucket can be
		// off by one or two accounts (2 points each), hence 8 points.
		{"capacity to spare", 200, 50, 150, 1, 8},
		// Capacity binds: 2,000 accounts, both agencies filled exactly,
		// the 1,600 left over spread evenly over the strata.
		{"capacity binding", 2000, 100, 300, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cands := stGenerate(rand.New(rand.NewPCG(11, 12)), tc.n, false)
			plan := stPlan(t, cands, ags, allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}, 42)
			c := counts(plan)
			if d := c["ag-a"] - tc.wantA; d < -tc.tolCount || d > tc.tolCount {
				t.Errorf("A got %d, want %d±%d", c["ag-a"], tc.wantA, tc.tolCount)
			}
			if d := c["ag-b"] - tc.wantB; d < -tc.tolCount || d > tc.tolCount {
				t.Errorf("B got %d, want %d±%d", c["ag-b"], tc.wantB, tc.tolCount)
			}
			if c["!capacity_full"] != tc.n-c["ag-a"]-c["ag-b"] {
				t.Errorf("capacity_full %d, want %d", c["!capacity_full"], tc.n-c["ag-a"]-c["ag-b"])
			}
			if gap := stMaxGap(stMix(plan.ByAgency[0]), stMix(plan.ByAgency[1])); gap > tc.tolMix {
				t.Errorf("bucket mixes differ by %.1f points, want ≤ %.0f: A %v B %v", gap, tc.tolMix, stMix(plan.ByAgency[0]), stMix(plan.ByAgency[1]))
			}
			// Within every stratum (bucket × balance quartile in the
			// bucket) A holds its quarter of what was assigned, give or
			// take one account (plus half, for the shortfall rule's
			// overall term).
			strata := stStrata(cands)
			perA, perAll := map[string]int{}, map[string]int{}
			for _, a := range plan.Assignments {
				perAll[strata[a.AccountID]]++
				if a.AgencyID == "ag-a" {
					perA[strata[a.AccountID]]++
				}
			}
			for s, n := range perAll {
				if d := float64(perA[s]) - 0.25*float64(n); math.Abs(d) > 1.5 {
					t.Errorf("stratum %s: A holds %d of %d", s, perA[s], n)
				}
			}
			// Balance mix when capacity binds: the share of each agency's
			// accounts in each quartile of the portfolio's balances.
			if tc.wantA == 100 {
				qa, qb := stQuartileMix(cands, plan, "ag-a"), stQuartileMix(cands, plan, "ag-b")
				for q := range 4 {
					if gap := 100 * math.Abs(qa[q]-qb[q]); gap > tc.tolMix {
						t.Errorf("balance quartile %d: A %.3f B %.3f", q+1, qa[q], qb[q])
					}
				}
			}
		})
	}
}

func TestBuildPlanPerformanceWeighted(t *testing.T) {
	scored := func(a allocation.AgencyTarget, s float64) allocation.AgencyTarget { a.Score = s; return a }
	tests := []struct {
		name    string
		ags     []allocation.AgencyTarget
		weights map[string]float64
		want    map[string]string
		reason  string // b1's reason
	}{
		// Scores 2 and 6 are shares .25 and .75: the same dealing as the
		// capacity_balanced hand-worked case.
		{"scores", []allocation.AgencyTarget{scored(stAgency("A", 10, "*"), 2), scored(stAgency("B", 10, "*"), 6)}, nil,
			stFourWant, "stratum M1 balance Q1: furthest behind its score share (75.0%) → Agency B"},
		{"weights when no scores", []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, "*")},
			map[string]float64{"ag-a": 1, "ag-b": 3},
			stFourWant, "stratum M1 balance Q1: furthest behind its weight share (75.0%) → Agency B"},
		{"zero weight gets nothing", []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, "*")},
			map[string]float64{"ag-a": 0, "ag-b": 1},
			map[string]string{"b1": "ag-b", "b2": "ag-b", "b3": "ag-b", "b4": "ag-b"}, ""},
		{"zero score gets nothing; weights ignored", []allocation.AgencyTarget{stAgency("A", 10, "*"), scored(stAgency("B", 10, "*"), 5)},
			map[string]float64{"ag-a": 100},
			map[string]string{"b1": "ag-b", "b2": "ag-b", "b3": "ag-b", "b4": "ag-b"}, ""},
		{"weighted agency full", []allocation.AgencyTarget{scored(stAgency("A", 10, "*"), 1), scored(stAgency("B", 1, "*"), 99)}, nil,
			map[string]string{"b1": "ag-b", "b2": "ag-a", "b3": "ag-a", "b4": "ag-a"}, ""},
		{"only agency zero weight", []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, stJS)},
			map[string]float64{"ag-b": 1},
			map[string]string{"b1": "!no_eligible_agency", "b2": "!no_eligible_agency", "b3": "!no_eligible_agency", "b4": "!no_eligible_agency"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted, Weights: tc.weights}
			plan := stPlan(t, stFour, tc.ags, p, 1)
			if got := outcome(plan); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if tc.reason != "" && reasons(plan)["b1"] != tc.reason {
				t.Errorf("reason %q, want %q", reasons(plan)["b1"], tc.reason)
			}
		})
	}
}

func TestBuildPlanChampionChallenger(t *testing.T) {
	// Ten accounts alike: one stratum (M1, every balance equal → Q4).
	// round(0.2 × 10) = 2 go to the challengers, in turn B then C (the
	// challengers are taken in id order), 8 to the champion A.
	var ten []allocation.Candidate
	for i := range 10 {
		ten = append(ten, stCand(fmt.Sprintf("c%02d", i), "M1", stGD, 5000))
	}
	ags := []allocation.AgencyTarget{stAgency("A", 100, stGD), stAgency("B", 100, stGD), stAgency("C", 100, stGD)}
	t.Run("happy path", func(t *testing.T) {
		p := allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-c", "ag-b"}, ChallengerShare: 0.2}
		plan := stPlan(t, ten, ags, p, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 8, "ag-b": 1, "ag-c": 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		want := []allocation.Mix{
			{Key: "champion", Name: "Agency A", Group: "champion", Count: 8, BalanceCents: 40000,
				CountByBucket: map[string]int{"M1": 8}, BalanceByBucket: map[string]int64{"M1": 40000}},
			{Key: "challenger", Name: "Agency B, Agency C", Group: "challenger", Count: 2, BalanceCents: 10000,
				CountByBucket: map[string]int{"M1": 2}, BalanceByBucket: map[string]int64{"M1": 10000}},
		}
		if !reflect.DeepEqual(plan.Groups, want) {
			t.Errorf("groups %+v, want %+v", plan.Groups, want)
		}
		for _, m := range plan.ByAgency {
			if wantG := map[string]string{"ag-a": "champion", "ag-b": "challenger", "ag-c": "challenger"}[m.Key]; m.Group != wantG {
				t.Errorf("ByAgency %s group %q, want %q", m.Key, m.Group, wantG)
			}
		}
		for _, a := range plan.Assignments {
			if a.AgencyID == "ag-a" && a.Reason != "champion group (20% challenger split, stratum M1 balance Q4) → Agency A" {
				t.Errorf("reason %q", a.Reason)
			}
		}
	})
	t.Run("default share", func(t *testing.T) {
		p := allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}}
		if got, want := counts(stPlan(t, ten, ags, p, 1)), map[string]int{"ag-a": 8, "ag-b": 1, "ag-c": 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("half share, challengers in turn", func(t *testing.T) {
		// round(0.5 × 10) = 5 challengers: B C B C B.
		p := allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}, ChallengerShare: 0.5}
		if got, want := counts(stPlan(t, ten, ags, p, 1)), map[string]int{"ag-a": 5, "ag-b": 3, "ag-c": 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("ineligible challenger replaced within its group; champion full", func(t *testing.T) {
		// B is licensed nowhere: both challenger accounts go to C. A has
		// room for 5 of its 8; the other 3 stay (never moved to the
		// challengers, which would spoil the comparison).
		a := stAgency("A", 5, stGD)
		b := stAgency("B", 100)
		plan := stPlan(t, ten, []allocation.AgencyTarget{a, b, ags[2]},
			allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}}, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 5, "ag-c": 2, "!capacity_full": 3}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		replaced := 0
		for _, as := range plan.Assignments {
			if strings.HasSuffix(as.Reason, "→ Agency C (Agency B ineligible)") {
				replaced++
			}
		}
		if replaced != 1 {
			t.Errorf("%d reasons name B as replaced, want 1", replaced)
		}
	})
	t.Run("no challenger eligible", func(t *testing.T) {
		b, c := stAgency("B", 100, stJS), stAgency("C", 100, stJS)
		plan := stPlan(t, ten, []allocation.AgencyTarget{ags[0], b, c},
			allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}}, 1)
		if got, want := counts(plan), map[string]int{"ag-a": 8, "!no_eligible_agency": 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestBuildPlanChampionChallengerComparable(t *testing.T) {
	cands := stGenerate(rand.New(rand.NewPCG(5, 6)), 5000, false)
	ags := []allocation.AgencyTarget{stAgency("A", 10000, "*"), stAgency("B", 10000, "*"), stAgency("C", 10000, "*")}
	for _, share := range []float64{0.2, 0.35} {
		t.Run(fmt.Sprint("share ", share), func(t *testing.T) {
			p := allocation.PlanParams{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c"}, ChallengerShare: share}
			plan := stPlan(t, cands, ags, p, 99)
			champ, chall := plan.Groups[0], plan.Groups[1]
			if champ.Count+chall.Count != len(cands) {
				t.Fatalf("groups hold %d of %d", champ.Count+chall.Count, len(cands))
			}
			// Rounding each of at most 28 strata moves at most half an
			// account: the share is right within 28/2 accounts of 5,000.
			if got := float64(chall.Count) / float64(len(cands)); math.Abs(got-share) > 14.0/5000 {
				t.Errorf("challenger share %.4f, want %.2f", got, share)
			}
			// Bucket mixes within 2 percentage points.
			if gap := stMaxGap(stMix(champ), stMix(chall)); gap > 2 {
				t.Errorf("bucket mixes differ by %.2f points: %v vs %v", gap, stMix(champ), stMix(chall))
			}
			avgA := float64(champ.BalanceCents) / float64(champ.Count)
			avgB := float64(chall.BalanceCents) / float64(chall.Count)
			if r := avgA / avgB; r < 0.9 || r > 1.1 {
				t.Errorf("average balances %.0f vs %.0f", avgA, avgB)
			}
			// The challengers take turns: within one account of each other.
			c := counts(plan)
			if d := c["ag-b"] - c["ag-c"]; d < -1 || d > 1 {
				t.Errorf("challengers B %d C %d", c["ag-b"], c["ag-c"])
			}
		})
	}
}

// stStrategies gives, for each strategy, parameters valid for agencies ag-a
// (and ag-b, ag-c when present) and for the given account ids.
func stStrategies(ids []string) []allocation.PlanParams {
	return []allocation.PlanParams{
		{Strategy: allocation.StrategyManual, AgencyID: "ag-a", AccountIDs: ids},
		{Strategy: allocation.StrategyRules, Rules: []allocation.Rule{{AgencyID: "ag-a"}}},
		{Strategy: allocation.StrategyCapacityBalanced},
		{Strategy: allocation.StrategyPerformanceWeighted, Weights: map[string]float64{"ag-a": 1}},
		{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-z"}},
	}
}

func TestBuildPlanExclusions(t *testing.T) {
	tests := []struct {
		name string
		set  func(*allocation.Candidate)
		want string
	}{
		{"dispute open", func(c *allocation.Candidate) { c.DisputeOpen = true }, "dispute_open"},
		{"legal hold", func(c *allocation.Candidate) { c.LegalHold = true }, "legal_hold"},
		{"cease communication", func(c *allocation.Candidate) { c.CeaseCommunication = true }, "cease_communication"},
		{"deceased", func(c *allocation.Candidate) { c.Deceased = true }, "deceased"},
		{"bankrupt", func(c *allocation.Candidate) { c.Bankrupt = true }, "bankrupt"},
		{"first flag wins: dispute before bankrupt", func(c *allocation.Candidate) { c.Bankrupt, c.DisputeOpen = true, true }, "dispute_open"},
		{"first flag wins: legal hold before deceased", func(c *allocation.Candidate) { c.Deceased, c.LegalHold = true, true }, "legal_hold"},
		{"first flag wins: cease before bankrupt", func(c *allocation.Candidate) { c.Bankrupt, c.CeaseCommunication = true, true }, "cease_communication"},
	}
	dummy := stAgency("Z", 0)
	dummy.Active = false
	ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), dummy}
	for _, tc := range tests {
		for _, p := range stStrategies([]string{"x", "y"}) {
			t.Run(tc.name+"/"+p.Strategy, func(t *testing.T) {
				x := stCand("x", "M2", stGD, 5000)
				tc.set(&x)
				cands := []allocation.Candidate{x, stCand("y", "M2", stGD, 5000)}
				plan := stPlan(t, cands, ags, p, 3)
				want := map[string]string{"x": "!" + tc.want, "y": "ag-a"}
				if got := outcome(plan); !reflect.DeepEqual(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		}
	}
}

func TestBuildPlanEligibility(t *testing.T) {
	tests := []struct {
		name   string
		agency func(*allocation.AgencyTarget)
		cand   func(*allocation.Candidate)
		want   string // agency id or !code
	}{
		{"eligible", nil, nil, "ag-a"},
		{"licensed nationwide", func(a *allocation.AgencyTarget) { a.LicensedProvinces = []string{"*"} }, nil, "ag-a"},
		{"licensed elsewhere", func(a *allocation.AgencyTarget) { a.LicensedProvinces = []string{stJS, stZJ} }, nil, "!no_eligible_agency"},
		{"no licence", func(a *allocation.AgencyTarget) { a.LicensedProvinces = nil }, nil, "!no_eligible_agency"},
		{"bucket accepted", func(a *allocation.AgencyTarget) { a.AcceptedBuckets = []string{"M3", "M2"} }, nil, "ag-a"},
		{"bucket not accepted", func(a *allocation.AgencyTarget) { a.AcceptedBuckets = []string{"M6", "M6+"} }, nil, "!no_eligible_agency"},
		{"no capacity", func(a *allocation.AgencyTarget) { a.Capacity = 0 }, nil, "!capacity_full"},
		{"negative capacity", func(a *allocation.AgencyTarget) { a.Capacity = -3 }, nil, "!capacity_full"},
		{"recalled by this agency", nil, func(c *allocation.Candidate) { c.RecalledBy = []string{"ag-q", "ag-a"} }, "!no_eligible_agency"},
		{"recalled by another agency", nil, func(c *allocation.Candidate) { c.RecalledBy = []string{"ag-z"} }, "ag-a"},
		{"inactive agency", func(a *allocation.AgencyTarget) { a.Active = false }, nil, "!no_eligible_agency"},
		{"recalled and full", func(a *allocation.AgencyTarget) { a.Capacity = 0 }, func(c *allocation.Candidate) { c.RecalledBy = []string{"ag-a"} }, "!no_eligible_agency"},
	}
	for _, tc := range tests {
		for _, p := range stStrategies([]string{"x"}) {
			t.Run(tc.name+"/"+p.Strategy, func(t *testing.T) {
				a := stAgency("A", 10, stGD)
				if tc.agency != nil {
					tc.agency(&a)
				}
				z := stAgency("Z", 10, "*")
				z.Active = false
				x := stCand("x", "M2", stGD, 5000)
				if tc.cand != nil {
					tc.cand(&x)
				}
				plan := stPlan(t, []allocation.Candidate{x}, []allocation.AgencyTarget{a, z}, p, 3)
				if got := outcome(plan)["x"]; got != tc.want {
					t.Errorf("got %s, want %s", got, tc.want)
				}
			})
		}
	}
	t.Run("agency_ids restriction", func(t *testing.T) {
		ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, stJS)}
		for _, s := range []string{allocation.StrategyCapacityBalanced, allocation.StrategyPerformanceWeighted} {
			p := allocation.PlanParams{Strategy: s, AgencyIDs: []string{"ag-b"}, Weights: map[string]float64{"ag-a": 1, "ag-b": 1}}
			plan := stPlan(t, []allocation.Candidate{stCand("x", "M1", stGD, 1), stCand("y", "M1", stJS, 1)}, ags, p, 1)
			if got, want := outcome(plan), map[string]string{"x": "!no_eligible_agency", "y": "ag-b"}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %v, want %v", s, got, want)
			}
		}
	})
}

// stGenerate makes n candidates shaped like a portfolio: ids in no order,
// DPD mostly early with a long tail, balances skewed, provinces from the demo
// list; with flags, a few percent excluded or recalled.
func stGenerate(rng *rand.Rand, n int, flags bool) []allocation.Candidate {
	provs := debtors.Provinces()
	out := make([]allocation.Candidate, n)
	for i := range out {
		dpd := min(1+int(rng.ExpFloat64()*110), 900)
		c := allocation.Candidate{
			AccountID:    fmt.Sprintf("acc-%08x", rng.Uint32()) + fmt.Sprint("-", i),
			Bucket:       allocation.Bucket(dpd, allocation.DefaultBands),
			Province:     provs[min(rng.IntN(len(provs)), rng.IntN(len(provs)))],
			BalanceCents: int64(3000+rng.ExpFloat64()*25000) * int64(40+rng.IntN(75)),
		}
		if flags {
			switch rng.IntN(40) {
			case 0:
				c.DisputeOpen = true
			case 1:
				c.Bankrupt = true
			case 2:
				c.RecalledBy = []string{"ag-b"}
			case 3:
				c.RecalledBy = []string{"ag-a", "ag-c"}
			}
		}
		out[i] = c
	}
	return out
}

func TestBuildPlanReproducible(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cands := stGenerate(rng, 3000, true)
	provs := debtors.Provinces()
	ags := []allocation.AgencyTarget{
		stAgency("A", 900, "*"), stAgency("B", 800, provs[0], provs[1], provs[2]),
		stAgency("C", 700, "*"), stAgency("D", 400, "*"),
	}
	ags[0].Score, ags[1].Score, ags[2].Score, ags[3].Score = 80, 60, 70, 0
	ags[3].AcceptedBuckets = []string{"M6", "M6+", "M5"}
	var some []string
	for i, c := range cands {
		if i%3 == 0 {
			some = append(some, c.AccountID)
		}
	}
	params := []allocation.PlanParams{
		{Strategy: allocation.StrategyManual, AgencyID: "ag-c", AccountIDs: some},
		{Strategy: allocation.StrategyRules, Rules: []allocation.Rule{{Bucket: "M1", AgencyID: "ag-b"}, {MinBalanceCents: 2_000_000, AgencyID: "ag-a"}, {AgencyID: "ag-c"}, {AgencyID: "ag-d"}}},
		{Strategy: allocation.StrategyCapacityBalanced, AgencyIDs: []string{"ag-a", "ag-b", "ag-d"}},
		{Strategy: allocation.StrategyPerformanceWeighted},
		{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: []string{"ag-a", "ag-b", "ag-c", "ag-d"}, ChallengerShare: 0.3},
	}
	// shuffled returns copies of the inputs with every slice whose order
	// carries no meaning put in another order.
	shuffled := func(p allocation.PlanParams) ([]allocation.Candidate, []allocation.AgencyTarget, allocation.PlanParams) {
		r := rand.New(rand.NewPCG(77, 78))
		c2 := slices.Clone(cands)
		r.Shuffle(len(c2), func(i, j int) { c2[i], c2[j] = c2[j], c2[i] })
		for i := range c2 {
			c2[i].RecalledBy = slices.Clone(c2[i].RecalledBy)
			slices.Reverse(c2[i].RecalledBy)
		}
		a2 := slices.Clone(ags)
		slices.Reverse(a2)
		for i := range a2 {
			a2[i].LicensedProvinces = slices.Clone(a2[i].LicensedProvinces)
			slices.Reverse(a2[i].LicensedProvinces)
		}
		p.AccountIDs = slices.Clone(p.AccountIDs)
		r.Shuffle(len(p.AccountIDs), func(i, j int) { p.AccountIDs[i], p.AccountIDs[j] = p.AccountIDs[j], p.AccountIDs[i] })
		if len(p.AgencyIDs) > 1 {
			p.AgencyIDs = slices.Clone(p.AgencyIDs)
			if p.Strategy == allocation.StrategyChampionChallenger {
				slices.Reverse(p.AgencyIDs[1:]) // [0] is the champion: its place means something
			} else {
				slices.Reverse(p.AgencyIDs)
			}
		}
		return c2, a2, p
	}
	for _, p := range params {
		t.Run(p.Strategy, func(t *testing.T) {
			first := stPlan(t, cands, ags, p, 2024)
			if len(first.Assignments) == 0 {
				t.Fatal("nothing assigned")
			}
			if again := stPlan(t, cands, ags, p, 2024); !reflect.DeepEqual(first, again) {
				t.Error("same inputs and seed gave another plan")
			}
			c2, a2, p2 := shuffled(p)
			if other := stPlan(t, c2, a2, p2, 2024); !reflect.DeepEqual(first, other) {
				t.Error("inputs in another order gave another plan")
			}
		})
	}
	t.Run("different seed changes the champion/challenger split", func(t *testing.T) {
		p := params[4]
		split := func(seed int64) []string {
			var ch []string
			for _, a := range stPlan(t, cands, ags, p, seed).Assignments {
				if a.Group == allocation.GroupChallenger {
					ch = append(ch, a.AccountID)
				}
			}
			return ch
		}
		x, y := split(1), split(2)
		if slices.Equal(x, y) {
			t.Error("seeds 1 and 2 gave the same challenger group")
		}
		// Same share either way: the split size depends on the strata, not the seed.
		if d := len(x) - len(y); d < -30 || d > 30 {
			t.Errorf("challenger group sizes %d and %d", len(x), len(y))
		}
	})
}

// TestBuildPlanProperties builds plans over random inputs for every strategy
// and lets stCheck verify the invariants: never over capacity, only eligible
// agencies, a reason on every assignment, every candidate accounted for.
func TestBuildPlanProperties(t *testing.T) {
	provs := []string{stGD, stJS, stZJ, "北京市", "西藏自治区"}
	buckets := allocation.BucketNames()
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := range 300 {
		na := 2 + rng.IntN(5)
		var ags []allocation.AgencyTarget
		for i := range na {
			a := stAgency(string(rune('A'+i)), rng.IntN(40), "*")
			a.Active = rng.IntN(6) != 0
			if rng.IntN(2) == 0 {
				a.LicensedProvinces = nil
				for _, pr := range provs[:4] {
					if rng.IntN(2) == 0 {
						a.LicensedProvinces = append(a.LicensedProvinces, pr)
					}
				}
			}
			if rng.IntN(3) == 0 {
				a.AcceptedBuckets = []string{buckets[rng.IntN(7)], buckets[rng.IntN(7)], buckets[rng.IntN(7)]}
			}
			if rng.IntN(4) != 0 {
				a.Score = float64(rng.IntN(10))
			}
			ags = append(ags, a)
		}
		n := rng.IntN(150)
		var cands []allocation.Candidate
		for i := range n {
			c := stCand(fmt.Sprintf("p%03d", i), buckets[rng.IntN(7)], provs[rng.IntN(5)], int64(rng.IntN(1_000_000)))
			switch rng.IntN(30) {
			case 0:
				c.DisputeOpen = true
			case 1:
				c.LegalHold = true
			case 2:
				c.Deceased = true
			}
			if rng.IntN(8) == 0 {
				c.RecalledBy = []string{ags[rng.IntN(na)].AgencyID}
			}
			cands = append(cands, c)
		}
		ids := make([]string, 0)
		for _, c := range cands {
			if rng.IntN(2) == 0 {
				ids = append(ids, c.AccountID)
			}
		}
		ids = append(ids, "missing")
		var rules []allocation.Rule
		for range 1 + rng.IntN(4) {
			r := allocation.Rule{AgencyID: ags[rng.IntN(na)].AgencyID}
			if rng.IntN(2) == 0 {
				r.Bucket = buckets[rng.IntN(7)]
			}
			if rng.IntN(2) == 0 {
				r.Province = provs[rng.IntN(5)]
			}
			if rng.IntN(2) == 0 {
				r.MinBalanceCents = int64(rng.IntN(500_000))
				r.MaxBalanceCents = r.MinBalanceCents + int64(rng.IntN(500_000))
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
		var restrict []string
		if rng.IntN(2) == 0 {
			restrict = group[:1+rng.IntN(len(group))]
		}
		params := []allocation.PlanParams{
			{Strategy: allocation.StrategyManual, AgencyID: ags[rng.IntN(na)].AgencyID, AccountIDs: ids},
			{Strategy: allocation.StrategyRules, Rules: rules, AgencyIDs: restrict},
			{Strategy: allocation.StrategyCapacityBalanced, AgencyIDs: restrict},
			{Strategy: allocation.StrategyPerformanceWeighted, AgencyIDs: restrict, Weights: weights},
			{Strategy: allocation.StrategyChampionChallenger, AgencyIDs: group, ChallengerShare: 0.05 + 0.9*rng.Float64()},
		}
		for _, p := range params {
			plan := stPlan(t, cands, ags, p, int64(iter))
			if t.Failed() {
				t.Fatalf("iteration %d, strategy %s", iter, p.Strategy)
			}
			_ = plan
		}
	}
}

func TestBuildPlanInvalid(t *testing.T) {
	ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("B", 10, "*")}
	cands := []allocation.Candidate{stCand("x", "M1", stGD, 1)}
	cc := allocation.StrategyChampionChallenger
	tests := []struct {
		name  string
		p     allocation.PlanParams
		cands []allocation.Candidate
		ags   []allocation.AgencyTarget
		want  string // in the message
	}{
		{name: "unknown strategy", p: allocation.PlanParams{Strategy: "lottery"}, want: "lottery"},
		{name: "no strategy", p: allocation.PlanParams{}, want: "unknown allocation strategy"},
		{name: "manual without agency", p: allocation.PlanParams{Strategy: "manual", AccountIDs: []string{"x"}}, want: "agency_id"},
		{name: "manual unknown agency", p: allocation.PlanParams{Strategy: "manual", AgencyID: "ag-q", AccountIDs: []string{"x"}}, want: "ag-q"},
		{name: "manual without accounts", p: allocation.PlanParams{Strategy: "manual", AgencyID: "ag-a"}, want: "account_ids"},
		{name: "rules without rules", p: allocation.PlanParams{Strategy: "rules"}, want: "no rules"},
		{name: "rule with unknown agency", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{AgencyID: "ag-a"}, {AgencyID: "ag-q"}}}, want: "rule 2: unknown agency"},
		{name: "rule without agency", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{Bucket: "M1"}}}, want: "rule 1: agency_id"},
		{name: "rule min above max", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{MinBalanceCents: 500, MaxBalanceCents: 100, AgencyID: "ag-a"}}}, want: "rule 1: min_balance_cents 500 is above max_balance_cents 100"},
		{name: "rule negative balance", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{MinBalanceCents: -1, AgencyID: "ag-a"}}}, want: "negative"},
		{name: "unknown agency in agency_ids", p: allocation.PlanParams{Strategy: "capacity_balanced", AgencyIDs: []string{"ag-a", "ag-q"}}, want: "ag-q"},
		{name: "agency listed twice in agency_ids", p: allocation.PlanParams{Strategy: "capacity_balanced", AgencyIDs: []string{"ag-a", "ag-a"}}, want: "twice"},
		{name: "weighted without scores or weights", p: allocation.PlanParams{Strategy: "performance_weighted"}, want: "positive weight"},
		{name: "weighted with zero weights", p: allocation.PlanParams{Strategy: "performance_weighted", Weights: map[string]float64{"ag-a": 0}}, want: "positive weight"},
		{name: "weighted, weight outside agency_ids", p: allocation.PlanParams{Strategy: "performance_weighted", AgencyIDs: []string{"ag-b"}, Weights: map[string]float64{"ag-a": 1}}, want: "positive weight"},
		{name: "negative weight", p: allocation.PlanParams{Strategy: "performance_weighted", Weights: map[string]float64{"ag-a": -1, "ag-b": 2}}, want: "ag-a"},
		{name: "weight NaN", p: allocation.PlanParams{Strategy: "performance_weighted", Weights: map[string]float64{"ag-a": math.NaN()}}, want: "ag-a"},
		{name: "weight for unknown agency", p: allocation.PlanParams{Strategy: "performance_weighted", Weights: map[string]float64{"ag-q": 1}}, want: "ag-q"},
		{name: "champion only", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a"}}, want: "at least one challenger"},
		{name: "champion_challenger without agencies", p: allocation.PlanParams{Strategy: cc}, want: "at least one challenger"},
		{name: "champion twice", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-a"}}, want: "twice"},
		{name: "share 1", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: 1}, want: "challenger_share"},
		{name: "share above 1", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: 1.5}, want: "challenger_share"},
		{name: "share negative", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: -0.2}, want: "challenger_share"},
		{name: "share NaN", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-b"}, ChallengerShare: math.NaN()}, want: "challenger_share"},
		{name: "unknown strata", p: allocation.PlanParams{Strategy: "capacity_balanced", Strata: "quartile"}, want: `strata: unknown value "quartile"`},
		{name: "unknown strata, champion_challenger", p: allocation.PlanParams{Strategy: cc, AgencyIDs: []string{"ag-a", "ag-b"}, Strata: "score"}, want: `strata: unknown value "score"`},
		{name: "unknown strata, rules", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{AgencyID: "ag-a"}}, Strata: "Balance"}, want: `strata: unknown value "Balance"`},
		{name: "rule with unknown score band", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{AgencyID: "ag-a"}, {ScoreBand: "very_high", AgencyID: "ag-b"}}}, want: `rule 2: unknown score_band "very_high"`},
		{name: "rule score band in capitals", p: allocation.PlanParams{Strategy: "rules", Rules: []allocation.Rule{{ScoreBand: "HIGH", AgencyID: "ag-a"}}}, want: `rule 1: unknown score_band "HIGH"`},
		{name: "candidate with unknown score band", p: allocation.PlanParams{Strategy: "capacity_balanced", Strata: "score_band"},
			cands: []allocation.Candidate{{AccountID: "x", Bucket: "M1", Province: stGD, ScoreBand: "at_risk"}}, want: `account x has an unknown score band "at_risk"`},
		{name: "candidate listed twice", p: allocation.PlanParams{Strategy: "capacity_balanced"},
			cands: []allocation.Candidate{stCand("x", "M1", stGD, 1), stCand("x", "M2", stGD, 1)}, want: "account x is listed twice"},
		{name: "candidate without id", p: allocation.PlanParams{Strategy: "capacity_balanced"},
			cands: []allocation.Candidate{stCand("", "M1", stGD, 1)}, want: "no account id"},
		{name: "agency listed twice", p: allocation.PlanParams{Strategy: "capacity_balanced"},
			ags: []allocation.AgencyTarget{stAgency("A", 1, "*"), stAgency("A", 2, "*")}, want: "agency ag-a is listed twice"},
		{name: "agency without id", p: allocation.PlanParams{Strategy: "capacity_balanced"},
			ags: []allocation.AgencyTarget{{Name: "Nameless"}}, want: "no id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, a := cands, ags
			if tc.cands != nil {
				c = tc.cands
			}
			if tc.ags != nil {
				a = tc.ags
			}
			plan, err := allocation.BuildPlan(c, a, tc.p, 1)
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("err = %v, want an *Error with code %s", err, collect.EINVALID)
			}
			if !strings.Contains(e.Text(), tc.want) {
				t.Errorf("message %q does not name %q", e.Text(), tc.want)
			}
			if !reflect.DeepEqual(plan, allocation.Plan{}) {
				t.Errorf("plan with an error: %+v", plan)
			}
		})
	}
}

func TestBuildPlanEmpty(t *testing.T) {
	ags := []allocation.AgencyTarget{stAgency("A", 10, "*"), stAgency("Z", 10, "*")}
	for _, p := range stStrategies(nil) {
		if p.Strategy == allocation.StrategyManual {
			continue // account_ids may not be empty
		}
		t.Run(p.Strategy, func(t *testing.T) {
			plan := stPlan(t, nil, ags, p, 1)
			if len(plan.Assignments)+len(plan.Unassigned)+len(plan.ByAgency) != 0 {
				t.Errorf("plan from no candidates: %+v", plan)
			}
		})
	}
}

// Inputs big enough for the two-goroutine sort (from 32,768 candidates) and
// for the sparse (province, bucket) table (over 2^20 pairs).
func TestBuildPlanLargeInputs(t *testing.T) {
	ags := []allocation.AgencyTarget{stAgency("A", 30000, "*"), stAgency("B", 30000, "*")}
	p := allocation.PlanParams{Strategy: allocation.StrategyCapacityBalanced}
	t.Run("parallel sort", func(t *testing.T) {
		cands := stGenerate(rand.New(rand.NewPCG(8, 9)), 40000, true)
		first := stPlan(t, cands, ags, p, 5)
		c2 := slices.Clone(cands)
		slices.Reverse(c2)
		if again := stPlan(t, c2, ags, p, 5); !reflect.DeepEqual(first, again) {
			t.Error("reversed input gave another plan")
		}
		c2 = append(c2, c2[12345])
		if _, err := allocation.BuildPlan(c2, ags, p, 5); collect.ErrorCode(err) != collect.EINVALID {
			t.Errorf("duplicate among 40,001 candidates: err = %v", err)
		}
	})
	t.Run("many provinces and buckets", func(t *testing.T) {
		var cands []allocation.Candidate
		for i := range 1025 {
			cands = append(cands, stCand(fmt.Sprintf("m%04d", i), fmt.Sprintf("X%04d", i), fmt.Sprintf("P%04d", i), int64(i)))
		}
		plan := stPlan(t, cands, ags, p, 5)
		if len(plan.Assignments) != len(cands) {
			t.Errorf("assigned %d of %d", len(plan.Assignments), len(cands))
		}
	})
}

// TestCandidateExcluded: each exclusion flag alone excludes an account.
func TestCandidateExcluded(t *testing.T) {
	flags := map[string]func(*allocation.Candidate){
		allocation.UnassignedDisputeOpen:        func(c *allocation.Candidate) { c.DisputeOpen = true },
		allocation.UnassignedLegalHold:          func(c *allocation.Candidate) { c.LegalHold = true },
		allocation.UnassignedCeaseCommunication: func(c *allocation.Candidate) { c.CeaseCommunication = true },
		allocation.UnassignedDeceased:           func(c *allocation.Candidate) { c.Deceased = true },
		allocation.UnassignedBankrupt:           func(c *allocation.Candidate) { c.Bankrupt = true },
	}
	if (allocation.Candidate{}).Excluded() {
		t.Error("an account with no flag is excluded")
	}
	for reason, set := range flags {
		var c allocation.Candidate
		set(&c)
		if !c.Excluded() {
			t.Errorf("%s: not excluded", reason)
		}
	}
}
