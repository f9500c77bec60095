package store_test

// BenchmarkQueue: the work queue and the follow-up list at a book of
// 1,000,000 accounts (PORTAL_BENCH_ROWS overrides it), 62.8 % of them with
// Agency A, shared by six collectors (about 105,000 each, one of them the
// demo's agent), one in 100 with a next action within a week either side
// of now and one in 100 with a promise falling due around now (issue 14).
// Each read runs PORTAL_BENCH_REPS times (100) and reports its p50 and
// p99 beside the baseline measured in the same run: a one-row primary-key
// read through GORM. PostgreSQL's tables are vacuumed after the load, as
// autovacuum does after large inserts.
//
//	PORTAL_BENCH_ROWS=100000 go test -run XXX -bench Queue -benchtime 1x -timeout 60m ./portal/store/
//	TEST_DATABASE_URL=postgres://... go test -run XXX -bench Queue -benchtime 1x -timeout 60m ./portal/store/

import (
	"collect"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

func BenchmarkQueue(b *testing.B) {
	reps := envInt("PORTAL_BENCH_REPS", 100)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			s, vm := benchStore(b, dialect)
			sup := benchActor(b, s, "supervisor@agency-a.test")
			agent := benchActor(b, s, "agent@agency-a.test")
			other := benchActor(b, s, "agent@agency-b.test")
			var third string
			if err := s.DB().QueryRow(`SELECT id FROM organisations WHERE kind = 'agency' AND id NOT IN ($1, $2) ORDER BY name LIMIT 1`,
				sup.OrgID, other.OrgID).Scan(&third); err != nil {
				b.Fatal(err)
			}
			collectors := []string{agent.UserID}
			for i := 1; i < 6; i++ {
				collectors = append(collectors, fmt.Sprintf("bench-collector-%d", i))
			}
			shape := store.BookShape{Agencies: []string{sup.OrgID, other.OrgID, third}, Weights: []int{628, 222, 150},
				Collectors:  map[string][]string{sup.OrgID: collectors, other.OrgID: {other.UserID}},
				ActionEvery: 100, PromiseEvery: 100}
			start := time.Now()
			if err := s.BulkLoadBookWith(ctx, vm.OrgID, shape, benchRows, envInt("PORTAL_BENCH_CONTACTS_PER", 1), rand.New(rand.NewPCG(14, 14))); err != nil {
				b.Fatal(err)
			}
			loaded := time.Since(start)
			if dialect == "postgres" {
				// The steady state autovacuum reaches after a bulk load: the
				// visibility map set, so the queue's index-only scans are.
				if _, err := s.DB().Exec(`VACUUM ANALYZE accounts, placements, arrangements, arrangement_instalments, account_scores`); err != nil {
					b.Fatal(err)
				}
			}

			// The baseline: one account by its primary key through GORM,
			// on the store's own connection pool.
			var ids []string
			rows, err := s.DB().Query(`SELECT id FROM accounts ORDER BY id LIMIT 1000`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			gdb := benchGorm(b, s)
			var perCollector, agencyOpen int
			s.DB().QueryRow(`SELECT COUNT(*) FROM accounts WHERE assigned_to = $1 AND status = 'open'`, agent.UserID).Scan(&perCollector)
			s.DB().QueryRow(`SELECT COUNT(*) FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active'
				WHERE p.agency_id = $1 AND a.status = 'open'`, sup.OrgID).Scan(&agencyOpen)
			deep := func(n int) store.Page { return store.Page{Page: max(n/2/50, 1), PerPage: 50} } // halfway down

			type read struct {
				name string
				fn   func() error
			}
			var total int64 // the last first page's total, as the page shows it
			var exact bool
			queue := func(a collect.Actor, f store.QueueFilter) func() error {
				return func() error {
					l, err := s.QueuePage(ctx, a, f)
					if err == nil && len(l.Rows) == 0 && f.Stage == "" && f.Due == "" {
						err = fmt.Errorf("empty queue page %d", f.Page.Page)
					}
					if err == nil && f.Cursor == "" && f.Stage == "" && f.Due == "" && f.Page.Page == 1 {
						total, exact = l.Total, l.TotalExact
					}
					return err
				}
			}
			// The page after a deep one, from its cursor (the next link).
			cursorAfter := func(a collect.Actor, p store.Page) store.QueueFilter {
				l, err := s.QueuePage(ctx, a, store.QueueFilter{Page: p})
				if err != nil || l.Next == "" {
					b.Fatalf("deep page %d: %v", p.Page, err)
				}
				return store.QueueFilter{Cursor: l.Next, Page: store.Page{Page: p.Page + 1, PerPage: p.PerPage}}
			}
			reads := []read{
				{"baseline-pk", func() error {
					var row struct{ ID, ExternalRef string }
					return gdb.WithContext(ctx).Table("accounts").Select("id, external_ref").Where("id = ?", ids[rand.IntN(len(ids))]).Take(&row).Error
				}},
				{"collector-p1", queue(agent, store.QueueFilter{Page: store.Page{Page: 1, PerPage: 50}})},
				{"collector-deep", queue(agent, store.QueueFilter{Page: deep(perCollector)})},
				{"collector-deep-next", queue(agent, cursorAfter(agent, deep(perCollector)))},
				{"collector-bucket", queue(agent, store.QueueFilter{Bucket: "M2", Page: store.Page{Page: 1, PerPage: 50}})},
				{"collector-stage", queue(agent, store.QueueFilter{Stage: "legal", Page: store.Page{Page: 1, PerPage: 50}})},
				{"collector-overdue", queue(agent, store.QueueFilter{Due: "overdue", Page: store.Page{Page: 1, PerPage: 50}})},
				{"collector-today", queue(agent, store.QueueFilter{Due: "today", Page: store.Page{Page: 1, PerPage: 50}})},
				{"supervisor-p1", queue(sup, store.QueueFilter{Page: store.Page{Page: 1, PerPage: 50}})},
				{"supervisor-deep", queue(sup, store.QueueFilter{Page: deep(agencyOpen)})},
				{"supervisor-deep-next", queue(sup, cursorAfter(sup, deep(agencyOpen)))},
				{"supervisor-bucket", queue(sup, store.QueueFilter{Bucket: "M2", Page: store.Page{Page: 1, PerPage: 50}})},
				{"supervisor-overdue", queue(sup, store.QueueFilter{Due: "overdue", Page: store.Page{Page: 1, PerPage: 50}})},
				{"followup-collector", func() error { _, err := s.FollowUpList(ctx, agent); return err }},
				{"followup-supervisor", func() error { _, err := s.FollowUpList(ctx, sup); return err }},
			}
			b.ResetTimer()
			for _, r := range reads {
				var lat []time.Duration
				for i := 0; i < reps; i++ {
					t0 := time.Now()
					if err := r.fn(); err != nil {
						b.Fatalf("%s: %v", r.name, err)
					}
					lat = append(lat, time.Since(t0))
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				p50, p99 := lat[len(lat)/2], lat[min(len(lat)*99/100, len(lat)-1)]
				b.ReportMetric(float64(p50.Microseconds())/1000, r.name+"-p50-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, r.name+"-p99-ms")
				b.Logf("%-22s p50 %8.2f ms  p99 %8.2f ms", r.name, float64(p50.Microseconds())/1000, float64(p99.Microseconds())/1000)
				if total > 0 {
					b.Logf("%-22s total %d (exact %v)", "", total, exact)
					total = 0
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(benchRows), "accounts")
			b.ReportMetric(float64(perCollector), "per-collector")
			b.ReportMetric(float64(agencyOpen), "agency-accounts")
			b.ReportMetric(loaded.Seconds(), "load-s")
		})
	}
}

func benchActor(b *testing.B, s *store.Store, email string) collect.Actor {
	u, err := s.UserByEmail(context.Background(), email)
	if err != nil {
		b.Fatal(err)
	}
	a, _, err := s.Actor(context.Background(), u.ID)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// benchGorm is GORM over the store's own connection pool.
func benchGorm(b *testing.B, s *store.Store) *gorm.DB {
	var d gorm.Dialector = sqlite.Dialector{Conn: s.DB()}
	if s.Dialect() == "postgres" {
		d = postgres.New(postgres.Config{Conn: s.DB()})
	}
	gdb, err := gorm.Open(d, &gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard})
	if err != nil {
		b.Fatal(err)
	}
	return gdb
}
