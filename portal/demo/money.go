package demo

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"collect/portal/sheets"
	"collect/portal/store"
)

// SeedMoney gives the demo a month of money that reconciles (issue 17),
// through the store's own paths: Agency A's contract with three grace days,
// the promise rule and a deduction per conduct breach; last month's invoice
// accepted by Agency A and approved; this month agencies' reports, a voucher
// reference, money Agency A collected itself, and the lender's feed that
// confirms one report, books a payment of its own and queues two
// exceptions (an amount that differs, a report the feed never saw). With an
// exception queued already it does nothing.
func SeedMoney(ctx context.Context, st *store.Store) error {
	users := map[string]collect.Actor{}
	for _, email := range []string{"vm@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test", "agent@agency-b.test"} {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("demo money: %s: %w", email, err)
		}
		a, _, err := st.Actor(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("demo money: %s: %w", email, err)
		}
		users[email] = a
	}
	vm, supA, agentA, agentB := users["vm@demo-bank.test"], users["supervisor@agency-a.test"], users["agent@agency-a.test"], users["agent@agency-b.test"]
	if excs, err := st.PaymentExceptions(ctx, vm, store.ExceptionFilter{Status: "all", Limit: 1}); err != nil || len(excs) > 0 {
		return err
	}
	// Agency A's contract: attribution and a conduct deduction, as data.
	view, err := st.AgencyView(ctx, vm, agentA.OrgID)
	if err != nil {
		return fmt.Errorf("demo money: agency: %w", err)
	}
	if view.Contract != nil {
		c := *view.Contract
		c.GraceDays, c.PromiseBeforeRecall = 3, true
		c.CommissionTerms = json.RawMessage(`{"deductions":[{"code":"conduct_breach","amount_cents":5000,"cap_cents":30000}],"max_per_account_cents":500000}`)
		if _, err := st.SaveContract(ctx, vm, agentA.OrgID, c); err != nil {
			return fmt.Errorf("demo money: contract: %w", err)
		}
	}
	now := st.Now()
	local := now.In(collect.China)
	lastMonth := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, collect.China).AddDate(0, -1, 0).Format("2006-01")
	// Last month's invoice: accepted by the agency, approved by the lender.
	invs, err := st.Invoices(ctx, vm, lastMonth, agentA.OrgID)
	if err != nil {
		return fmt.Errorf("demo money: last month: %w", err)
	}
	for _, inv := range invs {
		if _, err := st.ReviewInvoice(ctx, supA, inv.ID, true, store.ReviewInput{}); err != nil {
			return fmt.Errorf("demo money: accept: %w", err)
		}
		if _, err := st.ApproveInvoice(ctx, vm, inv.ID); err != nil {
			return fmt.Errorf("demo money: approve: %w", err)
		}
	}

	// This month: the agencies report.
	accsA, _, err := st.ListAccounts(ctx, agentA, store.AccountFilter{Page: store.Page{PerPage: 5}, Sort: "-balance"})
	if err != nil || len(accsA) < 5 {
		return fmt.Errorf("demo money: Agency A's accounts: %d, %v", len(accsA), err)
	}
	accsB, _, err := st.ListAccounts(ctx, agentB, store.AccountFilter{Page: store.Page{PerPage: 1}, Sort: "-balance"})
	if err != nil || len(accsB) < 1 {
		return fmt.Errorf("demo money: Agency B's accounts: %d, %v", len(accsB), err)
	}
	noon := func(daysAgo int) time.Time {
		d := local.AddDate(0, 0, -daysAgo)
		t := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, collect.China)
		if t.After(now) {
			t = now.Add(-time.Minute)
		}
		return t
	}
	reports := []struct {
		who     collect.Actor
		acc     store.AccountRow
		in      store.PaymentInput
		confirm bool // by hand, with its voucher reference
	}{
		{agentA, accsA[0], store.PaymentInput{AmountCents: 50_000, PaidAt: noon(2), Reference: "ICBC-DEMO-0001"}, false},
		{agentA, accsA[1], store.PaymentInput{AmountCents: 30_000, PaidAt: noon(2), Reference: "ICBC-DEMO-0002"}, false},
		{agentA, accsA[2], store.PaymentInput{AmountCents: 8_000, PaidAt: noon(3), Channel: "agency_collected", VoucherRef: "收据 No.0193"}, true},
		{agentA, accsA[3], store.PaymentInput{AmountCents: 12_000, PaidAt: noon(0), Reference: "ICBC-DEMO-0005"}, false},
		{agentB, accsB[0], store.PaymentInput{AmountCents: 20_000, PaidAt: noon(12), Reference: "CCB-DEMO-0004"}, false},
	}
	for _, r := range reports {
		p, err := st.RecordPayment(ctx, r.who, r.acc.ID, r.in)
		if err != nil {
			return fmt.Errorf("demo money: report on %s: %w", r.acc.ExternalRef, err)
		}
		if r.confirm {
			if _, err := st.DecidePayment(ctx, vm, p.ID, true, ""); err != nil {
				return fmt.Errorf("demo money: confirm: %w", err)
			}
		}
	}
	// The lender's feed of two days ago: one report matches, one differs by
	// 10.00, and one payment came straight to the lender.
	at := func(t time.Time) string { return t.Format(time.RFC3339) }
	feed := strings.Join([]string{
		"external_ref,amount,paid_at,reference",
		accsA[0].ExternalRef + ",500.00," + at(noon(2)) + ",ICBC-DEMO-0001",
		accsA[1].ExternalRef + ",290.00," + at(noon(2)) + ",ICBC-DEMO-0002",
		accsA[4].ExternalRef + ",150.00," + at(noon(2)) + ",ICBC-DEMO-0003",
	}, "\n") + "\n"
	src, err := sheets.OpenRowSource(strings.NewReader(feed), int64(len(feed)))
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := st.ImportPayments(ctx, vm, src)
	if err != nil {
		return fmt.Errorf("demo money: feed: %w", err)
	}
	if res.Rejected > 0 {
		return fmt.Errorf("demo money: feed refused: %+v", res.Errors)
	}
	return nil
}
