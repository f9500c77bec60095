package store_test

import (
	"collect"
	"context"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// Legal costs are recorded while a case is open, counted in the agency's
// cost to collect for the month incurred, and the counters agree with the
// rebuild; bad input, a referred case and another agency are refused.
func TestRecordLegalCost(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		acc := agencyAccount(t, s, agent)
		if _, err := s.DB().Exec(`UPDATE accounts SET verification_complete = TRUE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		lc, err := s.ReferLegal(ctx, agent, acc.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().In(collect.China).Format(time.DateOnly)
		fee := store.LegalCostInput{Kind: "court_fee", AmountCents: 125_000, IncurredOn: today, Note: "案件受理费"}
		if _, err := s.RecordLegalCost(ctx, sup, lc.ID, fee); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("a cost on a referred case: %v, want %s", err, collect.ECONFLICT)
		}
		if _, err := s.AdvanceLegal(ctx, vm, lc.ID, "approved", ""); err != nil {
			t.Fatal(err)
		}
		month := time.Now().In(collect.China).Format("2006-01")
		before := legalCosts(t, s, vm, month, sup.OrgID)
		if _, err := s.RecordLegalCost(ctx, sup, lc.ID, fee); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordLegalCost(ctx, vm, lc.ID, store.LegalCostInput{Kind: "lawyer_fee", AmountCents: 300_000, IncurredOn: today}); err != nil {
			t.Fatal(err)
		}
		if got := legalCosts(t, s, vm, month, sup.OrgID); got != before+425_000 {
			t.Fatalf("legal costs in %s: %d, want %d", month, got, before+425_000)
		}
		for name, in := range map[string]store.LegalCostInput{
			"no amount":       {Kind: "other", IncurredOn: today},
			"an unknown kind": {Kind: "bribe", AmountCents: 100, IncurredOn: today},
			"a future date":   {Kind: "other", AmountCents: 100, IncurredOn: time.Now().AddDate(0, 0, 2).Format(time.DateOnly)},
			"not a date":      {Kind: "other", AmountCents: 100, IncurredOn: "next week"},
			"before referral": {Kind: "other", AmountCents: 100, IncurredOn: "2020-01-01"},
		} {
			if _, err := s.RecordLegalCost(ctx, sup, lc.ID, in); collect.ErrorCode(err) != collect.EINVALID {
				t.Errorf("%s: %v, want %s", name, err, collect.EINVALID)
			}
		}
		if _, err := s.RecordLegalCost(ctx, actorFor(t, s, "agent@agency-b.test"), lc.ID, fee); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Errorf("another agency: %v, want %s", err, collect.ENOTFOUND)
		}
		detail, err := s.Case(ctx, vm, acc.ID)
		if err != nil || len(detail.LegalCases) == 0 || detail.LegalCases[0].CostsCents != 425_000 {
			t.Fatalf("the case's costs on the account: %+v %v", detail.LegalCases, err)
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

func legalCosts(t *testing.T, s *store.Store, a collect.Actor, month, agency string) int64 {
	t.Helper()
	kpis, err := s.KPIs(context.Background(), a, store.KPIFilter{From: month, To: month, Agency: agency})
	if err != nil {
		t.Fatal(err)
	}
	if len(kpis) == 0 {
		return 0
	}
	return kpis[0].Counts.LegalCostsCents
}
