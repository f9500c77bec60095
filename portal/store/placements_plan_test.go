package store_test

import (
	"collect"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// clock is a settable store clock.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

// seededWith is seeded (the same template) with store options.
func seededWith(t *testing.T, dialect string, opts store.Options) *store.Store {
	t.Helper()
	return storetest.Seeded(t, dialect, "demo 120+80", func(s *store.Store) error {
		return demo.Seed(context.Background(), s, demo.Size{Portfolios: []int{120, 80}})
	}, opts)
}

// planOffers lists the ids of the plan's offers for an agency.
func planOfferIDs(t *testing.T, s *store.Store, planID, agencyID string) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT id FROM placements WHERE source = $1 AND agency_id = $2 AND status = 'offered' ORDER BY id`, "allocation:"+planID, agencyID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// tableState is every row of a query, ids left out by the query, as text.
func tableState(t *testing.T, s *store.Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.DB().Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case time.Time:
				vals[i] = x.UTC().Format(time.RFC3339Nano)
			case []byte:
				vals[i] = string(x)
			}
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	return out
}

// TestAcceptPlanSameAsPerID: on two copies of the same book with the same
// clock, the same plan committed, Agency A accepting and Agency B declining
// all their offers by plan leaves every placement and every counter exactly
// as doing it id by id (1,000 ids a call) does; the bulk path writes one
// audit event per action where the per-id path writes one per call.
func TestAcceptPlanSameAsPerID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		at := time.Now().UTC().Truncate(time.Second)
		opts := store.Options{Now: func() time.Time { return at }}
		type outcome struct {
			placements, stats  []string
			accepted, declined int
			events             int
		}
		run := func(bulk bool) outcome {
			s := seededWith(t, dialect, opts)
			vm := actorFor(t, s, "vm@demo-bank.test")
			supA := actorFor(t, s, "supervisor@agency-a.test")
			agentB := actorFor(t, s, "agent@agency-b.test")
			p := portfolios(t, s, vm)[1]
			plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyCapacityBalanced, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
				t.Fatal(err)
			}
			eventsBefore := count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action IN ('placement.accept', 'placement.decline')`)
			var o outcome
			if bulk {
				if o.accepted, err = s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: plan.ID}); err != nil {
					t.Fatalf("accept by plan: %v", err)
				}
				if o.declined, err = s.DeclinePlacements(ctx, agentB, store.PlacementAction{AllocationID: plan.ID, Reason: "no capacity this month"}); err != nil {
					t.Fatalf("decline by plan: %v", err)
				}
			} else {
				ids := planOfferIDs(t, s, plan.ID, supA.OrgID)
				for start := 0; start < len(ids); start += 1000 {
					n, err := s.AcceptPlacements(ctx, supA, store.PlacementAction{IDs: ids[start:min(start+1000, len(ids))]})
					if err != nil {
						t.Fatalf("accept by ids: %v", err)
					}
					o.accepted += n
				}
				ids = planOfferIDs(t, s, plan.ID, agentB.OrgID)
				for start := 0; start < len(ids); start += 1000 {
					n, err := s.DeclinePlacements(ctx, agentB, store.PlacementAction{IDs: ids[start:min(start+1000, len(ids))], Reason: "no capacity this month"})
					if err != nil {
						t.Fatalf("decline by ids: %v", err)
					}
					o.declined += n
				}
			}
			o.events = count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action IN ('placement.accept', 'placement.decline')`) - eventsBefore
			o.placements = tableState(t, s, `SELECT a.external_ref, p.agency_id, p.lender_id, p.status, p.fee_rate_bp, p.created_at, p.starts_at, p.ends_at,
				p.accept_by, p.accepted_at, p.ended_at, p.end_reason, p.decided_by, p.bucket, p.balance_cents, p.source = $1
				FROM placements p JOIN accounts a ON a.id = p.account_id ORDER BY a.external_ref, p.created_at, p.status`, "allocation:"+plan.ID)
			o.stats = tableState(t, s, `SELECT * FROM agency_month_stats ORDER BY lender_id, agency_id, month`)
			return o
		}
		byID, byPlan := run(false), run(true)
		if byPlan.accepted == 0 || byPlan.declined == 0 {
			t.Fatalf("the plan must offer to both agencies: %d accepted, %d declined", byPlan.accepted, byPlan.declined)
		}
		if byID.accepted != byPlan.accepted || byID.declined != byPlan.declined {
			t.Fatalf("accepted %d / %d, declined %d / %d (by id / by plan)", byID.accepted, byPlan.accepted, byID.declined, byPlan.declined)
		}
		t.Logf("%d offers accepted and %d declined, %d placements and %d counter rows compared", byPlan.accepted, byPlan.declined, len(byPlan.placements), len(byPlan.stats))
		if byPlan.events != 2 {
			t.Fatalf("the bulk path wrote %d audit events, want one per action", byPlan.events)
		}
		diff := func(what string, a, b []string) {
			if len(a) != len(b) {
				t.Fatalf("%s: %d rows by id, %d by plan", what, len(a), len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%s row %d:\n by id   %s\n by plan %s", what, i, a[i], b[i])
				}
			}
		}
		diff("placements", byID.placements, byPlan.placements)
		diff("agency_month_stats", byID.stats, byPlan.stats)
	})
}

// TestAcceptPlanRules: the bulk path keeps the per-id path's rules and
// scope: another agency, a lender, an unknown or draft plan are not found
// and change nothing; an expired offer or a suspended contract refuses the
// whole set as it refuses the id; accepting twice is a conflict as by id;
// a confirmed count that no longer holds is a conflict.
func TestAcceptPlanRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		clk := &clock{at: time.Now().UTC()}
		s := seededWith(t, dialect, store.Options{Now: clk.now})
		vm := actorFor(t, s, "vm@demo-bank.test")
		supA := actorFor(t, s, "supervisor@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		p := portfolios(t, s, vm)[1]
		plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyCapacityBalanced, Seed: 7,
			Params: allocation.PlanParams{AgencyIDs: []string{supA.OrgID}}})
		if err != nil {
			t.Fatal(err)
		}
		draft, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: p.ID, Strategy: allocation.StrategyCapacityBalanced, Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
			t.Fatal(err)
		}
		ids := planOfferIDs(t, s, plan.ID, supA.OrgID)
		if len(ids) < 3 || len(ids) != plan.AssignmentsTotal {
			t.Fatalf("%d offers for %d assignments", len(ids), plan.AssignmentsTotal)
		}
		state := func() []string {
			return tableState(t, s, `SELECT id, status, accepted_at, decided_by FROM placements ORDER BY id`)
		}
		before := state()
		unchanged := func(what string) {
			t.Helper()
			if after := state(); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Fatalf("%s changed placements", what)
			}
		}
		wantCode := func(what string, err error, code string) {
			t.Helper()
			if collect.ErrorCode(err) != code {
				t.Fatalf("%s: %v, want %s", what, err, code)
			}
		}
		byPlan := store.PlacementAction{AllocationID: plan.ID}
		for _, c := range []struct {
			what string
			run  func() (int, error)
			code string
		}{
			{"another agency accepting", func() (int, error) { return s.AcceptPlacements(ctx, agentB, byPlan) }, collect.ENOTFOUND},
			{"another agency declining", func() (int, error) {
				return s.DeclinePlacements(ctx, agentB, store.PlacementAction{AllocationID: plan.ID, Reason: "x"})
			}, collect.ENOTFOUND},
			{"the lender accepting", func() (int, error) { return s.AcceptPlacements(ctx, vm, byPlan) }, collect.ENOTFOUND},
			{"an unknown plan", func() (int, error) { return s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: "nope"}) }, collect.ENOTFOUND},
			{"a draft plan", func() (int, error) {
				return s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: draft.ID})
			}, collect.ENOTFOUND},
			{"ids and a plan", func() (int, error) {
				return s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: plan.ID, IDs: ids[:1]})
			}, collect.EINVALID},
			{"declining without a reason", func() (int, error) { return s.DeclinePlacements(ctx, supA, byPlan) }, collect.EINVALID},
			{"recalling by plan", func() (int, error) {
				return s.RecallPlacements(ctx, vm, store.PlacementAction{AllocationID: plan.ID, Reason: "x"})
			}, collect.EINVALID},
			{"a confirmed count that changed", func() (int, error) {
				return s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: plan.ID, Expect: len(ids) + 1})
			}, collect.ECONFLICT},
		} {
			n, err := c.run()
			wantCode(c.what, err, c.code)
			if n != 0 {
				t.Fatalf("%s: %d changed", c.what, n)
			}
			unchanged(c.what)
		}

		// A suspended contract refuses the set, as it refuses one id.
		if _, err := s.SetContractStatus(ctx, vm, supA.OrgID, "suspended"); err != nil {
			t.Fatal(err)
		}
		_, err = s.AcceptPlacements(ctx, supA, store.PlacementAction{IDs: ids[:1]})
		wantCode("one id, contract suspended", err, collect.ECONFLICT)
		_, err = s.AcceptPlacements(ctx, supA, byPlan)
		wantCode("by plan, contract suspended", err, collect.ECONFLICT)
		if _, err := s.SetContractStatus(ctx, vm, supA.OrgID, "active"); err != nil {
			t.Fatal(err)
		}
		before = state() // the contract's audit moved nothing in placements
		// Past the deadline (the expiry job not run yet): refused both ways.
		var acceptBy time.Time
		if err := s.DB().QueryRow(`SELECT accept_by FROM placements WHERE id = $1`, ids[0]).Scan(&acceptBy); err != nil {
			t.Fatal(err)
		}
		clk.set(acceptBy.Add(time.Minute))
		_, err = s.AcceptPlacements(ctx, supA, store.PlacementAction{IDs: ids[:1]})
		wantCode("one id, expired", err, collect.ECONFLICT)
		_, err = s.AcceptPlacements(ctx, supA, byPlan)
		wantCode("by plan, expired", err, collect.ECONFLICT)
		unchanged("expired offers")
		clk.set(acceptBy.Add(-time.Hour))

		// One accepted by id first; the plan's remaining offers in one action.
		if n, err := s.AcceptPlacements(ctx, supA, store.PlacementAction{IDs: ids[:1]}); err != nil || n != 1 {
			t.Fatalf("accept one: %d %v", n, err)
		}
		offers, err := s.PlanOffersFor(ctx, supA, plan.ID)
		if err != nil || offers.Count != len(ids)-1 || offers.AcceptBy == nil || !offers.AcceptBy.Equal(acceptBy) {
			t.Fatalf("plan offers %+v %v, want %d by %s", offers, err, len(ids)-1, acceptBy)
		}
		if _, err := s.PlanOffersFor(ctx, agentB, plan.ID); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("another agency reads the plan's offers: %v", err)
		}
		month := clk.now().Format("2006-01")
		placedBefore := count(t, s, `SELECT COALESCE(SUM(placed_accounts), 0) FROM agency_month_stats WHERE agency_id = $1 AND month = $2`, supA.OrgID, month)
		events := count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'placement.accept'`)
		n, err := s.AcceptPlacements(ctx, supA, store.PlacementAction{AllocationID: plan.ID, Expect: len(ids) - 1})
		if err != nil || n != len(ids)-1 {
			t.Fatalf("accept by plan: %d %v", n, err)
		}
		if left := planOfferIDs(t, s, plan.ID, supA.OrgID); len(left) != 0 {
			t.Fatalf("%d offers left", len(left))
		}
		if got := count(t, s, `SELECT COUNT(*) FROM placements WHERE source = $1 AND status = 'active' AND decided_by = $2`, "allocation:"+plan.ID, supA.UserID); got != len(ids) {
			t.Fatalf("%d active, want %d", got, len(ids))
		}
		if got := count(t, s, `SELECT COALESCE(SUM(placed_accounts), 0) FROM agency_month_stats WHERE agency_id = $1 AND month = $2`, supA.OrgID, month); got != placedBefore+n {
			t.Fatalf("placed_accounts %d, want %d", got, placedBefore+n)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'placement.accept'`); got != events+1 {
			t.Fatalf("%d audit events for one bulk accept", got-events)
		}
		var summary string
		if err := s.DB().QueryRow(`SELECT summary FROM audit_events WHERE action = 'placement.accept' ORDER BY seq DESC LIMIT 1`).Scan(&summary); err != nil ||
			!strings.Contains(summary, fmt.Sprintf(`"count":%d`, n)) || !strings.Contains(summary, plan.ID) {
			t.Fatalf("audit summary %q %v", summary, err)
		}
		// Twice: a conflict, as accepting an accepted placement by id is.
		before = state()
		_, err = s.AcceptPlacements(ctx, supA, byPlan)
		wantCode("accepting the plan twice", err, collect.ECONFLICT)
		_, err = s.AcceptPlacements(ctx, supA, store.PlacementAction{IDs: ids[:1]})
		wantCode("accepting an id twice", err, collect.ECONFLICT)
		_, err = s.DeclinePlacements(ctx, supA, store.PlacementAction{AllocationID: plan.ID, Reason: "x"})
		wantCode("declining an accepted plan", err, collect.ECONFLICT)
		unchanged("accepting twice")
		if rep, err := s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("audit chain: %+v %v", rep, err)
		}
	})
}
