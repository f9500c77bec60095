package store_test

import (
	"collect"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"collect/casework"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// importTestRows is the size of the long import: 200,000 rows last several
// seconds here; PORTAL_IMPORT_TEST_ROWS=1000000 runs it at the size.
func importTestRows() int {
	if n, err := strconv.Atoi(os.Getenv("PORTAL_IMPORT_TEST_ROWS")); err == nil && n > 0 {
		return n
	}
	return 80_000 // some 8 apply batches: long enough for every writer to interleave; PORTAL_IMPORT_TEST_ROWS=200000 for the long run
}

// contactable returns an account in the collector's queue that takes a
// contact now (verified and in first contact), and the time to record
// contacts at (yesterday, 10:00 Beijing time).
func contactable(t *testing.T, s *store.Store, agent collect.Actor) (string, time.Time) {
	t.Helper()
	ctx := context.Background()
	bj := time.Now().In(time.FixedZone("CST", 8*3600))
	day := time.Date(bj.Year(), bj.Month(), bj.Day(), 10, 0, 0, 0, bj.Location()).AddDate(0, 0, -1)
	q, _, err := s.Queue(ctx, agent, store.QueueFilter{Page: store.Page{PerPage: 500}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range q {
		_, _ = s.RecordVerification(ctx, agent, r.ID, store.Verification{IdentityOK: true, ContactOK: true, AmountOK: true, DPDOK: true})
		_, _ = s.MoveStage(ctx, agent, r.ID, casework.StageFirstContact)
		if _, err := s.RecordContact(ctx, agent, r.ID, store.ContactInput{Channel: "sms", Party: "debtor", Outcome: "other", At: day, Message: "您好，请按约定还款。"}); err == nil {
			return r.ID, day
		}
	}
	t.Fatal("no account in the collector's queue takes a contact")
	return "", day
}

// While a long import runs, other users' writes and the background jobs go
// on, each within a couple of seconds, and no import write transaction
// holds SQLite's write lock for more than about a second.
func TestImportDoesNotBlockOtherWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("long import")
	}
	n := importTestRows()
	path := filepath.Join(t.TempDir(), "long.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sheets.WritePortfolioCSV(f, n, 7, time.Now().UTC(), "en"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	storetest.EachSerial(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		accountID, day := contactable(t, s, agent)
		accountsBefore := count(t, s, `SELECT COUNT(*) FROM accounts`)

		var mu sync.Mutex
		longest := map[string]time.Duration{}
		defer store.SetImportTxHook(func(what string, held time.Duration) {
			mu.Lock()
			longest[what] = max(longest[what], held)
			mu.Unlock()
		})()

		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		src, err := sheets.OpenRowSource(f, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			res store.ImportResult
			err error
		}
		done := make(chan outcome, 1)
		start := time.Now()
		go func() {
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "long", Filename: "long.csv", Source: src})
			done <- outcome{res, err}
		}()

		ops := map[string][]time.Duration{}
		timed := func(name string, fn func() error) {
			t0 := time.Now()
			if err := fn(); err != nil {
				t.Errorf("%s during the import (after %s): %v", name, time.Since(start).Round(time.Millisecond), err)
			}
			ops[name] = append(ops[name], time.Since(t0))
		}
		var out outcome
		for i := 0; ; i++ {
			select {
			case out = <-done:
			default:
			}
			if out.res.Status != "" || out.err != nil {
				break
			}
			timed("payment", func() error {
				_, err := s.RecordPayment(ctx, agent, accountID, store.PaymentInput{AmountCents: 1, PaidAt: time.Now().UTC().Add(-time.Minute), Reference: fmt.Sprintf("LONG-%d", i)})
				return err
			})
			timed("contact", func() error {
				_, err := s.RecordContact(ctx, agent, accountID, store.ContactInput{Channel: "sms", Party: "debtor", Outcome: "other", At: day.Add(time.Duration(i+1) * time.Second), Message: "您好，请按约定还款。"})
				return err
			})
			timed("EvaluatePromises", func() error { _, err := s.EvaluatePromises(ctx); return err })
			timed("ExpirePlacements", func() error { _, _, err := s.ExpirePlacements(ctx); return err })
			timed("DetectBreaches", func() error { _, err := s.DetectBreaches(ctx, time.Now().Add(-time.Hour)); return err })
			timed("RecoverStaleImports", func() error {
				ids, err := s.RecoverStaleImports(ctx, store.ImportStaleAfter)
				if err == nil && len(ids) > 0 {
					err = fmt.Errorf("recovered the live import: %v", ids)
				}
				return err
			})
			time.Sleep(200 * time.Millisecond)
		}
		elapsed := time.Since(start)
		if out.err != nil || out.res.Status != "done" || out.res.Accepted != n {
			t.Fatalf("import: %+v %v", out.res.Status, out.err)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM accounts`); got != accountsBefore+n {
			t.Fatalf("%d accounts after the import, want %d", got, accountsBefore+n)
		}
		if got := count(t, s, `SELECT account_count FROM portfolios WHERE id = $1`, out.res.PortfolioID); got != n {
			t.Fatalf("portfolio counts %d accounts, want %d", got, n)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM import_rows`) + count(t, s, `SELECT COUNT(*) FROM import_undo`); got != 0 {
			t.Fatalf("%d staging rows left", got)
		}
		t.Logf("%s: %d rows in %s (%.0f rows/s)", dialect, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
		for name, ds := range ops {
			var worst, sum time.Duration
			for _, d := range ds {
				worst, sum = max(worst, d), sum+d
			}
			t.Logf("%s: %s ×%d during the import, mean %s, worst %s", dialect, name, len(ds), (sum / time.Duration(len(ds))).Round(time.Millisecond), worst.Round(time.Millisecond))
			if worst > 2*time.Second {
				t.Errorf("%s took %s during the import", name, worst)
			}
			if len(ds) < 3 {
				t.Errorf("only %d %s calls during the import: make it longer", len(ds), name)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for what, d := range longest {
			t.Logf("%s: longest %s transaction %s", dialect, what, d.Round(time.Millisecond))
			if dialect == "sqlite" && what != "apply" && d > time.Second || dialect == "sqlite" && d > 1200*time.Millisecond {
				t.Errorf("an import %s transaction held SQLite's write lock for %s", what, d)
			}
		}
	})
}

// accountSnapshot is what a re-import changes on an account.
func accountSnapshot(t *testing.T, s *store.Store, lenderID string) map[string]string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT external_ref, portfolio_id, debtor_name, balance_cents, dpd, bucket FROM accounts WHERE lender_id = $1`, lenderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, pid, name, bucket string
		var bal int64
		var dpd int
		if err := rows.Scan(&ref, &pid, &name, &bal, &dpd, &bucket); err != nil {
			t.Fatal(err)
		}
		out[ref] = fmt.Sprint(pid, "|", name, "|", bal, "|", dpd, "|", bucket)
	}
	return out
}

// An import that fails while it applies, or whose process dies then, leaves
// nothing behind: the new accounts gone, the re-imported ones as they were
// (values, portfolio, portfolio counts), no staging rows; a crashed one is
// failed by recovery with the reason.
func TestImportFailureAndCrashLeaveNothing(t *testing.T) {
	// A fifth of the batch sizes and of the rows: the same batches crossed.
	defer store.SetImportBatchScale(5)()
	storetest.EachSerial(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		// A first import of 3,000 rows; the second file has its first
		// 3,000 references with other values, then 6,000 new ones.
		first, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "first", Filename: "a.csv", Source: rowSource(t, generated(t, 3000, "en"))})
		if err != nil || first.Status != "done" {
			t.Fatalf("%+v %v", first, err)
		}
		var second strings.Builder
		if err := sheets.WritePortfolioCSV(&second, 9000, 99, time.Now().UTC(), "en"); err != nil {
			t.Fatal(err)
		}
		before := accountSnapshot(t, s, vm.OrgID)
		portfoliosBefore := count(t, s, `SELECT COUNT(*) FROM portfolios`)
		countsBefore := count(t, s, `SELECT SUM(account_count) + SUM(balance_cents) FROM portfolios`)
		check := func(t *testing.T, res store.ImportResult) {
			t.Helper()
			after := accountSnapshot(t, s, vm.OrgID)
			if len(after) != len(before) {
				t.Fatalf("%d accounts after the failed import, want %d", len(after), len(before))
			}
			for ref, v := range before {
				if after[ref] != v {
					t.Fatalf("account %s is %s after the failed import, was %s", ref, after[ref], v)
				}
			}
			if n := count(t, s, `SELECT COUNT(*) FROM portfolios`); n != portfoliosBefore {
				t.Fatalf("%d portfolios, want %d", n, portfoliosBefore)
			}
			if n := count(t, s, `SELECT SUM(account_count) + SUM(balance_cents) FROM portfolios`); n != countsBefore {
				t.Fatalf("portfolio counts changed by the failed import")
			}
			if n := count(t, s, `SELECT COUNT(*) FROM import_rows`) + count(t, s, `SELECT COUNT(*) FROM import_undo`); n != 0 {
				t.Fatalf("%d staging rows left", n)
			}
			im, err := s.ImportStatus(ctx, vm, res.ImportID)
			if err != nil || im.Status != "failed" || im.PortfolioID != "" || im.Accepted != 0 {
				t.Fatalf("import after failure: %+v %v", im, err)
			}
		}
		applies := 0
		failThird := func(what string) error {
			if what == "apply" {
				if applies++; applies == 3 || dialect == "postgres" {
					return errors.New("disk on fire")
				}
			}
			return nil
		}
		// The second file's first 3,000 references are the first file's.
		data := []byte(second.String())
		t.Run("FailsWhileApplying", func(t *testing.T) {
			restore := store.SetImportFailHook(failThird)
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "second", Filename: "b.csv", Source: rowSource(t, data)})
			restore()
			if err == nil || res.Status != "failed" {
				t.Fatalf("%+v %v", res.Status, err)
			}
			check(t, res)
		})
		t.Run("CrashWhileApplying", func(t *testing.T) {
			applies = 0
			// The apply fails and so does every undo: what a process that
			// died there leaves.
			restore := store.SetImportFailHook(func(what string) error {
				if what == "undo" {
					return errors.New("killed")
				}
				return failThird(what)
			})
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "second", Filename: "b.csv", Source: rowSource(t, data)})
			restore()
			if err == nil {
				t.Fatal("the crashed import succeeded")
			}
			if im, _ := s.ImportStatus(ctx, vm, res.ImportID); im.Status != "running" {
				t.Fatalf("the crashed import is %s", im.Status)
			}
			if dialect == "sqlite" {
				if n := count(t, s, `SELECT COUNT(*) FROM import_undo`); n == 0 {
					t.Fatal("no undo rows kept: the test does not crash midway")
				}
			}
			// Its heartbeat is fresh: recovery leaves it alone.
			if ids, err := s.RecoverStaleImports(ctx, time.Minute); err != nil || len(ids) != 0 {
				t.Fatalf("recovered a fresh import: %v %v", ids, err)
			}
			ids, err := s.RecoverStaleImports(ctx, 0)
			if err != nil || len(ids) != 1 || ids[0] != res.ImportID {
				t.Fatalf("recovery: %v %v", ids, err)
			}
			check(t, res)
			if im, _ := s.ImportStatus(ctx, vm, res.ImportID); im.MessageKey != store.ImportInterruptedKey {
				t.Fatalf("message %q", im.Message)
			}
			// A second process recovering after it finds nothing to do.
			if ids, err := storetest.Reopen(t, s, store.Options{}).RecoverStaleImports(ctx, 0); err != nil || len(ids) != 0 {
				t.Fatalf("second recovery: %v %v", ids, err)
			}
		})
		t.Run("ThenSucceeds", func(t *testing.T) {
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "second", Filename: "b.csv", Source: rowSource(t, data)})
			if err != nil || res.Status != "done" || res.Accepted != 9000 {
				t.Fatalf("%+v %v", res.Status, err)
			}
			if n := count(t, s, `SELECT account_count FROM portfolios WHERE id = $1`, first.PortfolioID); n != 0 {
				t.Fatalf("the first portfolio still counts %d accounts, all moved to the second", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM accounts WHERE portfolio_id = $1`, res.PortfolioID); n != 9000 {
				t.Fatalf("%d accounts in the new portfolio", n)
			}
		})
		r, err := s.VerifyAudit(ctx)
		if err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

