package store_test

import (
	"collect"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// freshCounts is the GROUP BY the counters stand for, over the rows now.
func freshCounts(t *testing.T, s *store.Store) []string {
	t.Helper()
	return countRows(t, s, `SELECT a.lender_id, a.portfolio_id, COALESCE(p.agency_id, ''), a.bucket, a.stage, COUNT(*), SUM(a.balance_cents)
		FROM accounts a LEFT JOIN placements p ON p.account_id = a.id AND p.status = 'active'
		GROUP BY a.lender_id, a.portfolio_id, COALESCE(p.agency_id, ''), a.bucket, a.stage`)
}

func keptCounts(t *testing.T, s *store.Store) []string {
	t.Helper()
	return countRows(t, s, `SELECT lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents FROM account_counts WHERE accounts <> 0 OR balance_cents <> 0`)
}

func countRows(t *testing.T, s *store.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l, p, ag, b, st string
		var n, bal int64
		if err := rows.Scan(&l, &p, &ag, &b, &st, &n, &bal); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%s/%s/%s/%s: %d %d", l, p, ag, b, st, n, bal))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// sameCounts fails unless the kept counters equal a fresh GROUP BY, and the
// audit counters a fresh count of the trail.
func sameCounts(t *testing.T, s *store.Store, after string) {
	t.Helper()
	fresh, kept := freshCounts(t, s), keptCounts(t, s)
	if strings.Join(fresh, "\n") != strings.Join(kept, "\n") {
		t.Fatalf("after %s the counters differ from the rows:\nrows:\n%s\ncounters:\n%s", after, strings.Join(fresh, "\n"), strings.Join(kept, "\n"))
	}
	if n, k := count(t, s, `SELECT COUNT(*) FROM audit_events`), count(t, s, `SELECT COALESCE(SUM(events), 0) FROM audit_counts`); n != k {
		t.Fatalf("after %s: %d audit events, counted %d", after, n, k)
	}
	day := "date(at)"
	if s.Dialect() == "postgres" {
		day = "to_char(at, 'YYYY-MM-DD')"
	}
	freshDays := lines(t, s, `SELECT agency_id || '/' || `+day+` || '/' || collector_id || '/' || lender_id || ': ' || COUNT(*) FROM contacts
		GROUP BY agency_id, `+day+`, collector_id, lender_id`)
	keptDays := lines(t, s, `SELECT agency_id || '/' || day || '/' || collector_id || '/' || lender_id || ': ' || contacts FROM contact_day_counts WHERE contacts <> 0`)
	if len(freshDays) == 0 || strings.Join(freshDays, "\n") != strings.Join(keptDays, "\n") {
		t.Fatalf("after %s the contacts' day counters differ from the rows:\nrows:\n%s\ncounters:\n%s", after, strings.Join(freshDays, "\n"), strings.Join(keptDays, "\n"))
	}
	// Every lender and agency of a placement is kept (a pair stays after
	// its placements are gone: the agency has held the lender's accounts).
	heldBy := map[string]bool{}
	for _, l := range lines(t, s, `SELECT lender_id || '/' || agency_id FROM lender_agencies`) {
		heldBy[l] = true
	}
	held := lines(t, s, `SELECT DISTINCT lender_id || '/' || agency_id FROM placements`)
	for _, l := range held {
		if !heldBy[l] {
			t.Fatalf("after %s: placements of %s, not in lender_agencies", after, l)
		}
	}
	if len(held) == 0 {
		t.Fatalf("after %s: no placements", after)
	}
}

// lines is a one-column query's answers, sorted.
func lines(t *testing.T, s *store.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestCountersFollowEveryWrite: after each kind of write (an import, a
// re-import moving accounts, a plan committed and accepted, a payment, a
// stage move, a recall, the daily roll, a failed import's rows removed),
// the triggers' counters equal a fresh GROUP BY, and the dashboard read from
// them says what a GROUP BY over the scope says.
func TestCountersFollowEveryWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		sameCounts(t, s, "the seed")

		res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "counted", Filename: "c.csv", Source: rowSource(t, generated(t, 300, "en"))})
		if err != nil || res.Status != "done" {
			t.Fatalf("import: %+v %v", res, err)
		}
		sameCounts(t, s, "an import")
		res2, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "again", Filename: "c.csv", Source: rowSource(t, generated(t, 300, "en"))})
		if err != nil || res2.Status != "done" {
			t.Fatalf("re-import: %+v %v", res2, err)
		}
		sameCounts(t, s, "a re-import into another portfolio")

		plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: res2.PortfolioID, Strategy: allocation.StrategyCapacityBalanced, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
			t.Fatal(err)
		}
		sameCounts(t, s, "offers")
		offers := planOfferIDs(t, s, plan.ID, sup.OrgID)
		if len(offers) < 2 {
			t.Fatalf("%d offers to agency A", len(offers))
		}
		if n, err := s.AcceptPlacements(ctx, sup, store.PlacementAction{IDs: offers}); err != nil || n != len(offers) {
			t.Fatalf("accept: %d %v", n, err)
		}
		sameCounts(t, s, "accepting offers")

		var acc store.AccountDetail
		if err := s.DB().QueryRow(`SELECT p.account_id FROM placements p JOIN accounts a ON a.id = p.account_id
			WHERE p.status = 'active' AND p.agency_id = $1 AND a.verification_complete ORDER BY a.balance_cents DESC LIMIT 1`, agent.OrgID).Scan(&acc.ID); err != nil {
			t.Fatal(err)
		}
		if acc, err = s.Account(ctx, agent, acc.ID, false); err != nil {
			t.Fatal(err)
		}
		report(t, s, agent, acc.ID, store.PaymentInput{AmountCents: acc.BalanceCents / 3, PaidAt: time.Now().UTC().Add(-time.Hour), Reference: "counted-1"})
		sameCounts(t, s, "a payment")
		next, err := s.NextStages(ctx, agent, acc.ID)
		if err != nil || len(next) == 0 {
			t.Fatalf("no stage to move %s to: %v", acc.Stage, err)
		}
		if _, err := s.MoveStage(ctx, agent, acc.ID, next[0]); err != nil {
			t.Fatalf("stage %s to %s: %v", acc.Stage, next[0], err)
		}
		sameCounts(t, s, "a stage move")
		var placement string
		if err := s.DB().QueryRow(`SELECT id FROM placements WHERE account_id = $1 AND status = 'active'`, acc.ID).Scan(&placement); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecallPlacements(ctx, vm, store.PlacementAction{IDs: append(offers[:1], placement), Reason: "quality review"}); err != nil || n != 2 {
			t.Fatalf("recall: %d %v", n, err)
		}
		sameCounts(t, s, "a recall")

		// Writes behind the application's back are counted too: the daily
		// roll's kind of UPDATE, a hand-made placement, rows deleted.
		if _, err := s.DB().Exec(`UPDATE accounts SET dpd = dpd + 31, bucket = 'M3' WHERE portfolio_id = $1 AND bucket = 'M2'`, res2.PortfolioID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE accounts SET next_action_at = NULL WHERE lender_id = $1`, vm.OrgID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE contacts SET collector_id = $1 WHERE id IN (SELECT id FROM contacts ORDER BY id LIMIT 7)`, sup.UserID); err != nil {
			t.Fatal(err)
		}
		sameCounts(t, s, "a bulk UPDATE")
		if _, err := s.DB().Exec(`DELETE FROM placements WHERE account_id IN (SELECT id FROM accounts WHERE portfolio_id = $1)`, res.PortfolioID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM accounts WHERE portfolio_id = $1 AND id NOT IN (SELECT account_id FROM placements)
			AND id NOT IN (SELECT account_id FROM payments) AND id NOT IN (SELECT account_id FROM contacts)`, res.PortfolioID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM contacts WHERE id IN (SELECT id FROM contacts ORDER BY at DESC LIMIT 3)`); err != nil {
			t.Fatal(err)
		}
		sameCounts(t, s, "deletes")

		// The dashboard from the counters says what a GROUP BY says.
		for _, a := range []collect.Actor{vm, sup, agent} {
			d, err := s.Dashboard(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			var n, bal int64
			if err := s.DB().QueryRow(scopedTotal(a), a.OrgID).Scan(&n, &bal); err != nil {
				t.Fatal(err)
			}
			if d.Accounts != n || d.BalanceCents != bal || n == 0 {
				t.Fatalf("%s's dashboard: %d accounts %d cents, the rows %d %d", a.OrgName, d.Accounts, d.BalanceCents, n, bal)
			}
			var byBucket, byAgency int64
			for _, g := range d.ByBucket {
				byBucket += g.Count
			}
			for _, g := range d.ByAgency {
				byAgency += g.Count
			}
			if byBucket != n || (a.OrgKind == collect.KindLender && byAgency != d.Placed) {
				t.Fatalf("%s: buckets sum to %d of %d, agencies to %d of %d placed", a.OrgName, byBucket, n, byAgency, d.Placed)
			}
		}
		sum, err := s.PortfolioSummary(ctx, vm, res2.PortfolioID)
		if err != nil || int(sum.Accounts) != count(t, s, `SELECT COUNT(*) FROM accounts WHERE portfolio_id = $1`, res2.PortfolioID) {
			t.Fatalf("portfolio summary %+v %v", sum, err)
		}

		// A rebuild from the rows gives the same counters.
		if _, err := s.DB().Exec(`DELETE FROM lender_agencies`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE contact_day_counts SET contacts = contacts + 2`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE account_counts SET accounts = accounts + 7`); err != nil {
			t.Fatal(err)
		}
		if err := s.RebuildCounters(ctx); err != nil {
			t.Fatal(err)
		}
		sameCounts(t, s, "a rebuild")
	})
}

// scopedTotal counts the actor's accounts straight from the rows.
func scopedTotal(a collect.Actor) string {
	if a.OrgKind == collect.KindLender {
		return `SELECT COUNT(*), COALESCE(SUM(balance_cents), 0) FROM accounts WHERE lender_id = $1`
	}
	return `SELECT COUNT(*), COALESCE(SUM(a.balance_cents), 0) FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active' WHERE p.agency_id = $1`
}
