package store_test

// BenchmarkDashboardAndAccount: the dashboard and one account's page reads
// on a book of 1,000,000 accounts and 10,000,000 contacts
// (PORTAL_BENCH_ROWS / PORTAL_BENCH_CONTACTS_PER size it), bulk-loaded
// through BulkLoadBook with the counters' triggers on. Each read is timed
// 200 times (p50, p95), beside the baseline of the same run: a one-row
// primary-key GORM read of an account. Once, for comparison, the GROUP BY
// over the whole book that the dashboard ran before the counters. On
// PostgreSQL the counter tables are vacuumed first, as autovacuum does
// within a minute of a load.
//
//	PORTAL_BENCH_ROWS=100000 go test -run XXX -bench DashboardAndAccount -benchtime 1x -timeout 60m ./portal/store/

import (
	"collect"
	"context"
	"sort"
	"testing"
	"time"

	"collect/portal/store/storetest"
)

func BenchmarkDashboardAndAccount(b *testing.B) {
	accounts := envInt("PORTAL_BENCH_ROWS", 1_000_000)
	perAccount := envInt("PORTAL_BENCH_CONTACTS_PER", 10)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			start := time.Now()
			s, vm, agencies := benchBook(b, dialect, accounts, perAccount)
			loaded := time.Since(start)
			agency := collect.Actor{UserID: "bench", OrgID: agencies[0], OrgKind: collect.KindAgency, OrgName: "Bench Agency 00", Roles: []string{collect.RoleAgencySupervisor}}
			var accountID, portfolioID string
			if err := s.DB().QueryRow(`SELECT a.id, a.portfolio_id FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active'
				WHERE p.agency_id = $1 AND a.portfolio_id <> (SELECT MIN(id) FROM portfolios WHERE name <> 'bulk') ORDER BY a.id DESC LIMIT 1`, agency.OrgID).Scan(&accountID, &portfolioID); err != nil {
				b.Fatal(err)
			}
			if dialect == "postgres" {
				// Steady state, as autovacuum leaves it within a minute: the
				// load's deltas left dead versions of the few counter rows.
				if _, err := s.DB().Exec(`VACUUM ANALYZE account_counts, audit_counts`); err != nil {
					b.Fatal(err)
				}
			}
			// Before the counters: the dashboard's GROUP BY over the book.
			start = time.Now()
			var n int64
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT a.bucket, a.stage, p.agency_id, COUNT(*), SUM(a.balance_cents) FROM accounts a
				LEFT JOIN placements p ON p.account_id = a.id AND p.status = 'active' WHERE a.lender_id = $1 GROUP BY a.bucket, a.stage, p.agency_id) g`, vm.OrgID).Scan(&n); err != nil {
				b.Fatal(err)
			}
			groupBy := time.Since(start)

			b.ResetTimer()
			reads := []struct {
				name string
				run  func() error
			}{
				{"baseline", func() error { return s.AccountByPrimaryKey(ctx, accountID) }},
				{"dashboard-lender", func() error {
					d, err := s.Dashboard(ctx, vm)
					if err == nil && d.Accounts < int64(accounts) {
						b.Fatalf("the lender's dashboard counts %d accounts of %d", d.Accounts, accounts)
					}
					return err
				}},
				{"dashboard-agency", func() error {
					d, err := s.Dashboard(ctx, agency)
					if err == nil && d.Accounts < int64(accounts/len(agencies)) {
						b.Fatalf("the agency's dashboard counts %d accounts", d.Accounts)
					}
					return err
				}},
				{"portfolio-summary", func() error { _, err := s.PortfolioSummary(ctx, vm, portfolioID); return err }},
				{"account-lender", func() error { _, err := s.Account(ctx, vm, accountID, false); return err }},
				{"case-lender", func() error { _, err := s.Case(ctx, vm, accountID); return err }},
				{"account-agency", func() error { _, err := s.Account(ctx, agency, accountID, false); return err }},
				{"case-agency", func() error { _, err := s.Case(ctx, agency, accountID); return err }},
				// The store reads the account page makes for an agency
				// (besides the queue's next account, which the queue's own
				// benchmark measures).
				{"account-page-agency", func() error {
					if _, err := s.Account(ctx, agency, accountID, false); err != nil {
						return err
					}
					if _, err := s.AccountScores(ctx, agency, accountID); err != nil {
						return err
					}
					if _, err := s.Case(ctx, agency, accountID); err != nil {
						return err
					}
					if _, err := s.NextStages(ctx, agency, accountID); err != nil {
						return err
					}
					if _, err := s.Contacts(ctx, agency, accountID, false); err != nil {
						return err
					}
					_, err := s.Arrangements(ctx, agency, accountID)
					return err
				}},
			}
			var baseline time.Duration
			for i := 0; i < b.N; i++ {
				for _, r := range reads {
					lat := make([]time.Duration, 0, 200)
					for k := 0; k < 200; k++ {
						t0 := time.Now()
						if err := r.run(); err != nil {
							b.Fatalf("%s: %v", r.name, err)
						}
						lat = append(lat, time.Since(t0))
					}
					sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
					p50 := lat[len(lat)/2]
					if r.name == "baseline" {
						baseline = p50
					} else {
						b.ReportMetric(float64(p50)/float64(baseline), r.name+"-x-baseline")
					}
					b.ReportMetric(float64(p50.Microseconds())/1000, r.name+"-p50-ms")
					b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, r.name+"-p95-ms")
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(accounts), "accounts")
			b.ReportMetric(float64(accounts*perAccount), "contacts")
			b.ReportMetric(loaded.Seconds(), "load-s")
			b.ReportMetric(float64(groupBy.Microseconds())/1000, "groupby-before-ms")
		})
	}
}
