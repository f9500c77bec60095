package store_test

// BenchmarkAccountList: the account list (ListAccountsPage, what GET
// /api/v1/accounts and /accounts read) over a book of 1,000,000 accounts
// (PORTAL_BENCH_ROWS overrides it), bulk-loaded with BulkLoadBook across two
// agencies, for each offered case: page 1, page 2,000 by number and by
// cursor, a bucket, sorts, an agency's scope, and searches. Each request is
// timed beside a one-row primary-key GORM read of an account in the same
// run (interleaved), and the table prints p50 and p99 of both. The book is
// settled first (PostgreSQL vacuumed and analysed, SQLite checkpointed).
//
//	PORTAL_BENCH_ROWS=100000 go test -run XXX -bench AccountList -benchtime 1x ./portal/store/
//	TEST_DATABASE_URL=postgres://... go test -run XXX -bench AccountList -benchtime 1x -timeout 60m ./portal/store/

import (
	"collect"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

func BenchmarkAccountList(b *testing.B) {
	n := benchRows
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			s, vm := benchStore(b, dialect)
			seedAgencies(b, s, vm.OrgID)
			var agencies []string
			rows, err := s.DB().Query(`SELECT id FROM organisations WHERE name LIKE 'Bench Agency%' ORDER BY name LIMIT 2`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				agencies = append(agencies, id)
			}
			rows.Close()
			start := time.Now()
			if err := s.BulkLoadBook(ctx, vm.OrgID, agencies, n, 0, rand.New(rand.NewPCG(7, 7))); err != nil {
				b.Fatal(err)
			}
			loaded := time.Since(start)
			fmt.Printf("%s: %d accounts loaded in %s\n", dialect, n, loaded.Round(time.Millisecond))
			// The steady state of a book loaded once: PostgreSQL's tables
			// vacuumed and analysed, as autovacuum does after large inserts
			// (index-only walks need the visibility map); SQLite's write-ahead
			// log checkpointed.
			settle := `PRAGMA wal_checkpoint(TRUNCATE)`
			if dialect == "postgres" {
				settle = `VACUUM ANALYZE accounts`
			}
			if _, err := s.DB().Exec(settle); err != nil {
				b.Fatal(err)
			}
			agent := collect.Actor{UserID: "bench", OrgID: agencies[0], OrgKind: collect.KindAgency}
			var pkID, ref, name, nationalID, phone string
			if err := s.DB().QueryRow(`SELECT id, external_ref, debtor_name, national_id, phone FROM accounts WHERE lender_id = $1 AND external_ref LIKE 'BULK-%' ORDER BY external_ref DESC LIMIT 1`,
				vm.OrgID).Scan(&pkID, &ref, &name, &nationalID, &phone); err != nil {
				b.Fatal(err)
			}
			// Page 2,000 of 50 at 1,000,000 accounts; the middle page of a smaller book.
			deepPage := min(2000, n/100)
			deep, err := s.ListAccountsPage(ctx, vm, store.AccountFilter{Page: store.Page{Page: deepPage - 1, PerPage: 50}})
			if err != nil || deep.Next == "" {
				b.Fatalf("page %d: %v (%d rows at %d accounts)", deepPage-1, err, len(deep.Rows), n)
			}
			cases := []struct {
				name  string
				actor collect.Actor
				f     store.AccountFilter
			}{
				{"page 1", vm, store.AccountFilter{}},
				{fmt.Sprintf("page %d (?page=)", deepPage), vm, store.AccountFilter{Page: store.Page{Page: deepPage}}},
				{fmt.Sprintf("page %d (?after=)", deepPage), vm, store.AccountFilter{After: deep.Next, Page: store.Page{Page: deepPage}}},
				{"bucket=M3", vm, store.AccountFilter{Bucket: "M3"}},
				{"bucket=M3, sort=-balance", vm, store.AccountFilter{Bucket: "M3", Sort: "-balance"}},
				{"sort=-balance", vm, store.AccountFilter{Sort: "-balance"}},
				{"sort=name", vm, store.AccountFilter{Sort: "name"}},
				{"sort=-ref", vm, store.AccountFilter{Sort: "-ref"}},
				{"agency=" + "(one of 2)", vm, store.AccountFilter{Agency: agencies[1]}},
				{"agency scope, page 1", agent, store.AccountFilter{}},
				{"agency scope, sort=balance", agent, store.AccountFilter{Sort: "balance"}},
				{"agency scope, bucket=M6+", agent, store.AccountFilter{Bucket: "M6+"}},
				{"q=ref (exact)", vm, store.AccountFilter{Query: ref}},
				{"q=ref prefix", vm, store.AccountFilter{Query: ref[:len(ref)-3]}},
				{"q=name (2 chars)", vm, store.AccountFilter{Query: string([]rune(name)[:2])}},
				{"q=surname (1 char)", vm, store.AccountFilter{Query: string([]rune(name)[:1])}},
				{"q=national ID", vm, store.AccountFilter{Query: nationalID}},
				{"q=phone", vm, store.AccountFilter{Query: phone}},
				{"q=national ID, agency scope", agent, store.AccountFilter{Query: nationalID}},
			}
			pct := func(d []time.Duration, p int) float64 {
				sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
				return float64(d[(len(d)-1)*p/100].Microseconds()) / 1000
			}
			const reps = 200
			fmt.Printf("\n%s, %d accounts (loaded in %s); %d requests each, per_page 50\n", dialect, n, loaded.Round(time.Second), reps)
			fmt.Printf("| case | rows | total | p50 ms | p99 ms | PK read p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n")
			b.ResetTimer()
			for _, c := range cases {
				var list, pk []time.Duration
				var last store.AccountPage
				for i := 0; i < reps*b.N; i++ {
					t0 := time.Now()
					p, err := s.ListAccountsPage(ctx, c.actor, c.f)
					if err != nil {
						b.Fatalf("%s: %v", c.name, err)
					}
					list = append(list, time.Since(t0))
					last = p
					t0 = time.Now()
					var acc allocation.Account
					if err := s.Gorm().WithContext(ctx).Table("accounts").Where("id = ?", pkID).Take(&acc).Error; err != nil {
						b.Fatal(err)
					}
					pk = append(pk, time.Since(t0))
				}
				if len(last.Rows) == 0 && c.name != "q=national ID, agency scope" {
					b.Fatalf("%s: no rows", c.name)
				}
				total := fmt.Sprint(last.Total)
				if !last.TotalExact {
					total = "> " + total
				}
				fmt.Printf("| %s | %d | %s | %.2f | %.2f | %.3f | %.3f |\n", c.name, len(last.Rows), total, pct(list, 50), pct(list, 99), pct(pk, 50), pct(pk, 99))
			}
			b.StopTimer()
			b.ReportMetric(float64(n), "accounts")
			b.ReportMetric(loaded.Seconds(), "load-s")
		})
	}
}
