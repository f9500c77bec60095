package store_test

import (
	"collect"
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"collect/allocation"
	"collect/oversight"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestKPIsAgreeWithTheEvents computes the figures of the demo data straight
// from the event tables (independent SQL) and compares them with the KPIs
// read from the counters.
func TestKPIsAgreeWithTheEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		from := time.Now().UTC().AddDate(-2, 0, 0).Format("2006-01")
		to := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01")
		kpis, err := s.KPIs(ctx, vm, store.KPIFilter{From: from, To: to})
		if err != nil || len(kpis) < 2 {
			t.Fatalf("kpis: %d %v", len(kpis), err)
		}
		db := s.DB()
		for _, k := range kpis {
			var placed, recovered, attempts, rpc float64
			db.QueryRow(`SELECT COALESCE(SUM(balance_cents), 0) FROM placements WHERE agency_id = $1 AND accepted_at IS NOT NULL`, k.AgencyID).Scan(&placed)
			db.QueryRow(`SELECT COALESCE(SUM(c.payment_cents), 0) FROM commissions c JOIN placements p ON p.id = c.placement_id WHERE c.agency_id = $1`, k.AgencyID).Scan(&recovered)
			db.QueryRow(`SELECT COUNT(*) FROM contacts WHERE agency_id = $1 AND direction = 'outbound'`, k.AgencyID).Scan(&attempts)
			db.QueryRow(`SELECT COUNT(*) FROM contacts WHERE agency_id = $1 AND direction = 'outbound' AND party = 'debtor' AND outcome IN ('right_party_contact', 'promise')`, k.AgencyID).Scan(&rpc)
			var received, commission float64
			db.QueryRow(`SELECT COALESCE(SUM(payment_cents), 0), COALESCE(SUM(amount_cents), 0) FROM commissions WHERE agency_id = $1 AND lender_id = $2 AND month >= $3 AND month <= $4`,
				k.AgencyID, vm.OrgID, from, to).Scan(&received, &commission)
			if float64(k.PeriodRecoveredCents) != received {
				t.Errorf("%s period recovered: got %d, want %v", k.AgencyName, k.PeriodRecoveredCents, received)
			}
			check := func(name string, got *float64, want float64) {
				t.Helper()
				if got == nil || math.Abs(*got-want) > 1e-9 {
					t.Errorf("%s %s: got %v, want %v", k.AgencyName, name, got, want)
				}
			}
			if placed > 0 {
				check("liquidation", k.LiquidationRate, recovered/placed)
			}
			if attempts > 0 {
				check("rpc", k.RPCRate, rpc/attempts)
			}
			if received > 0 {
				check("cost to collect", k.CostToCollect, commission/received)
			}
		}
		sc, err := s.Scorecard(ctx, vm, store.KPIFilter{From: from, To: to})
		if err != nil || len(sc.Rows) != len(kpis) || sc.Rows[0].Rank != 1 {
			t.Fatalf("scorecard: %+v %v", sc, err)
		}
		// Agencies see only their own figures; the platform none.
		agent := actorFor(t, s, "agent@agency-b.test")
		own, err := s.KPIs(ctx, agent, store.KPIFilter{From: from, To: to})
		if err != nil || len(own) != 1 || own[0].AgencyID != agent.OrgID {
			t.Fatalf("agency B's figures: %+v %v", own, err)
		}
		if _, err := s.KPIs(ctx, vm, store.KPIFilter{From: "2026-13", To: to}); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("a bad month: %v", err)
		}
		// The scorecard feeds the performance-weighted strategy.
		plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: portfolios(t, s, vm)[1].ID, Strategy: allocation.StrategyPerformanceWeighted, Seed: 1})
		if err != nil || plan.AssignmentsTotal == 0 {
			t.Fatalf("performance-weighted plan from the scorecard: %+v %v", plan, err)
		}
	})
}

