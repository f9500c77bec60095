package store_test

// BenchmarkKPIs: the oversight figures for a book of 1,000,000 accounts and
// 10,000,000 contacts (PORTAL_BENCH_ACCOUNTS / PORTAL_BENCH_CONTACTS_PER
// override the size), read from the counters. The book is bulk-loaded and the
// counters rebuilt from it (the path for data that does not come through the
// application); the benchmark then times KPI and scorecard requests and
// reports the 50th and 95th percentile.
//
//	go test -run XXX -bench KPIs -benchtime 1x -timeout 60m ./portal/store/

import (
	"collect"
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchBook opens a store with the demo logins, 20 agencies with contracts
// and a bulk-loaded book of accounts × perAccount contacts for the vendor
// manager's lender; it returns the store, the vendor manager and the
// agencies.
func benchBook(b *testing.B, dialect string, accounts, perAccount int) (*store.Store, collect.Actor, []string) {
	s, vm := benchStore(b, dialect)
	seedAgencies(b, s, vm.OrgID)
	var agencies []string
	rows, err := s.DB().Query(`SELECT id FROM organisations WHERE name LIKE 'Bench Agency%'`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		agencies = append(agencies, id)
	}
	rows.Close()
	if err := s.BulkLoadBook(context.Background(), vm.OrgID, agencies, accounts, perAccount, rand.New(rand.NewPCG(7, 7))); err != nil {
		b.Fatal(err)
	}
	return s, vm, agencies
}

func BenchmarkKPIs(b *testing.B) {
	accounts := envInt("PORTAL_BENCH_ACCOUNTS", 1_000_000)
	perAccount := envInt("PORTAL_BENCH_CONTACTS_PER", 10)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			start := time.Now()
			s, vm, agencies := benchBook(b, dialect, accounts, perAccount)
			loaded := time.Since(start)
			start = time.Now()
			if err := s.RebuildStats(ctx); err != nil {
				b.Fatal(err)
			}
			rebuilt := time.Since(start)
			b.ResetTimer()
			var lat []time.Duration
			for i := 0; i < b.N*200; i++ {
				t0 := time.Now()
				kpis, err := s.KPIs(ctx, vm, store.KPIFilter{})
				if err != nil || len(kpis) != len(agencies) {
					b.Fatalf("kpis: %d %v", len(kpis), err)
				}
				if _, err := s.Scorecard(ctx, vm, store.KPIFilter{}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(accounts), "accounts")
			b.ReportMetric(float64(accounts*perAccount), "contacts")
			b.ReportMetric(loaded.Seconds(), "load-s")
			b.ReportMetric(rebuilt.Seconds(), "rebuild-s")
		})
	}
}
