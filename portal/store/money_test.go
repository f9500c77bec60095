package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"collect"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// confirmed is an agency's reported payment confirmed by the demo lender's
// vendor manager (with the reference or voucher to look at), as the
// lender's feed or a lender user would: only then does it move the balance
// and earn commission.
func confirmed(t *testing.T, s *store.Store, p store.Payment, err error) store.Payment {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "reported" {
		return p
	}
	vm := actorFor(t, s, "vm@demo-bank.test")
	out, err := s.DecidePayment(context.Background(), vm, p.ID, true, "")
	if err != nil {
		t.Fatalf("confirming %s: %v", p.ID, err)
	}
	return out
}

// report records a payment as the agency and has the lender confirm it.
func report(t *testing.T, s *store.Store, agent collect.Actor, accountID string, in store.PaymentInput) store.Payment {
	t.Helper()
	if in.Reference == "" && in.VoucherRef == "" {
		in.VoucherRef = "voucher-" + accountID[len(accountID)-6:]
	}
	p, err := s.RecordPayment(context.Background(), agent, accountID, in)
	return confirmed(t, s, p, err)
}

// TestFeedsAndReportsRaceOnOneAccount: four feeds carrying the same bank
// record, the lender confirming by hand, and the agency reporting four more
// payments, all at once on one account: the report is confirmed once and
// earns once, no report is lost, and the balance moves by the money
// confirmed (PostgreSQL runs them in parallel; SQLite one writer at a time).
func TestFeedsAndReportsRaceOnOneAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		acc := agencyAccount(t, s, agent)
		paid := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		r, err := s.RecordPayment(ctx, agent, acc.ID, store.PaymentInput{AmountCents: 10_000, PaidAt: paid, Reference: "PAR-1"})
		if err != nil {
			t.Fatal(err)
		}
		feed := "external_ref,amount,paid_at,reference\n" + acc.ExternalRef + ",100.00," + paid.Format(time.RFC3339) + ",PAR-1\n"
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				src, err := sheets.OpenRowSource(strings.NewReader(feed), int64(len(feed)))
				if err == nil {
					_, err = s.ImportPayments(ctx, vm, src)
					src.Close()
				}
				errs <- err
			}()
			go func() {
				defer wg.Done()
				_, err := s.RecordPayment(ctx, agent, acc.ID, store.PaymentInput{AmountCents: 1_000, PaidAt: paid, Reference: fmt.Sprintf("PAR-%d", i+2)})
				errs <- err
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.DecidePayment(ctx, vm, r.ID, true, ""); err != nil && collect.ErrorCode(err) != collect.ECONFLICT {
				errs <- err
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%v", err)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND reference = 'PAR-1'`, acc.ID); n != 1 {
			t.Errorf("%d payments carry the bank record, want the one report", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM payments WHERE id = $1 AND status = 'confirmed'`, r.ID); n != 1 {
			t.Error("the report is not confirmed")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM commissions WHERE payment_id = $1`, r.ID); n != 1 {
			t.Errorf("%d commission rows on the report, want 1", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND reference LIKE 'PAR-%' AND reference <> 'PAR-1' AND status = 'reported'`, acc.ID); n != 4 {
			t.Errorf("%d of the 4 later reports are still reported", n)
		}
		var balance, reported int64
		s.DB().QueryRow(`SELECT balance_cents, reported_cents FROM accounts WHERE id = $1`, acc.ID).Scan(&balance, &reported)
		if balance != acc.BalanceCents-10_000 || reported != 4_000 {
			t.Errorf("balance %d reported %d, want %d and 4000", balance, reported, acc.BalanceCents-10_000)
		}
		// The recovery counters the feed kept are those a rebuild finds.
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

// TestAttributionAtTheBoundaryDays: after a recall the agency earns on the
// lender's payments through the contract's grace days and not the day
// after; with the promise rule, on a promise it secured before the recall
// until the promise's due day.
func TestAttributionAtTheBoundaryDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		rows, _, err := s.ListAccounts(ctx, agent, store.AccountFilter{Page: store.Page{PerPage: 2}, Sort: "-balance"})
		if err != nil || len(rows) < 2 {
			t.Fatalf("%d accounts: %v", len(rows), err)
		}
		today := time.Now().In(collect.China)
		recalled := time.Date(today.Year(), today.Month(), today.Day(), 10, 0, 0, 0, collect.China).AddDate(0, 0, -20)
		day := func(n int) time.Time { return recalled.AddDate(0, 0, n) }
		for _, acc := range rows {
			if _, err := s.DB().Exec(`UPDATE placements SET status = 'recalled', ended_at = $1, accepted_at = $2 WHERE account_id = $3 AND status = 'active'`,
				recalled.UTC(), day(-30).UTC(), acc.ID); err != nil {
				t.Fatal(err)
			}
		}
		setRule := func(grace int, promise bool) {
			if _, err := s.DB().Exec(`UPDATE contracts SET grace_days = $1, promise_before_recall = $2 WHERE agency_id = $3`, grace, promise, agent.OrgID); err != nil {
				t.Fatal(err)
			}
		}
		pay := func(acc string, at time.Time, ref string) store.Payment {
			p, err := s.RecordPayment(ctx, vm, acc, store.PaymentInput{AmountCents: 1_000, PaidAt: at, Reference: ref})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		setRule(3, false)
		if p := pay(rows[0].ID, day(3), "G-3"); p.CommissionAgency != agent.OrgID || p.CommissionCents <= 0 {
			t.Errorf("paid on the last grace day: %+v, want Agency A's commission", p)
		}
		if p := pay(rows[0].ID, day(4), "G-4"); p.CommissionAgency != "" {
			t.Errorf("paid the day after the grace: commission to %q", p.CommissionAgency)
		}
		// A promise Agency A secured before the recall, due ten days after it.
		due := day(10).Format(time.DateOnly)
		if _, err := s.DB().Exec(`INSERT INTO arrangements (id, account_id, lender_id, agency_id, kind, status, amount_cents, first_due, maker_id, created_at)
			VALUES ('promise-before-recall', $1, $2, $3, 'promise', 'active', 1000, $4, 'x', $5)`, rows[1].ID, vm.OrgID, agent.OrgID, due, day(-2).UTC()); err != nil {
			t.Fatal(err)
		}
		setRule(0, false)
		if p := pay(rows[1].ID, day(8), "P-8-off"); p.CommissionAgency != "" {
			t.Errorf("without the promise rule: commission to %q", p.CommissionAgency)
		}
		setRule(0, true)
		if p := pay(rows[1].ID, day(10), "P-10"); p.CommissionAgency != agent.OrgID {
			t.Errorf("paid on the promise's due day: commission to %q, want Agency A", p.CommissionAgency)
		}
		if p := pay(rows[1].ID, day(11), "P-11"); p.CommissionAgency != "" {
			t.Errorf("paid the day after the promise was due: commission to %q", p.CommissionAgency)
		}
	})
}

// TestCommissionTermsOnPayments: the contract's terms beyond the bucket fee
// reach each confirmed payment's commission, and its line says why: a
// minimum per account tops a small payment up (never past the payment), a
// maximum per account cuts the next.
func TestCommissionTermsOnPayments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		// Two accounts Agency A holds on which nothing was earned yet.
		var ids []string
		q, err := s.DB().Query(`SELECT a.id FROM accounts a WHERE a.agency_id = $1 AND a.balance_cents > 200000
			AND NOT EXISTS (SELECT 1 FROM commissions c WHERE c.account_id = a.id) ORDER BY a.id LIMIT 2`, agent.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		for q.Next() {
			var id string
			q.Scan(&id)
			ids = append(ids, id)
		}
		q.Close()
		if len(ids) < 2 {
			t.Fatalf("%d fresh accounts", len(ids))
		}
		view, err := s.AgencyView(ctx, vm, agent.OrgID)
		if err != nil || view.Contract == nil {
			t.Fatalf("contract: %v", err)
		}
		c := *view.Contract
		c.CommissionTerms = []byte(`{"min_per_account_cents":50000}`)
		if _, err := s.SaveContract(ctx, vm, agent.OrgID, c); err != nil {
			t.Fatal(err)
		}
		paid := time.Now().UTC().Add(-time.Hour)
		explanation := func(p store.Payment) string {
			var e string
			s.DB().QueryRow(`SELECT explanation FROM commissions WHERE payment_id = $1`, p.ID).Scan(&e)
			return e
		}
		// 100.00 paid on an account that earned nothing yet: topped up toward the
		// minimum of 500.00, but never past the payment itself.
		p := report(t, s, agent, ids[0], store.PaymentInput{AmountCents: 10_000, PaidAt: paid, Reference: "TERMS-1"})
		if p.CommissionCents != 10_000 || !strings.Contains(explanation(p), `"min_applied":true`) || !strings.Contains(explanation(p), `"payment_cap_applied":true`) {
			t.Errorf("a small payment under a minimum: commission %d, %s", p.CommissionCents, explanation(p))
		}
		// A maximum of 1.00 per account cuts the line of a 1,000.00 payment.
		c.CommissionTerms = []byte(`{"max_per_account_cents":100}`)
		if _, err := s.SaveContract(ctx, vm, agent.OrgID, c); err != nil {
			t.Fatal(err)
		}
		p = report(t, s, agent, ids[1], store.PaymentInput{AmountCents: 100_000, PaidAt: paid, Reference: "TERMS-2"})
		if p.CommissionCents != 100 || !strings.Contains(explanation(p), `"max_applied":true`) {
			t.Errorf("a payment past the maximum: commission %d, %s", p.CommissionCents, explanation(p))
		}
	})
}