func TestDetectBreachesAfterTheFact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		acc := agencyAccount(t, s, agent)
		// Contacts written behind the rules' back (an import of history): a
		// call at 23:30 Beijing time and a threat.
		now := time.Now().UTC()
		night := time.Date(now.Year(), now.Month(), now.Day(), 15, 30, 0, 0, time.UTC).AddDate(0, 0, -2) // 23:30 in Beijing
		var placement string
		s.DB().QueryRow(`SELECT id FROM placements WHERE account_id = $1 AND status = 'active'`, acc.ID).Scan(&placement)
		for i, q := range []struct {
			at   time.Time
			note string
		}{{night, "无人接听"}, {night.Add(-10 * time.Hour), "再不还钱就让你坐牢"}} {
			if _, err := s.DB().Exec(`INSERT INTO contacts (id, account_id, lender_id, agency_id, placement_id, collector_id, channel, party, direction, at, outcome, note, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'call', 'debtor', 'outbound', $7, 'no_answer', $8, $7)`,
				"backdoor-"+string(rune('a'+i)), acc.ID, acc.LenderID, agent.OrgID, placement, agent.UserID, q.at, q.note); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.DetectBreaches(ctx, night.Add(-48*time.Hour))
		if err != nil || n < 2 {
			t.Fatalf("detected %d (%v)", n, err)
		}
		vm := actorFor(t, s, "vm@demo-bank.test")
		rows, _, err := s.ListBreaches(ctx, vm, store.BreachFilter{Page: store.Page{PerPage: 500}})
		if err != nil {
			t.Fatal(err)
		}
		rules := map[string]bool{}
		var mine string
		for _, r := range rows {
			if r.AccountID == acc.ID {
				rules[r.Rule] = true
				mine = r.ID
			}
		}
		if !rules["cn.quiet_hours"] || !rules["forbidden_language"] {
			t.Fatalf("rules found: %v", rules)
		}
		// Running again records nothing twice.
		before := count(t, s, `SELECT COUNT(*) FROM breaches`)
		if n, err := s.DetectBreaches(ctx, night.Add(-48*time.Hour)); err != nil || n != 0 {
			t.Fatalf("a second run: %d new (%v), want 0", n, err)
		}
		if after := count(t, s, `SELECT COUNT(*) FROM breaches`); after != before {
			t.Fatalf("a second run added %d breaches", after-before)
		}
		// The first run is on the audit trail, once.
		if got := count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'breach.detect' AND object_id = $1`, acc.ID); got != 1 {
			t.Fatalf("%d breach.detect audit events for the account, want 1", got)
		}
		// The lender remediates one; agency B cannot see it.
		if _, err := s.UpdateBreach(ctx, vm, mine, "remediated", "培训并复核外呼时段配置"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateBreach(ctx, actorFor(t, s, "agent@agency-b.test"), mine, "dismissed", ""); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("agency B dismissing: %v", err)
		}
	})
}

func TestRollRates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		now := time.Now().UTC()
		from, to := now.AddDate(0, -1, 0).Format("2006-01"), now.Format("2006-01")
		rows, err := s.RollRates(ctx, vm, from, to, "")
		if err != nil || len(rows) != len(allocation.BucketNames()) {
			t.Fatalf("%+v %v", rows, err)
		}
		total := 0
		for _, r := range rows {
			total += r.Accounts
			if r.Accounts > 0 && r.RolledForward+r.Stayed+r.Cured+r.RolledBack > r.Accounts {
				t.Fatalf("%s: the movements add up to more than its accounts", r.From)
			}
		}
		if total == 0 {
			t.Fatal("no account in last month's snapshot")
		}
		// Taking the snapshot again changes nothing.
		if n, err := s.SnapshotBuckets(ctx, to); err != nil || n != 0 {
			t.Fatalf("a second snapshot added %d (%v)", n, err)
		}
		// Next month's snapshot, with no re-import in between: an unpaid
		// account's bucket is its days past due on the 1st, so it rolls on.
		next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		if n, err := s.SnapshotBuckets(ctx, next.Format("2006-01")); err != nil || n == 0 {
			t.Fatalf("next month's snapshot: %d %v", n, err)
		}
		accs, err := s.DB().Query(`SELECT a.id, a.due_date, a.status, b.bucket FROM accounts a JOIN bucket_snapshots b ON b.account_id = a.id AND b.month = $1`, next.Format("2006-01"))
		if err != nil {
			t.Fatal(err)
		}
		checked, rolled := 0, 0
		for accs.Next() {
			var id, due, status, bucket string
			if err := accs.Scan(&id, &due, &status, &bucket); err != nil {
				t.Fatal(err)
			}
			d, err := time.Parse(time.DateOnly, due)
			if err != nil {
				t.Fatal(err)
			}
			want := allocation.Bucket(max(int(next.Sub(d).Hours()/24), 0), allocation.DefaultBands)
			if status == "closed" {
				want = "paid"
			}
			if bucket != want {
				t.Errorf("account %s due %s: bucket %s on %s, want %s", id, due, bucket, next.Format(time.DateOnly), want)
			}
			checked++
			if want != "paid" && want != "M1" {
				rolled++
			}
		}
		accs.Close()
		if checked == 0 || rolled == 0 {
			t.Fatalf("checked %d accounts, %d past M1", checked, rolled)
		}
		if _, err := s.RollRates(ctx, vm, to, from, ""); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("from after to: %v", err)
		}
		agent := actorFor(t, s, "agent@agency-a.test")
		own, err := s.RollRates(ctx, agent, from, to, "")
		if err != nil {
			t.Fatal(err)
		}
		ownTotal := 0
		for _, r := range own {
			ownTotal += r.Accounts
		}
		if ownTotal == 0 || ownTotal >= total {
			t.Fatalf("agency A's accounts %d of %d", ownTotal, total)
		}
	})
}

// An agency working for two lenders has a counter row per lender and month;
// its vintage is one series with their sum (not one series per lender, with
// the recoveries on whichever came last).
func TestVintagesSumAnAgencysLenders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		sup := actorFor(t, s, "supervisor@agency-a.test")
		before, err := s.Vintages(ctx, sup, store.KPIFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(before) == 0 {
			t.Fatal("the demo data has no vintage for agency A")
		}
		v := before[len(before)-1]
		if _, err := s.DB().Exec(`INSERT INTO agency_month_stats (lender_id, agency_id, month, placed_balance_cents) VALUES ('other-lender', $1, $2, 100)`,
			sup.OrgID, v.Vintage); err != nil {
			t.Fatal(err)
		}
		after, err := s.Vintages(ctx, sup, store.KPIFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []store.VintageSeries
		for _, w := range after {
			if w.Vintage == v.Vintage {
				got = append(got, w)
			}
		}
		if len(got) != 1 {
			t.Fatalf("%d series for vintage %s, want 1", len(got), v.Vintage)
		}
		if got[0].PlacedBalanceCents != v.PlacedBalanceCents+100 {
			t.Errorf("placed = %d, want %d", got[0].PlacedBalanceCents, v.PlacedBalanceCents+100)
		}
		if sum(got[0].RecoveredByMonth) != sum(v.RecoveredByMonth) {
			t.Errorf("recovered = %d, want %d", sum(got[0].RecoveredByMonth), sum(v.RecoveredByMonth))
		}
	})
}

func sum(m map[int]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestKPIFilterValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		f          store.KPIFilter
		from, to   string
		wantErrors bool
	}{
		{f: store.KPIFilter{}, from: "2025-12", to: "2026-11"},
		{f: store.KPIFilter{To: "2026-03"}, from: "2025-04", to: "2026-03"},
		{f: store.KPIFilter{From: "2017-01", To: "2026-12"}, from: "2017-01", to: "2026-12"}, // 120 months
		{f: store.KPIFilter{From: "2016-12", To: "2026-12"}, wantErrors: true},               // 121
		{f: store.KPIFilter{From: "0000-01", To: "9999-12"}, wantErrors: true},
		{f: store.KPIFilter{From: "2026-05", To: "2026-04"}, wantErrors: true},
		{f: store.KPIFilter{From: "2026-1", To: "2026-04"}, wantErrors: true},
	}
	for _, tt := range tests {
		f := tt.f
		err := f.Validate(now)
		if tt.wantErrors {
			if collect.ErrorCode(err) != collect.EINVALID {
				t.Errorf("%+v: error %v, want %s", tt.f, err, collect.EINVALID)
			}
			continue
		}
		if err != nil || f.From != tt.from || f.To != tt.to {
			t.Errorf("%+v: got %s..%s %v, want %s..%s", tt.f, f.From, f.To, err, tt.from, tt.to)
		}
	}
}

// Two first saves at once both succeed (one statement, no read-then-write),
// and the weights read back are one of them.
func TestSaveWeightsConcurrently(t *testing.T) {
	storetest.EachSerial(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		ws := []oversight.Weights{
			{Liquidation: 0.5, RPC: 0.1, PTPKept: 0.1, Complaints: 0.1, Breaches: 0.1, CostToCollect: 0.1},
			{Liquidation: 0.2, RPC: 0.2, PTPKept: 0.2, Complaints: 0.2, Breaches: 0.1, CostToCollect: 0.1},
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ws))
		for i, w := range ws {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = s.SaveWeights(ctx, vm, w) }()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("save %d: %v", i, err)
			}
		}
		got, err := s.Weights(ctx, vm.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if got != ws[0] && got != ws[1] {
			t.Errorf("weights = %+v, want one of the two saved", got)
		}
	})
}

// Two agencies with the same name keep their own recovery series.
func TestMonthlyRecoveriesSameName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		total := func(m map[string]map[string]int64) (n int64) {
			for _, byMonth := range m {
				for _, v := range byMonth {
					n += v
				}
			}
			return n
		}
		before, err := s.MonthlyRecoveries(ctx, vm, store.KPIFilter{})
		if err != nil || len(before) < 2 {
			t.Fatalf("%d series %v", len(before), err)
		}
		if _, err := s.DB().Exec(`UPDATE organisations SET name = 'Agency A' WHERE name = 'Agency B'`); err != nil {
			t.Fatal(err)
		}
		after, err := s.MonthlyRecoveries(ctx, vm, store.KPIFilter{})
		if err != nil || len(after) != len(before) {
			t.Fatalf("%d series after the rename, want %d (%v)", len(after), len(before), err)
		}
		if total(after) != total(before) {
			t.Fatalf("recovered %d after the rename, want %d", total(after), total(before))
		}
	})
}
