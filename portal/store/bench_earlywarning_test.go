package store_test

// BenchmarkScoreLender: scoring every open account of a lender with
// 1,000,000 accounts and 10,000,000 contacts (PORTAL_BENCH_ACCOUNTS /
// PORTAL_BENCH_CONTACTS_PER override the size): read each account's
// history, compute its features, score it with the propensity model and
// write the scores with their reasons; then again, replacing them, as the
// daily scoring does. The target is under 30 s on the 2-core machine. Measured in the same run as baselines: reading the same
// inputs with one plain query per table (no chunking, no features), and
// the pure scoring of as many feature vectors.
//
//	go test -run XXX -bench ScoreLender -benchtime 1x -timeout 60m ./portal/store/

import (
	"context"
	"testing"
	"time"

	"collect/casework/earlywarning"
	"collect/portal/store/storetest"
)

func BenchmarkScoreLender(b *testing.B) {
	accounts := envInt("PORTAL_BENCH_ACCOUNTS", 1_000_000)
	perAccount := envInt("PORTAL_BENCH_CONTACTS_PER", 10)
	model, trainF := syntheticModel(b, 20_000)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			s, vm, _ := benchBook(b, dialect, accounts, perAccount)
			if err := s.InstallModel(vm.OrgID, model); err != nil {
				b.Fatal(err)
			}
			// Steady state: the bulk load checkpointed into the SQLite file;
			// on PostgreSQL, the tables vacuumed as autovacuum does after
			// large inserts (it sets the visibility map that index-only
			// scans rely on; BulkLoadBook already refreshed the statistics).
			settle := map[string]string{"sqlite": "PRAGMA wal_checkpoint(TRUNCATE)", "postgres": "VACUUM"}[dialect]
			if _, err := s.DB().Exec(settle); err != nil {
				b.Fatal(err)
			}

			// Baseline 1: the inputs read by one streaming query per table.
			start := time.Now()
			var n int
			since := time.Now().Add(-earlywarning.ContactWindow)
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`SELECT id, due_date, province, last_payment_date, created_at, principal_cents, balance_cents FROM accounts WHERE lender_id = $1 AND status = 'open'`, []any{vm.OrgID}},
				{`SELECT account_id, paid_at, amount_cents FROM payments WHERE lender_id = $1`, []any{vm.OrgID}},
				{`SELECT account_id, at, direction, outcome FROM contacts WHERE lender_id = $1 AND party = 'debtor' AND at > $2`, []any{vm.OrgID, since}},
			} {
				rows, err := s.DB().Query(q.sql, q.args...)
				if err != nil {
					b.Fatal(err)
				}
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = new(any)
				}
				for rows.Next() {
					rows.Scan(vals...)
					n++
				}
				rows.Close()
			}
			read := time.Since(start)

			// Baseline 2: the pure scoring of as many accounts.
			v := earlywarning.Vector(trainF[0])
			start = time.Now()
			for i := 0; i < accounts; i++ {
				model.GroupedReasons(v, 3)
			}
			pure := time.Since(start)

			// The first scoring writes every score; the next (the daily
			// one) replaces them.
			b.ResetTimer()
			var took [2]time.Duration
			var written int
			for i := range took {
				start = time.Now()
				var err error
				written, err = s.ScoreLender(ctx, vm.OrgID)
				if err != nil {
					b.Fatal(err)
				}
				took[i] = time.Since(start)
				if written < accounts {
					b.Fatalf("%d scores written for %d accounts", written, accounts)
				}
			}
			b.StopTimer()
			b.ReportMetric(took[0].Seconds(), "score-s")
			b.ReportMetric(took[1].Seconds(), "rescore-s")
			b.ReportMetric(float64(written)/max(took[0], took[1]).Seconds(), "accounts/s")
			b.ReportMetric(read.Seconds(), "baseline-read-s")
			b.ReportMetric(pure.Seconds(), "baseline-pure-s")
			b.ReportMetric(float64(n), "rows-read")
		})
	}
}

// syntheticModel is a propensity model trained on n synthetic accounts,
// with their features: for scoring data it was not trained on.
func syntheticModel(tb testing.TB, n int) (earlywarning.Model, []earlywarning.Features) {
	tb.Helper()
	trainF, trainY, _, _ := earlywarning.SyntheticHistory(n, 1)
	X := make([][]float64, len(trainF))
	for i, f := range trainF {
		X[i] = earlywarning.Vector(f)
	}
	model, err := earlywarning.Train(earlywarning.KindPropensity, X, trainY, earlywarning.Lambda)
	if err != nil {
		tb.Fatal(err)
	}
	return model, trainF
}