// A rejected line is kept cut to a few KB, valid UTF-8, without NUL, and
// the download still reads it back as cells.
func TestImportRejectsKeptTruncated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		due := time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02")
		// Cells just under the reader's cell cap (8 KiB), one with a NUL: the
		// reader refuses larger ones outright (sheets.FileLimits).
		huge := strings.Repeat("长", 2700) // 8,100 bytes of three-byte runes
		file := "external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" +
			"HUGE-1," + huge + ",11010519491231002X,13800138000,北京\x00" + huge + ",1000.00,900.00," + due + ",40\n" +
			"OK-1,张三,11010519491231002X,13800138000,北京市,1000.00,900.00," + due + ",40\n"
		res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "huge", Filename: "h.csv", Partial: true, Source: rowSource(t, []byte(file))})
		if err != nil || res.Rejected != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		var raw string
		if err := s.DB().QueryRow(`SELECT raw FROM import_rejects WHERE import_id = $1`, res.ImportID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) > 4<<10 || !utf8.ValidString(raw) || strings.ContainsRune(raw, 0) || !strings.HasPrefix(raw, "HUGE-1,") {
			t.Fatalf("kept %d bytes: %.80q", len(raw), raw)
		}
		var out strings.Builder
		if err := s.WriteRejectsCSV(ctx, vm, res.ImportID, &out); err != nil || !strings.Contains(out.String(), "HUGE-1") || out.Len() > 16<<10 {
			t.Fatalf("rejects csv (%d bytes): %v", out.Len(), err)
		}
	})
}

