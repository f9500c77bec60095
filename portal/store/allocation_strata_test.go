package store_test

import (
	"collect"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"collect/allocation"
	"collect/casework/earlywarning"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// planLine is one account's outcome in a stored plan, read back from the
// plan's tables.
type planLine struct {
	agency, group, reason, bucket string // assigned
	unassigned                    string // the reason code when not assigned
}

// planLines reads every account of a stored plan.
func planLines(t *testing.T, s *store.Store, planID string) map[string]planLine {
	t.Helper()
	out := map[string]planLine{}
	rows, err := s.DB().Query(`SELECT account_id, agency_id, grp, reason, bucket FROM allocation_assignments WHERE allocation_id = $1`, planID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var l planLine
		if err := rows.Scan(&id, &l.agency, &l.group, &l.reason, &l.bucket); err != nil {
			t.Fatal(err)
		}
		out[id] = l
	}
	rows.Close()
	rows, err = s.DB().Query(`SELECT account_id, reason FROM allocation_unassigned WHERE allocation_id = $1`, planID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var l planLine
		if err := rows.Scan(&id, &l.unassigned); err != nil {
			t.Fatal(err)
		}
		out[id] = l
	}
	return out
}

// propensityBands reads the lender's propensity bands straight from
// account_scores; an account without a row has no band.
func propensityBands(t *testing.T, s *store.Store, lenderID string) map[string]string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT account_id, band FROM account_scores WHERE kind = $1 AND lender_id = $2`, earlywarning.KindPropensity, lenderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, band string
		if err := rows.Scan(&id, &band); err != nil {
			t.Fatal(err)
		}
		out[id] = band
	}
	return out
}

func orgByName(t *testing.T, s *store.Store, name string) string {
	t.Helper()
	var id string
	if err := s.DB().QueryRow(`SELECT id FROM organisations WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("organisation %s: %v", name, err)
	}
	return id
}

// isExclusion reports whether code is one of the five exclusion flags, which
// come before any rule or stratum.
func isExclusion(code string) bool {
	switch code {
	case allocation.UnassignedDisputeOpen, allocation.UnassignedLegalHold, allocation.UnassignedCeaseCommunication,
		allocation.UnassignedDeceased, allocation.UnassignedBankrupt:
		return true
	}
	return false
}

