package store_test

// Benchmarks of the bulk paths against the raw insert rate of the same
// database, measured in the same run:
//
//	go test -run XXX -bench . -benchtime 1x ./portal/store/
//	TEST_DATABASE_URL=postgres://... go test -run XXX -bench . -benchtime 1x ./portal/store/
//
// Each prints rows/s for the path and for the baseline (a database/sql
// prepared single-row INSERT into the same table in one transaction), their
// ratio, and the import's peak heap.

import (
	"collect"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
	"collect/portal/demo"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// benchRows is 1,000,000 (the size); PORTAL_BENCH_ROWS overrides it
// for quick looks.
var benchRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("PORTAL_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

var (
	benchFileOnce sync.Once
	benchFile     string
)

// benchCSV writes the 1,000,000-row portfolio once per run.
func benchCSV(b *testing.B) string {
	benchFileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portal-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchFile = filepath.Join(dir, "portfolio.csv")
		f, err := os.Create(benchFile)
		if err != nil {
			b.Fatal(err)
		}
		if err := sheets.WritePortfolioCSV(f, benchRows, 2026, time.Now().UTC(), "en"); err != nil {
			b.Fatal(err)
		}
		f.Close()
	})
	return benchFile
}

// benchStore is a fresh, migrated store with the demo logins and agencies
// but hardly any accounts.
func benchStore(b *testing.B, dialect string) (*store.Store, collect.Actor) {
	s := storetest.Open(b, dialect, store.Options{})
	if err := demo.Seed(context.Background(), s, demo.Size{Portfolios: []int{1}}); err != nil {
		b.Fatal(err)
	}
	u, err := s.UserByEmail(context.Background(), "vm@demo-bank.test")
	if err != nil {
		b.Fatal(err)
	}
	a, _, err := s.Actor(context.Background(), u.ID)
	if err != nil {
		b.Fatal(err)
	}
	return s, a
}

// rawInsertRate inserts n rows into accounts with one prepared single-row
// INSERT in one transaction: the baseline.
func rawInsertRate(b *testing.B, s *store.Store, lenderID string, n int) float64 {
	db := s.DB()
	portfolio := uuid.NewString()
	now := time.Now().UTC()
	if _, err := db.Exec(`INSERT INTO portfolios (id, lender_id, name, imported_at) VALUES ($1, $2, 'raw', $3)`, portfolio, lenderID, now); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	st, err := tx.Prepare(`INSERT INTO accounts (id, lender_id, portfolio_id, external_ref, debtor_name, national_id, phone, emergency_contact_phone,
		province, principal_cents, balance_cents, currency, due_date, dpd, bucket, last_payment_date, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := st.Exec(uuid.Must(uuid.NewV7()).String(), lenderID, portfolio, fmt.Sprintf("RAW%08d", i), "王伟", "11010519491231002X", "13800138000", "",
			"北京市", 1000000, 900000, "CNY", "2026-01-01", 40, "M2", "", now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	rate := float64(n) / time.Since(start).Seconds()
	if _, err := db.Exec(`DELETE FROM accounts WHERE portfolio_id = $1`, portfolio); err != nil {
		b.Fatal(err)
	}
	return rate
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) *atomic.Uint64 {
	var peak atomic.Uint64
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return &peak
}

func BenchmarkImport(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			path := benchCSV(b)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, vm := benchStore(b, dialect)
				baseline := rawInsertRate(b, s, vm.OrgID, benchRows)
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				fi, _ := f.Stat()
				src, err := sheets.OpenRowSource(f, fi.Size())
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				stop := make(chan struct{})
				peak := peakHeap(stop)
				b.StartTimer()
				start := time.Now()
				res, err := s.ImportPortfolio(context.Background(), vm, store.ImportRequest{Name: "bench", Filename: "portfolio.csv", Source: src})
				elapsed := time.Since(start)
				b.StopTimer()
				close(stop)
				f.Close()
				if err != nil || res.Accepted != benchRows {
					b.Fatalf("import: %+v %v", res.Status, err)
				}
				rate := float64(benchRows) / elapsed.Seconds()
				b.ReportMetric(rate, "rows/s")
				b.ReportMetric(baseline, "raw-rows/s")
				b.ReportMetric(rate/baseline, "ratio")
				b.ReportMetric(float64(peak.Load()-min(peak.Load(), before.HeapInuse))/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(peak.Load())/(1<<20), "heap-MB")
				b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
			}
		})
	}
}

// seedAgencies gives the lender 20 agencies, nationwide, with room for every
// account, and contracts.
func seedAgencies(b testing.TB, s *store.Store, lenderID string) {
	db := s.DB()
	now := time.Now().UTC()
	fee := `{"M1":800,"M2":1200,"M3":1600,"M4":2000,"M5":2400,"M6":2800,"M6+":3200}`
	for i := 0; i < 20; i++ {
		id := uuid.NewString()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'agency', $2, $3)`, []any{id, fmt.Sprintf("Bench Agency %02d", i), now}},
			{`INSERT INTO agency_profiles (agency_id, licensed_provinces, accepted_buckets, capacity, updated_at) VALUES ($1, '*', '', 200000, $2)`, []any{id, now}},
			{`INSERT INTO contracts (id, lender_id, agency_id, status, fee_schedule, term_days, accept_days, starts_on, ends_on, updated_at)
			  VALUES ($1, $2, $3, 'active', $4, 90, 5, '2020-01-01', '2099-12-31', $5)`, []any{uuid.NewString(), lenderID, id, fee, now}},
		} {
			if _, err := db.Exec(q.sql, q.args...); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPlanAndCommit: a capacity-balanced plan of 1,000,000 accounts
// over 20 agencies (loaded, planned and stored), then its commit into offers,
// each against the raw insert rate of the same database.
func BenchmarkPlanAndCommit(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			path := benchCSV(b)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, vm := benchStore(b, dialect)
				seedAgencies(b, s, vm.OrgID)
				f, _ := os.Open(path)
				fi, _ := f.Stat()
				src, err := sheets.OpenRowSource(f, fi.Size())
				if err != nil {
					b.Fatal(err)
				}
				res, err := s.ImportPortfolio(context.Background(), vm, store.ImportRequest{Name: "bench", Filename: "p.csv", Source: src})
				f.Close()
				if err != nil || res.Accepted != benchRows {
					b.Fatalf("import: %v", err)
				}
				baseline := rawInsertRate(b, s, vm.OrgID, benchRows)
				b.StartTimer()
				start := time.Now()
				plan, err := s.CreatePlan(context.Background(), vm, store.PlanRequest{PortfolioID: res.PortfolioID, Strategy: allocation.StrategyCapacityBalanced, Seed: 1})
				planned := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				start = time.Now()
				if _, err := s.CommitPlan(context.Background(), vm, plan.ID); err != nil {
					b.Fatal(err)
				}
				committed := time.Since(start)
				b.StopTimer()
				var n int
				s.DB().QueryRow(`SELECT COUNT(*) FROM placements WHERE status = 'offered'`).Scan(&n)
				if n < plan.AssignmentsTotal || plan.AssignmentsTotal < benchRows*9/10 {
					b.Fatalf("%d offers for %d assignments", n, plan.AssignmentsTotal)
				}
				b.ReportMetric(planned.Seconds(), "plan-s")
				b.ReportMetric(float64(plan.AssignmentsTotal)/committed.Seconds(), "commit-rows/s")
				b.ReportMetric(baseline, "raw-rows/s")
				b.ReportMetric(float64(plan.AssignmentsTotal)/committed.Seconds()/baseline, "commit-ratio")
			}
		})
	}
}
