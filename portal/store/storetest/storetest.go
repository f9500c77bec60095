// Package storetest opens real databases for tests: a fresh SQLite file per
// test, and, when TEST_DATABASE_URL names a PostgreSQL server, a fresh schema
// on it per test. Migrations run on both.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the driver behind gorm's postgres, for schema set-up

	"collect/portal/store"
)

// Dialects are the databases the tests run on here: always SQLite;
// PostgreSQL when TEST_DATABASE_URL is set (otherwise a skip message says so).
func Dialects(tb testing.TB) []string {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		logOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "storetest: TEST_DATABASE_URL is not set; PostgreSQL tests skip (SQLite only)")
		})
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

var logOnce sync.Once

// Open returns a migrated, empty store on dialect, closed (and its schema
// dropped) when the test ends.
func Open(tb testing.TB, dialect string, opts store.Options) *store.Store {
	tb.Helper()
	ctx := context.Background()
	u := URL(tb, dialect)
	s, err := store.Open(ctx, u, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return s
}

// URL returns a database URL for a fresh database on dialect: a new SQLite
// file, or a new schema on the TEST_DATABASE_URL server.
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "portal.db")
	case "postgres":
		base := os.Getenv("TEST_DATABASE_URL")
		if base == "" {
			tb.Skip("TEST_DATABASE_URL is not set: PostgreSQL test skipped")
		}
		schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			tb.Fatalf("PostgreSQL at TEST_DATABASE_URL: %v", err)
		}
		tb.Cleanup(func() {
			db, err := sql.Open("pgx", base)
			if err == nil {
				db.Exec("DROP SCHEMA " + schema + " CASCADE")
				db.Close()
			}
		})
		pu, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := pu.Query()
		q.Set("search_path", schema)
		pu.RawQuery = q.Encode()
		return pu.String()
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// Each runs fn as a subtest on every available dialect, the dialects side
// by side (each subtest has its own database). fn must not touch package
// state (test hooks, environment); such tests use EachSerial.
func Each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// EachSerial is Each one dialect after the other, for tests that set
// package-wide hooks or measure time.
func EachSerial(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// Reopen opens a second store on the same database as s (another portal
// process, say), closed when the test ends.
func Reopen(tb testing.TB, s *store.Store, opts store.Options) *store.Store {
	tb.Helper()
	s2, err := store.Open(context.Background(), s.URL(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s2.Close() })
	return s2
}
