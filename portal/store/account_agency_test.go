package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// accountAgency reads accounts.agency_id ("" for NULL).
func accountAgency(t *testing.T, s *store.Store, accountID string) string {
	t.Helper()
	var v sql.NullString
	if err := s.DB().QueryRow(`SELECT agency_id FROM accounts WHERE id = $1`, accountID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v.String
}

// driftedAccounts counts accounts whose agency_id is not the agency of their
// active placement.
func driftedAccounts(t *testing.T, s *store.Store) int {
	t.Helper()
	return count(t, s, `SELECT COUNT(*) FROM accounts a
		LEFT JOIN placements p ON p.account_id = a.id AND p.status = 'active'
		WHERE COALESCE(a.agency_id, '') <> COALESCE(p.agency_id, '')`)
}

// accounts.agency_id follows the account's active placement through the
// lifecycle, whichever path changes the placement (the product's
// transitions, the expiry sweep, a payment in full, a raw delete).
func TestAccountAgencyFollowsActivePlacement(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		if n := count(t, s, `SELECT COUNT(*) FROM accounts WHERE agency_id IS NOT NULL`); n == 0 {
			t.Fatal("the demo's active placements left no account with an agency")
		}
		if n := driftedAccounts(t, s); n != 0 {
			t.Fatalf("after the seed, %d accounts' agency_id differs from their active placement", n)
		}
		plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: portfolios(t, s, vm)[1].ID, Strategy: allocation.StrategyCapacityBalanced, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
			t.Fatal(err)
		}
		offers := planOfferIDs(t, s, plan.ID, sup.OrgID)
		if len(offers) < 4 {
			t.Fatalf("%d offers for agency A, want at least 4", len(offers))
		}
		accountOf := func(placementID string) string {
			var id string
			if err := s.DB().QueryRow(`SELECT account_id FROM placements WHERE id = $1`, placementID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		want := func(step, accountID, agency string) {
			t.Helper()
			if got := accountAgency(t, s, accountID); got != agency {
				t.Fatalf("%s: agency_id %q, want %q", step, got, agency)
			}
		}
		recalled, expired, paid, deleted := offers[0], offers[1], offers[2], offers[3]
		for _, id := range offers[:4] {
			want("offered", accountOf(id), "")
		}
		if _, err := s.AcceptPlacements(ctx, sup, store.PlacementAction{IDs: offers[:4]}); err != nil {
			t.Fatal(err)
		}
		for _, id := range offers[:4] {
			want("accepted", accountOf(id), sup.OrgID)
		}

		if _, err := s.RecallPlacements(ctx, vm, store.PlacementAction{IDs: []string{recalled}, Reason: "quality review"}); err != nil {
			t.Fatal(err)
		}
		want("recalled", accountOf(recalled), "")

		// A payment in full closes the account and its placement.
		var balance int64
		if err := s.DB().QueryRow(`SELECT balance_cents FROM accounts WHERE id = $1`, accountOf(paid)).Scan(&balance); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordPayment(ctx, vm, accountOf(paid), store.PaymentInput{AmountCents: balance, PaidAt: s.Now().Add(-time.Hour), Reference: "full"}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM placements WHERE id = $1 AND status = 'closed'`, paid); n != 1 {
			t.Fatal("the payment in full did not close the placement")
		}
		want("closed", accountOf(paid), "")

		deletedAccount := accountOf(deleted)
		if _, err := s.DB().Exec(`DELETE FROM placements WHERE id = $1`, deleted); err != nil {
			t.Fatal(err)
		}
		want("deleted", deletedAccount, "")

		// A second process whose clock is past every term expires the rest.
		later := storetest.Reopen(t, s, store.Options{Now: func() time.Time { return time.Now().Add(400 * 24 * time.Hour) }})
		if _, _, err := later.ExpirePlacements(ctx); err != nil {
			t.Fatal(err)
		}
		want("expired", accountOf(expired), "")
		if n := count(t, s, `SELECT COUNT(*) FROM accounts WHERE agency_id IS NOT NULL`); n != 0 {
			t.Fatalf("%d accounts keep an agency after every placement expired", n)
		}
		if n := driftedAccounts(t, s); n != 0 {
			t.Fatalf("%d accounts' agency_id differs from their active placement", n)
		}
	})
}
