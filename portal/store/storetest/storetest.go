// Package storetest opens real databases for tests: a fresh SQLite file per
// test, and, when TEST_DATABASE_URL names a PostgreSQL server, a fresh
// database on it per test, each a copy of a migrated (or seeded) template
// made once per test process.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
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

// Open returns a migrated, empty store on dialect, closed (and its database
// dropped) when the test ends. The migrations run once per test process,
// into a template that each test's database is copied from.
func Open(tb testing.TB, dialect string, opts store.Options) *store.Store {
	tb.Helper()
	return Seeded(tb, dialect, "", nil, opts)
}

// Seeded returns a store on dialect holding what seed wrote into a migrated,
// empty database. seed runs once per key and test process; each test gets
// its own copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on
// PostgreSQL), so tests may change it freely. The empty key is the migrated
// database without seed.
func Seeded(tb testing.TB, dialect, key string, seed func(*store.Store) error, opts store.Options) *store.Store {
	tb.Helper()
	tpl, err := template(tb, dialect, key, seed)
	if err != nil {
		tb.Fatalf("%s template %q: %v", dialect, key, err)
	}
	u := tpl.clone(tb)
	s, err := store.Open(context.Background(), u, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// A template is a migrated (and perhaps seeded) database to copy from.
type dbTemplate struct {
	dialect string
	sqlite  []byte // the SQLite file
	pgName  string // the PostgreSQL database
	base    string // TEST_DATABASE_URL
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*templateOnce{}
)

type templateOnce struct {
	once sync.Once
	tpl  *dbTemplate
	err  error
}

func template(tb testing.TB, dialect, key string, seed func(*store.Store) error) (*dbTemplate, error) {
	templatesMu.Lock()
	t, ok := templates[dialect+"\x00"+key]
	if !ok {
		t = &templateOnce{}
		templates[dialect+"\x00"+key] = t
	}
	templatesMu.Unlock()
	t.once.Do(func() { t.tpl, t.err = makeTemplate(tb, dialect, seed) })
	return t.tpl, t.err
}

func makeTemplate(tb testing.TB, dialect string, seed func(*store.Store) error) (*dbTemplate, error) {
	ctx := context.Background()
	tpl := &dbTemplate{dialect: dialect}
	var u string
	switch dialect {
	case "sqlite":
		dir, err := os.MkdirTemp("", "storetest-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		u = filepath.Join(dir, "template.db")
	case "postgres":
		tpl.base = os.Getenv("TEST_DATABASE_URL")
		if tpl.base == "" {
			tb.Skip("TEST_DATABASE_URL is not set: PostgreSQL test skipped")
		}
		db, err := sql.Open("pgx", tpl.base)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		sweep(ctx, db)
		tpl.pgName = dbName("tpl")
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+tpl.pgName); err != nil {
			return nil, fmt.Errorf("PostgreSQL at TEST_DATABASE_URL: %w", err)
		}
		u = withDatabase(tpl.base, tpl.pgName)
	default:
		return nil, fmt.Errorf("unknown dialect %q", dialect)
	}
	s, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		return nil, err
	}
	err = s.Migrate(ctx)
	if err == nil && seed != nil {
		err = seed(s)
	}
	if err == nil && dialect == "sqlite" {
		// one self-contained file, whatever the journal mode left beside it
		out := u + ".copy"
		if _, err = s.DB().ExecContext(ctx, "VACUUM INTO ?", out); err == nil {
			tpl.sqlite, err = os.ReadFile(out)
		}
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return tpl, nil
}

// clone makes the test's own database from the template and returns its URL.
func (tpl *dbTemplate) clone(tb testing.TB) string {
	tb.Helper()
	if tpl.dialect == "sqlite" {
		u := filepath.Join(tb.TempDir(), "portal.db")
		if err := os.WriteFile(u, tpl.sqlite, 0o600); err != nil {
			tb.Fatal(err)
		}
		return u
	}
	db, err := sql.Open("pgx", tpl.base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	name := dbName("t")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Two clones of one template at once: PostgreSQL refuses while another
	// session copies it, so retry briefly.
	for attempt := 0; ; attempt++ {
		_, err = db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl.pgName)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(time.Duration(20+attempt*10) * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("copy the template database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", tpl.base)
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	return withDatabase(tpl.base, name)
}

// dbName names a database of this process: storetest_<kind>_<pid>_<random>.
func dbName(kind string) string {
	return fmt.Sprintf("storetest_%s_%d_%s", kind, os.Getpid(), strings.ReplaceAll(uuid.NewString(), "-", "")[:12])
}

// sweep drops the databases of test processes that are gone (a killed run
// leaves its templates behind). The server is this machine's: the process
// ids are ours.
func sweep(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'storetest\\_%'")
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		parts := strings.Split(n, "_")
		if len(parts) != 4 {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // still running
		}
		db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
	}
}

// withDatabase is base with its database replaced by name.
func withDatabase(base, name string) string {
	pu, err := url.Parse(base)
	if err != nil {
		return base
	}
	pu.Path = "/" + name
	return pu.String()
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
