package store_test

import (
	"collect"
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// snapshot reads every counter row, for comparing.
func snapshot(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT lender_id, agency_id, month, placed_accounts, placed_balance_cents, vintage_recovered_cents, recovered_cents,
		contact_attempts, right_party_contacts, promises, promises_due, promises_kept, complaints, accounts_worked, breaches,
		commission_cents, first_contact_days_sum, first_contact_count, legal_costs_cents FROM agency_month_stats ORDER BY lender_id, agency_id, month`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var l, a, m string
		v := make([]int64, 16)
		ptrs := []any{&l, &a, &m}
		for i := range v {
			ptrs = append(ptrs, &v[i])
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		allZero := true
		for _, x := range v {
			allZero = allZero && x == 0
		}
		if !allZero {
			out[l+"/"+a+"/"+m] = fmt.Sprint(v)
		}
	}
	return out
}

// TestStatsIncrementalMatchRebuild: the counters kept as events happen equal
// the counters recomputed from the events.
func TestStatsIncrementalMatchRebuild(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		// Accept the demo's offers; make a plan, commit, accept some.
		offersPage, _ := s.ListPlacements(ctx, sup, store.PlacementFilter{Status: "offered", Page: store.Page{PerPage: 500}})
		offers := offersPage.Rows
		var ids []string
		for _, o := range offers {
			ids = append(ids, o.ID)
		}
		if len(ids) > 0 {
			if _, err := s.AcceptPlacements(ctx, sup, store.PlacementAction{IDs: ids}); err != nil {
				t.Fatal(err)
			}
		}
		acc := agencyAccount(t, s, agent)
		s.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc.ID)
		s.DB().Exec(`UPDATE accounts SET verification_complete = TRUE, stage = 'first_contact', dispute_open = FALSE WHERE id = $1`, acc.ID)
		// The test changed the events behind the counters' back: count again.
		if err := s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		day := time.Now().UTC().Truncate(24 * time.Hour).Add(2*time.Hour + 30*time.Minute) // 10:30 in Beijing
		if day.After(time.Now()) {
			day = day.AddDate(0, 0, -1)
		}
		for _, outcome := range []string{"no_answer", "right_party_contact", "promise"} {
			if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: outcome, At: day}); err != nil {
				t.Fatal(err)
			}
			day = day.Add(time.Minute)
		}
		// The debtor calling in is a contact but not an attempt, so not a
		// right-party contact among the attempts either.
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Direction: "inbound", Outcome: "right_party_contact", At: day}); err != nil {
			t.Fatal(err)
		}
		// Written down late: a visit dated before the first contact counted
		// so far becomes the placement's first contact.
		var started time.Time
		if err := s.DB().QueryRow(`SELECT starts_at FROM placements WHERE account_id = $1 AND status = 'active'`, acc.ID).Scan(&started); err != nil {
			t.Fatal(err)
		}
		early := day.Add(-3*time.Minute - 24*time.Hour)
		if !started.Before(early) {
			t.Fatalf("the demo placement started %v, after %v", started, early)
		}
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "visit", Party: "debtor", Outcome: "no_answer", At: early}); err != nil {
			t.Fatal(err)
		}
		// Before the placement began: not this agency's contact.
		_, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer", At: started.Add(-time.Hour)})
		if collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("contact before the placement: %v, want %s", err, collect.EINVALID)
		}
		night := day.Add(-10 * time.Hour) // 00:30 in Beijing: refused, a breach
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer", At: night}); collect.ErrorCode(err) != collect.ERULEVIOLATION {
			t.Fatalf("night call: %v", err)
		}
		due := time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
		if _, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "promise", AmountCents: 1000, FirstDue: due}); err != nil {
			t.Fatal(err)
		}
		report(t, s, agent, acc.ID, store.PaymentInput{AmountCents: 1000, PaidAt: time.Now().UTC()})
		set, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "instalment_plan", AmountCents: acc.BalanceCents / 2, Instalments: 60, FirstDue: due})
		if err != nil {
			t.Fatal(err)
		}
		if set.Status == "pending_approval" {
			if _, err := s.DecideArrangementApproval(ctx, vm, set.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateComplaint(ctx, vm, store.ComplaintInput{AccountID: acc.ID, Category: "frequent_calls", Description: "x"}); err != nil {
			t.Fatal(err)
		}
		later := storetest.Reopen(t, s, store.Options{Now: func() time.Time { return time.Now().AddDate(0, 0, 30) }})
		if _, err := later.EvaluatePromises(ctx); err != nil {
			t.Fatal(err)
		}
		incremental := snapshot(t, s.DB())
		if err := s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		rebuilt := snapshot(t, s.DB())
		for k, v := range rebuilt {
			if incremental[k] != v {
				t.Errorf("%s: incremental %s, rebuilt %s", k, incremental[k], v)
			}
		}
		for k, v := range incremental {
			if _, ok := rebuilt[k]; !ok {
				t.Errorf("%s: incremental %s, rebuilt none", k, v)
			}
		}
	})
}