// Plans use the accounts' propensity bands from account_scores: rules on the
// band, and strata by bucket × band, on the demo, whose models are trained
// and whose open accounts are scored.
func TestPlanScoreBands(t *testing.T) {
	t.Parallel()
	// allocation cannot import earlywarning (the other way round): the band
	// names must agree.
	if allocation.ScoreBandHigh != earlywarning.BandHigh || allocation.ScoreBandMedium != earlywarning.BandMedium || allocation.ScoreBandLow != earlywarning.BandLow {
		t.Fatalf("allocation's score bands %q %q %q, earlywarning's %q %q %q",
			allocation.ScoreBandHigh, allocation.ScoreBandMedium, allocation.ScoreBandLow, earlywarning.BandHigh, earlywarning.BandMedium, earlywarning.BandLow)
	}
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := demoSeeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		p := portfolios(t, s, vm)[0]
		agA, agB, agC := orgByName(t, s, "Agency A"), orgByName(t, s, "Agency B"), orgByName(t, s, "Agency C")
		// Some accounts without a score, as if imported after the last
		// scoring: about one in eight.
		if _, err := s.DB().Exec(`DELETE FROM account_scores WHERE kind = $1 AND (account_id LIKE '%0' OR account_id LIKE '%8')`, earlywarning.KindPropensity); err != nil {
			t.Fatal(err)
		}
		bands := propensityBands(t, s, vm.OrgID)
		placeable := count(t, s, `SELECT COUNT(*) FROM accounts a WHERE a.portfolio_id = $1 AND a.status = 'open'
			AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.account_id = a.id AND p.status IN ('offered','active'))`, p.ID)
		byBand := map[string]int{}
		for _, b := range bands {
			byBand[b]++
		}
		t.Logf("portfolio %s: %d placeable; the lender's propensity bands %v", p.Name, placeable, byBand)
		if byBand[earlywarning.BandHigh] == 0 || byBand[earlywarning.BandMedium] == 0 || byBand[earlywarning.BandLow] == 0 {
			t.Fatalf("the demo should score accounts in every band: %v", byBand)
		}
		unscored := count(t, s, `SELECT COUNT(*) FROM accounts a WHERE a.portfolio_id = $1 AND a.status = 'open'
			AND NOT EXISTS (SELECT 1 FROM account_scores sc WHERE sc.account_id = a.id AND sc.kind = $2)`, p.ID, earlywarning.KindPropensity)
		if unscored == 0 {
			t.Fatal("no open account of the portfolio is without a score")
		}

		t.Run("rules on the band", func(t *testing.T) {
			rules := []allocation.Rule{
				{ScoreBand: allocation.ScoreBandHigh, AgencyID: agA},
				{ScoreBand: allocation.ScoreBandMedium, AgencyID: agB},
				{ScoreBand: allocation.ScoreBandLow, AgencyID: agC},
			}
			plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyRules,
				Params: allocation.PlanParams{Rules: rules}, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			lines := planLines(t, s, plan.ID)
			if len(lines) != placeable {
				t.Fatalf("plan covers %d accounts, %d placeable", len(lines), placeable)
			}
			ruleOf := map[string]int{allocation.ScoreBandHigh: 1, allocation.ScoreBandMedium: 2, allocation.ScoreBandLow: 3}
			perRule := map[int]int{}
			for id, l := range lines {
				band := bands[id]
				if l.unassigned != "" {
					// Without a band no rule matches; with one, a rule
					// matched and the agency was ineligible or full.
					switch {
					case isExclusion(l.unassigned):
					case band == "" && l.unassigned != allocation.UnassignedNoRuleMatched:
						t.Errorf("%s: not scored, unassigned as %s, want %s", id, l.unassigned, allocation.UnassignedNoRuleMatched)
					case band != "" && l.unassigned == allocation.UnassignedNoRuleMatched:
						t.Errorf("%s: band %s matched no rule", id, band)
					}
					continue
				}
				k := ruleOf[band]
				if k == 0 {
					t.Errorf("%s: not scored, assigned: %q", id, l.reason)
					continue
				}
				want := fmt.Sprintf("rule %d (score band %s) → ", k, band)
				if !strings.HasPrefix(l.reason, want) || l.agency != rules[k-1].AgencyID {
					t.Errorf("%s: band %s placed with %s for %q, want rule %d's %s", id, band, l.agency, l.reason, k, rules[k-1].AgencyID)
				}
				perRule[k]++
			}
			if perRule[1] == 0 || perRule[2] == 0 || perRule[3] == 0 {
				t.Errorf("accounts placed per rule %v: every band should place some", perRule)
			}
			t.Logf("rules: %d assigned per rule %v, %d unassigned %v", plan.AssignmentsTotal, perRule, plan.UnassignedTotal, plan.Unassigned)
		})

		// label is the stratum BuildPlan names for an account of the plan.
		label := func(bucket, band string) string {
			if band == "" {
				return "stratum " + bucket + " not scored"
			}
			return "stratum " + bucket + " score " + band
		}
		t.Run("strata by score band", func(t *testing.T) {
			// Agency B takes every bucket everywhere here, so that no
			// account drops out of champion_challenger's split for want of
			// an eligible agency and each stratum's split can be counted.
			if _, err := s.DB().Exec(`UPDATE agency_profiles SET licensed_provinces = '*', accepted_buckets = '' WHERE agency_id = $1`, agB); err != nil {
				t.Fatal(err)
			}
			for _, req := range []store.PlanRequest{
				{Strategy: allocation.StrategyCapacityBalanced, Params: allocation.PlanParams{Strata: allocation.StrataScoreBand}},
				{Strategy: allocation.StrategyChampionChallenger, Params: allocation.PlanParams{Strata: allocation.StrataScoreBand,
					AgencyIDs: []string{agA, agB}, ChallengerShare: 0.3}},
			} {
				req.PortfolioID, req.Seed = p.ID, 5
				plan, err := s.CreatePlan(ctx, vm, req)
				if err != nil {
					t.Fatalf("%s: %v", req.Strategy, err)
				}
				if got, err := s.Allocation(ctx, vm, plan.ID); err != nil || got.Params.Strata != allocation.StrataScoreBand {
					t.Errorf("%s: stored params %+v, %v", req.Strategy, got.Params, err)
				}
				lines := planLines(t, s, plan.ID)
				if len(lines) != placeable || plan.AssignmentsTotal == 0 {
					t.Fatalf("%s: plan covers %d accounts (%d assigned), %d placeable", req.Strategy, len(lines), plan.AssignmentsTotal, placeable)
				}
				// Every reason names the account's own bucket and band.
				strata := map[string]int{}
				chall := map[string]int{}
				for id, l := range lines {
					if l.unassigned != "" {
						if !isExclusion(l.unassigned) {
							t.Errorf("%s: %s unassigned: %s", req.Strategy, id, l.unassigned)
						}
						continue
					}
					want := label(l.bucket, bands[id])
					if !strings.Contains(l.reason, want+":") && !strings.Contains(l.reason, want+")") {
						t.Errorf("%s: %s (bucket %s, band %q): reason %q does not name %q", req.Strategy, id, l.bucket, bands[id], l.reason, want)
					}
					if strings.Contains(l.reason, "balance Q") {
						t.Errorf("%s: %s: reason %q names a balance quartile", req.Strategy, id, l.reason)
					}
					strata[want]++
					if l.group == allocation.GroupChallenger {
						chall[want]++
					}
				}
				if len(strata) < 6 {
					t.Errorf("%s: %d strata among the assignments, want several buckets × bands: %v", req.Strategy, len(strata), strata)
				}
				if req.Strategy == allocation.StrategyChampionChallenger {
					// Each band of each bucket sends its share to the
					// challenger: round(0.3 × the stratum's accounts).
					for st, n := range strata {
						if want := int(math.Round(0.3 * float64(n))); chall[st] != want {
							t.Errorf("%s: %d of %d to the challenger, want %d", st, chall[st], n, want)
						}
					}
				}
				t.Logf("%s: %d assigned over %d strata", req.Strategy, plan.AssignmentsTotal, len(strata))
			}
		})

		t.Run("no model in use", func(t *testing.T) {
			// Without scores every account is in its bucket's "not scored"
			// stratum, and rules that name a band match nothing.
			if _, err := s.DB().Exec(`DELETE FROM account_scores WHERE lender_id = $1`, vm.OrgID); err != nil {
				t.Fatal(err)
			}
			plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyCapacityBalanced,
				Params: allocation.PlanParams{Strata: allocation.StrataScoreBand}, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			for id, l := range planLines(t, s, plan.ID) {
				if l.unassigned == "" && !strings.HasPrefix(l.reason, label(l.bucket, "")+":") {
					t.Errorf("%s: reason %q without scores", id, l.reason)
				}
			}
			plan, err = s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyRules,
				Params: allocation.PlanParams{Rules: []allocation.Rule{{ScoreBand: allocation.ScoreBandHigh, AgencyID: agA}}}, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if plan.AssignmentsTotal != 0 {
				t.Errorf("a band rule placed %d accounts without scores", plan.AssignmentsTotal)
			}
		})

		t.Run("invalid", func(t *testing.T) {
			_, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyCapacityBalanced,
				Params: allocation.PlanParams{Strata: "risk"}, Seed: 1})
			if collect.ErrorCode(err) != collect.EINVALID {
				t.Errorf("strata \"risk\": %v", err)
			}
			_, err = s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyRules,
				Params: allocation.PlanParams{Rules: []allocation.Rule{{ScoreBand: "top", AgencyID: agA}}}, Seed: 1})
			if collect.ErrorCode(err) != collect.EINVALID {
				t.Errorf("score_band \"top\": %v", err)
			}
		})
	})
}
