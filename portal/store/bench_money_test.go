package store_test

// BenchmarkMoney: on a book of PORTAL_BENCH_ROWS accounts (default
// 1,000,000, PORTAL_BENCH_CONTACTS_PER contacts each) an agency reports
// PORTAL_BENCH_REPORTS payments (default 10,000), the lender's feed of the
// same money is matched (one transaction), and the month's invoice of the
// busiest agency is drafted, read again (nothing new) and opened. The
// baseline, in the same run, is one prepared INSERT of as many payment
// rows in one transaction.
//
//	PORTAL_BENCH_ROWS=100000 go test -run XXX -bench Money -benchtime 1x ./portal/store/
//	TEST_DATABASE_URL=postgres://... PORTAL_BENCH_ROWS=100000 go test -run XXX -bench Money -benchtime 1x ./portal/store/

import (
	"collect"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

func BenchmarkMoney(b *testing.B) {
	accounts := envInt("PORTAL_BENCH_ROWS", 1_000_000)
	perAccount := envInt("PORTAL_BENCH_CONTACTS_PER", 10)
	reports := envInt("PORTAL_BENCH_REPORTS", 10_000)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			s, vm, agencies := benchBook(b, dialect, accounts, perAccount)
			agency := collect.Actor{UserID: "bench", OrgID: agencies[0], OrgKind: collect.KindAgency, OrgName: "Bench Agency 00", Roles: []string{collect.RoleCollector}}
			rows, err := s.DB().Query(`SELECT a.id, a.external_ref FROM accounts a WHERE a.agency_id = $1 AND a.status = 'open' AND a.balance_cents > 100000 ORDER BY a.id LIMIT $2`, agency.OrgID, reports)
			if err != nil {
				b.Fatal(err)
			}
			var ids, refs []string
			for rows.Next() {
				var id, ref string
				rows.Scan(&id, &ref)
				ids, refs = append(ids, id), append(refs, ref)
			}
			rows.Close()
			paid := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
			b.ResetTimer()

			// The baseline: as many payment rows in one transaction.
			start := time.Now()
			tx, err := s.DB().Begin()
			if err != nil {
				b.Fatal(err)
			}
			stmt, err := tx.Prepare(`INSERT INTO payments (id, account_id, lender_id, amount_cents, currency, paid_at, reference, source, recorded_by, created_at)
				VALUES ($1, $2, $3, 100, 'CNY', $4, $5, 'lender', 'bench', $4)`)
			if err != nil {
				b.Fatal(err)
			}
			for i, id := range ids {
				if _, err := stmt.Exec(uuid.NewString(), id, vm.OrgID, paid, fmt.Sprintf("RAW-%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			stmt.Close()
			if err := tx.Rollback(); err != nil {
				b.Fatal(err)
			}
			raw := time.Since(start)

			start = time.Now()
			for i, id := range ids {
				if _, err := s.RecordPayment(ctx, agency, id, store.PaymentInput{AmountCents: 10_000, PaidAt: paid, Reference: fmt.Sprintf("BM-%d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			report := time.Since(start)

			var feed strings.Builder
			feed.WriteString("external_ref,amount,paid_at,reference\n")
			for i, ref := range refs {
				fmt.Fprintf(&feed, "%s,100.00,%s,BM-%d\n", ref, paid.Format(time.RFC3339), i)
			}
			src, err := sheets.OpenRowSource(strings.NewReader(feed.String()), int64(feed.Len()))
			if err != nil {
				b.Fatal(err)
			}
			start = time.Now()
			res, err := s.ImportPayments(ctx, vm, src)
			src.Close()
			if err != nil || res.Confirmed != len(ids) {
				b.Fatalf("feed: %+v %v", res, err)
			}
			match := time.Since(start)

			month := paid.In(collect.China).Format("2006-01")
			start = time.Now()
			list, err := s.Invoices(ctx, vm, month, agency.OrgID)
			if err != nil || len(list) != 1 {
				b.Fatalf("invoices: %d %v", len(list), err)
			}
			draft := time.Since(start)
			start = time.Now()
			if _, err := s.Invoices(ctx, vm, month, agency.OrgID); err != nil {
				b.Fatal(err)
			}
			again := time.Since(start)
			start = time.Now()
			inv, err := s.Invoice(ctx, vm, list[0].ID)
			if err != nil {
				b.Fatal(err)
			}
			open := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(len(ids))/raw.Seconds(), "raw-insert-rows/s")
			b.ReportMetric(float64(len(ids))/report.Seconds(), "reports/s")
			b.ReportMetric(float64(len(ids))/match.Seconds(), "feed-rows/s")
			b.ReportMetric(match.Seconds(), "feed-s")
			b.ReportMetric(draft.Seconds(), "invoice-draft-s")
			b.ReportMetric(again.Seconds()*1000, "invoice-list-again-ms")
			b.ReportMetric(open.Seconds(), "invoice-open-s")
			b.ReportMetric(float64(len(inv.Lines)), "invoice-lines")
		})
	}
}
