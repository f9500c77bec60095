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

// TestMoneyCountsOnce: the ways one payment could be counted twice or a
// second one lost, each on its own account (found in review): a second
// real payment after a hand confirmation stays reported; a report of money
// the feed already booked, confirmed from its exception, is linked and not
// applied again; a report whose no_feed_record exception is followed by the
// bank's row gets the row's exception instead of losing it; a hand
// confirmation of money the lender recorded itself links it; collected
// money the lender already holds is not owed again; a feed-only exception
// is queued once however often the feed comes; a row dated in the future
// refuses the feed.
func TestMoneyCountsOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		var accs []store.AccountRow
		rows, _, err := s.ListAccounts(ctx, agent, store.AccountFilter{Page: store.Page{PerPage: 6}, Sort: "-balance"})
		if err != nil || len(rows) < 6 {
			t.Fatalf("%d accounts: %v", len(rows), err)
		}
		accs = rows
		now := time.Now().UTC().Truncate(time.Second)
		paid := now.Add(-time.Hour)
		balance := func(id string) int64 {
			var b int64
			s.DB().QueryRow(`SELECT balance_cents FROM accounts WHERE id = $1`, id).Scan(&b)
			return b
		}
		status := func(id string) string {
			var st string
			s.DB().QueryRow(`SELECT status FROM payments WHERE id = $1`, id).Scan(&st)
			return st
		}
		rec := func(a collect.Actor, acc string, in store.PaymentInput) store.Payment {
			t.Helper()
			p, err := s.RecordPayment(ctx, a, acc, in)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		feed := func(lines ...string) store.PaymentFeedResult {
			t.Helper()
			text := "external_ref,amount,paid_at,reference\n" + strings.Join(lines, "\n") + "\n"
			res, err := s.ImportPayments(ctx, vm, feedSource(t, text))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		openException := func(paymentID string) (id, reason string) {
			s.DB().QueryRow(`SELECT id, reason FROM payment_exceptions WHERE payment_id = $1 AND status = 'open'`, paymentID).Scan(&id, &reason)
			return
		}
		at := paid.Format(time.RFC3339)

		// 1. A hand-confirmed report, then a second real payment of the same amount.
		a0 := accs[0]
		first := rec(agent, a0.ID, store.PaymentInput{AmountCents: 50_000, PaidAt: paid, VoucherRef: "receipt 1"})
		if _, err := s.DecidePayment(ctx, vm, first.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		second := rec(agent, a0.ID, store.PaymentInput{AmountCents: 50_000, PaidAt: paid, VoucherRef: "receipt 2"})
		if second.Status != "reported" {
			t.Errorf("a second payment after a hand confirmation is %s, want reported", second.Status)
		}

		// 2. The feed books 100.00; the agency reports 99.00; the next feed pairs them.
		a1 := accs[1]
		before := balance(a1.ID)
		feed(a1.ExternalRef + ",100.00," + at + ",BANK-ONCE-1")
		r2 := rec(agent, a1.ID, store.PaymentInput{AmountCents: 9_900, PaidAt: paid, VoucherRef: "receipt 3"})
		feed(accs[5].ExternalRef + ",1.00," + at + ",BANK-ONCE-X")
		exc, reason := openException(r2.ID)
		if reason != "amount_differs" {
			t.Fatalf("the report of booked money: exception %q", reason)
		}
		if _, err := s.ResolveException(ctx, vm, exc, store.ResolveInput{Action: "confirm"}); err != nil {
			t.Fatal(err)
		}
		if b := balance(a1.ID); b != before-10_000 || status(r2.ID) != "confirmed" {
			t.Errorf("confirmed report of booked money: balance %d, want %d (moved once); status %s", b, before-10_000, status(r2.ID))
		}
		if n := count(t, s, `SELECT COUNT(*) FROM commissions WHERE payment_id = $1`, r2.ID); n != 0 {
			t.Errorf("the linked report earned again: %d commission rows", n)
		}

		// 3. A report the feed never saw, then the bank's row of it.
		a2 := accs[2]
		old := rec(agent, a2.ID, store.PaymentInput{AmountCents: 10_000, PaidAt: now.AddDate(0, 0, -8), Reference: "LATE-BANK-1"})
		feed(accs[5].ExternalRef + ",1.00," + at + ",BANK-ONCE-Y")
		if _, reason := openException(old.ID); reason != "no_feed_record" {
			t.Fatalf("an old report: exception %q", reason)
		}
		before = balance(a2.ID)
		feed(a2.ExternalRef + ",99.00," + now.AddDate(0, 0, -8).Format(time.RFC3339) + ",LATE-BANK-1")
		exc, reason = openException(old.ID)
		if reason != "amount_differs" {
			t.Fatalf("the bank's row of the old report: exception %q, want amount_differs", reason)
		}
		if _, err := s.ResolveException(ctx, vm, exc, store.ResolveInput{Action: "confirm"}); err != nil {
			t.Fatal(err)
		}
		if b := balance(a2.ID); b != before-9_900 {
			t.Errorf("the old report at the bank's amount: balance %d, want %d", b, before-9_900)
		}

		// 4. The lender records the money itself, then confirms the report by hand.
		a3 := accs[3]
		r4 := rec(agent, a3.ID, store.PaymentInput{AmountCents: 10_000, PaidAt: paid, VoucherRef: "receipt 4"})
		before = balance(a3.ID)
		rec(vm, a3.ID, store.PaymentInput{AmountCents: 10_000, PaidAt: paid, Reference: "OWN-4"})
		if _, err := s.DecidePayment(ctx, vm, r4.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if b := balance(a3.ID); b != before-10_000 {
			t.Errorf("hand confirmation of booked money: balance %d, want %d", b, before-10_000)
		}

		// 5. Collected money the lender already booked is not owed.
		a4 := accs[4]
		feed(a4.ExternalRef + ",70.00," + at + ",BANK-ONCE-5")
		r5 := rec(agent, a4.ID, store.PaymentInput{AmountCents: 7_000, PaidAt: paid, Channel: "agency_collected", VoucherRef: "cash 5"})
		if r5.Status != "confirmed" || r5.LinkedPaymentID == "" {
			t.Fatalf("collected money the lender booked: %+v", r5)
		}
		figs, err := s.MoneyFigures(ctx, vm)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range figs {
			if f.AgencyID == agent.OrgID && f.Remittance.OutstandingCents != 0 {
				t.Errorf("remittance owed on money the lender holds: %d", f.Remittance.OutstandingCents)
			}
		}

		// 9. The same bad row three times: one exception.
		for range 3 {
			feed(accs[5].ExternalRef + ",3.00," + at + ",BANK-ONCE-1") // BANK-ONCE-1 is account 1's
		}
		if n := count(t, s, `SELECT COUNT(*) FROM payment_exceptions WHERE status = 'open' AND payment_id = '' AND feed_amount_cents = 300`); n != 1 {
			t.Errorf("%d open exceptions for one row fed three times", n)
		}

		// 10. A row dated in the future.
		res, err := s.ImportPayments(ctx, vm, feedSource(t, "external_ref,amount,paid_at\n"+accs[5].ExternalRef+",1.00,"+now.AddDate(1, 0, 0).Format(time.RFC3339)+"\n"))
		if err != nil || res.Rejected != 1 || res.Errors[0].Field != "paid_at" {
			t.Errorf("a future row: %+v %v", res, err)
		}
	})
}

// TestExceptionsInTheAccountsCurrency: a lender working in Chicago feeds a
// US loan's bank row; the exception carries the account's currency, so the
// desk shows dollars, not yuan.
func TestExceptionsInTheAccountsCurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := seeded(t, "sqlite")
	agent := actorFor(t, s, "agent@agency-a.test")
	vm := actorFor(t, s, "vm@demo-bank.test")
	acc := agencyAccount(t, s, agent)
	if _, err := s.DB().Exec(`UPDATE organisations SET time_zone = 'America/Chicago' WHERE id = $1`, vm.OrgID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE accounts SET currency = 'USD' WHERE id = $1`, acc.ID); err != nil {
		t.Fatal(err)
	}
	paid := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	p, err := s.RecordPayment(ctx, agent, acc.ID, store.PaymentInput{AmountCents: 5_000, PaidAt: paid, Reference: "US-1"})
	if err != nil || p.Currency != "USD" {
		t.Fatalf("report: %+v %v", p, err)
	}
	if _, err := s.ImportPayments(ctx, vm, feedSource(t, "external_ref,amount,paid_at,reference\n"+acc.ExternalRef+",49.00,"+paid.Format(time.RFC3339)+",US-1\n")); err != nil {
		t.Fatal(err)
	}
	excs, err := s.PaymentExceptions(ctx, vm, store.ExceptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range excs {
		if e.PaymentID == p.ID {
			found = true
			if e.Currency != "USD" || e.Reason != "amount_differs" {
				t.Errorf("the US exception: %+v", e)
			}
		}
	}
	if !found {
		t.Fatal("no exception for the US report")
	}
}