// When recovery takes an import over (its heartbeat judged stale) while the
// importer still runs, the importer stops writing at its next batch and
// recovery's undo leaves nothing behind.
func TestImportTakenOverByRecoveryStops(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		accountsBefore := count(t, s, `SELECT COUNT(*) FROM accounts`)
		data := generated(t, 100000, "en")
		done := make(chan error, 1)
		var res store.ImportResult
		go func() {
			var err error
			res, err = s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "taken", Filename: "t.csv", Source: rowSource(t, data)})
			done <- err
		}()
		// Wait for the import to be well under way: applying on SQLite (rows
		// already in accounts), staging on PostgreSQL (its apply is one
		// transaction, which recovery waits for).
		deadline := time.Now().Add(time.Minute)
		for {
			var phase string
			var staged int
			s.DB().QueryRow(`SELECT phase FROM imports WHERE name = 'taken'`).Scan(&phase)
			s.DB().QueryRow(`SELECT COUNT(*) FROM import_rows`).Scan(&staged)
			if dialect == "sqlite" && phase == "applying" || dialect == "postgres" && staged >= 20000 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the import never got under way (phase %q, %d staged)", phase, staged)
			}
			time.Sleep(10 * time.Millisecond)
		}
		ids, err := s.RecoverStaleImports(ctx, -time.Hour) // every running import counts as stale
		if err != nil || len(ids) != 1 {
			t.Fatalf("recovery: %v %v", ids, err)
		}
		if err := <-done; err == nil {
			t.Fatalf("the importer went on after recovery took its import: %+v", res.Status)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM accounts`); n != accountsBefore {
			t.Fatalf("%d accounts, want %d", n, accountsBefore)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM import_rows`) + count(t, s, `SELECT COUNT(*) FROM import_undo`); n != 0 {
			t.Fatalf("%d staging rows left", n)
		}
		im, err := s.ImportStatus(ctx, vm, ids[0])
		if err != nil || im.Status != "failed" || im.MessageKey != store.ImportInterruptedKey {
			t.Fatalf("%+v %v", im, err)
		}
	})
}
