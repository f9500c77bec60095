package store_test

import (
	"bytes"
	"collect"
	"context"
	"strings"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

func rowSource(t *testing.T, data []byte) sheets.RowSource {
	t.Helper()
	src, err := sheets.OpenRowSource(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func generated(t *testing.T, n int, header string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sheets.WritePortfolioCSV(&buf, n, 42, time.Now().UTC(), header); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportPortfolio(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		before := count(t, s, `SELECT COUNT(*) FROM accounts`)

		t.Run("ChineseHeaderAllGood", func(t *testing.T) {
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "导入测试", Filename: "a.csv", Source: rowSource(t, generated(t, 2500, "zh"))})
			if err != nil || res.Status != "done" || res.Accepted != 2500 || res.Rejected != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if n := count(t, s, `SELECT account_count FROM portfolios WHERE id = $1`, res.PortfolioID); n != 2500 {
				t.Fatalf("portfolio counts %d", n)
			}
		})
		t.Run("ReimportUpdatesNeverDuplicates", func(t *testing.T) {
			data := generated(t, 2500, "en")
			// Change one balance: the same references, a new amount.
			lines := strings.Split(string(data), "\n")
			cells := strings.Split(lines[1], ",")
			ref := cells[0]
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "again", Filename: "b.csv", Source: rowSource(t, data)})
			if err != nil || res.Accepted != 2500 {
				t.Fatalf("%+v %v", res, err)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM accounts`); n != before+2500 {
				t.Fatalf("%d accounts after re-import, want %d", n, before+2500)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM accounts WHERE external_ref = $1 AND portfolio_id = $2`, ref, res.PortfolioID); n != 1 {
				t.Fatalf("the re-imported account did not move to the new portfolio")
			}
		})
		bad := "external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" +
			"OK-1,张三,11010519491231002X,13800138000,北京市,1000.00,900.00," + time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02") + ",40\n" +
			"BAD-1,李四,110105194912310021,13800138000,北京市,1000.00,900.00," + time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02") + ",40\n" +
			"OK-1,王五,11010519491231002X,13800138001,北京市,10,10," + time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02") + ",40\n"
		t.Run("AllOrNothing", func(t *testing.T) {
			n0 := count(t, s, `SELECT COUNT(*) FROM accounts`)
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "bad", Filename: "bad.csv", Source: rowSource(t, []byte(bad))})
			if err != nil || res.Status != "failed" || res.Rejected != 2 || res.Accepted != 0 || res.PortfolioID != "" {
				t.Fatalf("%+v %v", res, err)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM accounts`); n != n0 {
				t.Fatal("a failed all-or-nothing import kept rows")
			}
			lines := map[int]string{}
			for _, e := range res.Errors {
				lines[e.Line] = e.Field
			}
			if lines[3] != "national_id" || lines[4] != "external_ref" {
				t.Fatalf("errors %+v", res.Errors)
			}
			var csv strings.Builder
			if err := s.WriteRejectsCSV(ctx, vm, res.ImportID, &csv); err != nil || !strings.Contains(csv.String(), "BAD-1") || !strings.Contains(csv.String(), "duplicate reference") {
				t.Fatalf("rejects csv: %v\n%s", err, csv.String())
			}
		})
		t.Run("Partial", func(t *testing.T) {
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "partial", Filename: "bad.csv", Partial: true, Source: rowSource(t, []byte(bad))})
			if err != nil || res.Status != "done" || res.Accepted != 1 || res.Rejected != 2 {
				t.Fatalf("%+v %v", res, err)
			}
		})
		t.Run("MissingColumns", func(t *testing.T) {
			_, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "x", Filename: "x.csv", Source: rowSource(t, []byte("foo,bar\n1,2\n"))})
			if collect.ErrorCode(err) != collect.EINVALID {
				t.Fatalf("missing columns: %v", err)
			}
		})
		t.Run("HeaderOnly", func(t *testing.T) {
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "x", Filename: "x.csv", Source: rowSource(t, generated(t, 0, "en"))})
			if err != nil || res.Status != "failed" || !strings.Contains(res.Message, "no rows") {
				t.Fatalf("%+v %v", res, err)
			}
		})
		t.Run("SavedMapping", func(t *testing.T) {
			m := allocation.Mapping{allocation.ColExternalRef: "Loan No", allocation.ColDebtorName: "Customer"}
			if err := s.SaveMapping(ctx, vm, "core banking", m); err != nil {
				t.Fatal(err)
			}
			data := strings.Replace(string(generated(t, 10, "en")), "external_ref,debtor_name", "Loan No,Customer", 1)
			ms, _ := s.Mappings(ctx, vm)
			res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "mapped", Filename: "m.csv", Mapping: ms["core banking"], Source: rowSource(t, []byte(data))})
			if err != nil || res.Accepted != 10 {
				t.Fatalf("%+v %v", res, err)
			}
		})
		t.Run("AgencyCannotImport", func(t *testing.T) {
			sup := actorFor(t, s, "supervisor@agency-a.test")
			_, err := s.ImportPortfolio(ctx, sup, store.ImportRequest{Name: "x", Filename: "x.csv", Source: rowSource(t, generated(t, 1, "en"))})
			if collect.ErrorCode(err) != collect.EFORBIDDEN {
				t.Fatalf("agency import: %v", err)
			}
		})
		r, err := s.VerifyAudit(ctx)
		if err != nil || !r.OK {
			t.Fatalf("audit after imports: %+v %v", r, err)
		}
	})
}

// A large import refreshes PostgreSQL's planner statistics on accounts at
// its end (work planned before autovacuum's next round would otherwise see
// the table as it was); a small one leaves that to autovacuum.
func TestLargeImportRefreshesPlannerStatistics(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		if dialect != "postgres" {
			t.Skip("SQLite keeps no planner statistics")
		}
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		analyzed := func() int {
			return count(t, s, `SELECT analyze_count FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'accounts'`)
		}
		before := analyzed()
		if _, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "small", Filename: "s.csv", Source: rowSource(t, generated(t, 100, "en"))}); err != nil {
			t.Fatal(err)
		}
		if analyzed() != before {
			t.Fatal("a 100-row import ran ANALYZE")
		}
		res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "large", Filename: "l.csv", Source: rowSource(t, generated(t, 10_000, "en"))})
		if err != nil || res.Accepted != 10_000 {
			t.Fatalf("%+v %v", res, err)
		}
		if analyzed() != before+1 {
			t.Fatal("a 10,000-row import left the planner statistics of accounts as they were")
		}
	})
}
