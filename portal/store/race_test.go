package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// Payments on promised accounts while the promise evaluation runs (with a
// clock ten days on, so it breaks whatever is unpaid): no deadlock and no
// error on either side, every instalment ends kept or broken, and the
// counters equal a rebuild from the events (nothing counted twice).
func TestPaymentsDuringPromiseEvaluation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		rows, _, err := s.ListAccounts(ctx, agent, store.AccountFilter{Page: store.Page{PerPage: 8}, Sort: "-balance"})
		if err != nil || len(rows) < 8 {
			t.Fatalf("%d accounts: %v", len(rows), err)
		}
		due := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		for _, r := range rows {
			for _, q := range []string{
				`DELETE FROM arrangement_instalments WHERE arrangement_id IN (SELECT id FROM arrangements WHERE account_id = $1)`,
				`DELETE FROM arrangements WHERE account_id = $1`,
				`UPDATE accounts SET stage = 'negotiation', dispute_open = FALSE, verification_complete = TRUE WHERE id = $1`,
			} {
				if _, err := s.DB().Exec(q, r.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if _, err := s.CreateArrangement(ctx, agent, r.ID, store.ArrangementRequest{Kind: "promise", AmountCents: 5000, FirstDue: due}); err != nil {
				t.Fatal(err)
			}
		}
		later := storetest.Reopen(t, s, store.Options{Now: func() time.Time { return time.Now().AddDate(0, 0, 10) }})
		var wg sync.WaitGroup
		errs := make(chan error, len(rows)+1)
		wg.Add(1)
		go func() { defer wg.Done(); _, err := later.EvaluatePromises(ctx); errs <- err }()
		for i, r := range rows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := s.RecordPayment(ctx, agent, r.ID, store.PaymentInput{AmountCents: 5000, PaidAt: time.Now().UTC(), Reference: "RACE-" + string(rune('A'+i))})
				if err == nil { // the lender confirms it while the promises are evaluated
					_, err = s.DecidePayment(ctx, vm, p.ID, true, "")
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%v", err)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM arrangement_instalments ai JOIN arrangements a ON a.id = ai.arrangement_id
			WHERE a.account_id IN (SELECT account_id FROM arrangements WHERE kind = 'promise') AND ai.status NOT IN ('kept', 'broken') AND a.created_at > $1`, time.Now().Add(-time.Minute)); n != 0 {
			t.Errorf("%d instalments neither kept nor broken", n)
		}
		incremental := snapshot(t, s.DB())
		if err := s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		for k, v := range snapshot(t, s.DB()) {
			if incremental[k] != v {
				t.Errorf("%s: incremental %s, rebuilt %s", k, incremental[k], v)
			}
		}
	})
}
