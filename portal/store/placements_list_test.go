package store_test

import (
	"collect"
	"context"
	"testing"

	"collect/allocation"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestPlacementListNewestFirst: the placement list pages through every
// placement of the scope exactly once, newest first, on each database,
// whether it walks (more than 2,000 placements: a lender's after a plan of
// 2,500) or reads a small set and sorts it (an agency's offers of one
// plan); its total is exact below the count's cap.
func TestPlacementListNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "listed", Filename: "l.csv", Source: rowSource(t, generated(t, 2500, "en"))})
		if err != nil || res.Status != "done" {
			t.Fatalf("import: %+v %v", res, err)
		}
		plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: res.PortfolioID, Strategy: allocation.StrategyCapacityBalanced, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			actor collect.Actor
			f     store.PlacementFilter
			where string
			args  []any
		}{
			{"Lender", vm, store.PlacementFilter{}, "lender_id = $1", []any{vm.OrgID}},
			{"LenderOffered", vm, store.PlacementFilter{Status: "offered"}, "lender_id = $1 AND status = 'offered'", []any{vm.OrgID}},
			{"AgencyPlan", sup, store.PlacementFilter{Allocation: plan.ID}, "agency_id = $1 AND source = $2", []any{sup.OrgID, "allocation:" + plan.ID}},
		} {
			want := count(t, s, "SELECT COUNT(*) FROM placements WHERE "+c.where, c.args...)
			if c.name == "Lender" && want <= 2000 {
				t.Fatalf("only %d placements: the walk is not reached", want)
			}
			seen := map[string]bool{}
			var last *allocation.Placement
			for page := 1; ; page++ {
				f := c.f
				f.Page = store.Page{Page: page, PerPage: 500}
				got, err := s.ListPlacements(ctx, c.actor, f)
				if err != nil {
					t.Fatalf("%s page %d: %v", c.name, page, err)
				}
				if !got.TotalExact || got.Total != int64(want) {
					t.Fatalf("%s: total %d (exact %v), want %d", c.name, got.Total, got.TotalExact, want)
				}
				for i := range got.Rows {
					r := got.Rows[i].Placement
					if seen[r.ID] {
						t.Fatalf("%s: %s twice", c.name, r.ID)
					}
					seen[r.ID] = true
					if last != nil && r.CreatedAt.After(last.CreatedAt) {
						t.Fatalf("%s page %d: %s (%s) after %s (%s): not newest first", c.name, page, r.ID, r.CreatedAt, last.ID, last.CreatedAt)
					}
					last = &r
				}
				if len(got.Rows) < 500 {
					break
				}
			}
			if len(seen) != want {
				t.Fatalf("%s: %d placements listed, want %d", c.name, len(seen), want)
			}
		}
	})
}
