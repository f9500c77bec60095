package store_test

// BenchmarkAcceptPlan: an agency accepts every offer of a plan of
// PORTAL_BENCH_ROWS accounts (default 1,000,000) in one action, against the
// per-id path (1,000 ids a call, the ids known beforehand) in the same run:
//
//	PORTAL_BENCH_ROWS=100000 go test -run XXX -bench AcceptPlan -benchtime 1x ./portal/store/
//	TEST_DATABASE_URL=postgres://... PORTAL_BENCH_ROWS=100000 go test -run XXX -bench AcceptPlan -benchtime 1x ./portal/store/
//
// The book is built through the product's bulk paths (the portfolio import,
// a capacity_balanced plan restricted to one agency with room for every
// account, its commit). Reported: accept-s (the whole action, which on
// SQLite is also how long it holds the write lock), rows/s, the per-id
// path's rows/s over min(N, 100,000) offers and its time extrapolated to N,
// their ratio, and the longest wait of another writer (a one-row insert
// every 20 ms from another connection) while the action runs, and how many
// of its writes failed. PORTAL_BENCH_PER_ID sets the baseline's size (0
// skips it).

import (
	"collect"
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// seedOneAgency gives the lender one nationwide agency with room for every
// account, and a contract; it returns the agency's id.
func seedOneAgency(b *testing.B, s *store.Store, lenderID string, capacity int) string {
	db := s.DB()
	now := time.Now().UTC()
	fee := `{"M1":800,"M2":1200,"M3":1600,"M4":2000,"M5":2400,"M6":2800,"M6+":3200}`
	id := uuid.NewString()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'agency', 'Bench Agency Big', $2)`, []any{id, now}},
		{`INSERT INTO agency_profiles (agency_id, licensed_provinces, accepted_buckets, capacity, updated_at) VALUES ($1, '*', '', $2, $3)`, []any{id, capacity, now}},
		{`INSERT INTO contracts (id, lender_id, agency_id, status, fee_schedule, term_days, accept_days, starts_on, ends_on, updated_at)
		  VALUES ($1, $2, $3, 'active', $4, 90, 5, '2020-01-01', '2099-12-31', $5)`, []any{uuid.NewString(), lenderID, id, fee, now}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	return id
}

// writerProbe inserts one row every 20 ms from its own connection until
// stop is closed, and returns the longest single insert and how many failed
// (on SQLite, a writer that waited past busy_timeout).
func writerProbe(b *testing.B, s *store.Store, stop <-chan struct{}) func() (time.Duration, int) {
	if _, err := s.DB().Exec(`CREATE TABLE IF NOT EXISTS bench_probe (n INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var worst time.Duration
	failed := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			start := time.Now()
			_, err := s.DB().Exec(`INSERT INTO bench_probe (n) VALUES ($1)`, i)
			d := time.Since(start)
			mu.Lock()
			worst = max(worst, d)
			if err != nil {
				failed++
			}
			mu.Unlock()
		}
	}()
	return func() (time.Duration, int) {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return worst, failed
	}
}

// perIDRows is how many offers the per-id baseline accepts: 100,000, or
// PORTAL_BENCH_PER_ID (0 skips the baseline).
var perIDRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("PORTAL_BENCH_PER_ID")); err == nil && n >= 0 {
		return n
	}
	return 100_000
}()

func BenchmarkAcceptPlan(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			path := benchCSV(b)
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, vm := benchStore(b, dialect)
				agencyID := seedOneAgency(b, s, vm.OrgID, 2*benchRows)
				agency := collect.Actor{UserID: "bench-supervisor", OrgID: agencyID, OrgKind: collect.KindAgency, Roles: []string{collect.RoleAgencySupervisor}}
				f, _ := os.Open(path)
				fi, _ := f.Stat()
				src, err := sheets.OpenRowSource(f, fi.Size())
				if err != nil {
					b.Fatal(err)
				}
				res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "bench", Filename: "p.csv", Source: src})
				f.Close()
				if err != nil || res.Accepted != benchRows {
					b.Fatalf("import: %v", err)
				}
				plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: res.PortfolioID, Strategy: allocation.StrategyCapacityBalanced, Seed: 1,
					Params: allocation.PlanParams{AgencyIDs: []string{agencyID}}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
					b.Fatal(err)
				}
				offered := 0
				s.DB().QueryRow(`SELECT COUNT(*) FROM placements WHERE source = $1 AND agency_id = $2 AND status = 'offered'`, "allocation:"+plan.ID, agencyID).Scan(&offered)
				if offered < benchRows*9/10 {
					b.Fatalf("%d offers for %d accounts", offered, benchRows)
				}

				// The bulk action, with another writer probing the lock.
				stop := make(chan struct{})
				worst := writerProbe(b, s, stop)
				time.Sleep(50 * time.Millisecond)
				b.StartTimer()
				start := time.Now()
				n, err := s.AcceptPlacements(ctx, agency, store.PlacementAction{AllocationID: plan.ID})
				bulk := time.Since(start)
				b.StopTimer()
				time.Sleep(50 * time.Millisecond)
				close(stop)
				wait, failed := worst()
				if err != nil || n != offered {
					b.Fatalf("accept by plan: %d of %d, %v", n, offered, err)
				}

				// The baseline: the same offers (k of them) again through the
				// per-id path, 1,000 ids a call. The reset is behind the
				// application's back, untimed.
				k := min(offered, perIDRows)
				if _, err := s.DB().Exec(`UPDATE placements SET status = 'offered', accepted_at = NULL, decided_by = ''
					WHERE id IN (SELECT id FROM placements WHERE source = $1 ORDER BY id LIMIT $2)`, "allocation:"+plan.ID, k); err != nil {
					b.Fatal(err)
				}
				rows, err := s.DB().Query(`SELECT id FROM placements WHERE source = $1 AND status = 'offered' ORDER BY id`, "allocation:"+plan.ID)
				if err != nil {
					b.Fatal(err)
				}
				ids := make([]string, 0, k)
				for rows.Next() {
					var id string
					rows.Scan(&id)
					ids = append(ids, id)
				}
				rows.Close()
				start = time.Now()
				for at := 0; at < len(ids); at += 1000 {
					if _, err := s.AcceptPlacements(ctx, agency, store.PlacementAction{IDs: ids[at:min(at+1000, len(ids))]}); err != nil {
						b.Fatalf("accept by ids: %v", err)
					}
				}
				perID := time.Since(start)
				perIDRate := float64(len(ids)) / max(perID.Seconds(), 1e-9)
				b.ReportMetric(bulk.Seconds(), "accept-s")
				b.ReportMetric(float64(n)/bulk.Seconds(), "rows/s")
				b.ReportMetric(perIDRate, "per-id-rows/s")
				b.ReportMetric(float64(n)/perIDRate, "per-id-extrapolated-s")
				b.ReportMetric(float64(n)/bulk.Seconds()/perIDRate, "ratio")
				b.ReportMetric(float64(wait.Milliseconds()), "writer-max-wait-ms")
				b.ReportMetric(float64(failed), "writer-failures")
				b.Logf("%s: %d offers accepted in %s by plan; per id %d in %s (%.0f rows/s); another writer waited at most %s (%d of its writes failed)",
					dialect, n, bulk.Round(time.Millisecond), len(ids), perID.Round(time.Millisecond), perIDRate, wait.Round(time.Millisecond), failed)
			}
		})
	}
}
