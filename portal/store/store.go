// Package store is the only code that knows SQL and GORM. It opens SQLite or
// PostgreSQL, applies the migrations, and implements the services the portal
// calls. Every tenant query goes through one scope per actor kind (scope.go):
// a row outside the actor's scope is not found, never forbidden. Every state
// change appends an audit event in the same transaction (audit.go).
package store

import (
	"collect"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"collect/migrations"
)

// Store is the portal's persistence and services.
type Store struct {
	url     string
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	now     func() time.Time
	rescore func(ctx context.Context, accountIDs ...string) error // set by SetRescoreQueue
	search  searchKeyCache                                        // the install's key for identity search (searchkeys.go)
	listCap int                                                   // the account list's count cap; CountCap when 0 (tests lower it)
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil. Tests pin it.
	Now func() time.Time
	// OnStatement, when set, is told of each SQL statement the store runs
	// through GORM, after it ran, with its parameters (the query-count
	// guard counts a request's statements with it; the plan checks
	// EXPLAIN them).
	OnStatement func(ctx context.Context, sql string, vars []any)
}

// Open connects to the database that databaseURL names: a postgres:// or
// postgresql:// URL selects PostgreSQL; a file path or sqlite:// path selects
// the embedded SQLite (its folder is created).
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	cfg := &gorm.Config{
		SkipDefaultTransaction: true, // writes open their own transactions
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return now().UTC() },
		TranslateError:         true,
	}
	s := &Store{url: databaseURL, now: func() time.Time { return now().UTC() }}
	var err error
	if isPostgres(databaseURL) {
		s.dialect = "postgres"
		s.db, err = gorm.Open(postgres.Open(withoutJIT(databaseURL)), cfg)
	} else {
		s.dialect = "sqlite"
		var dsn string
		dsn, err = sqliteDSN(databaseURL)
		if err == nil {
			s.db, err = gorm.Open(sqlite.Open(dsn), cfg)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	s.sqlDB, err = s.db.DB()
	if err != nil {
		return nil, err
	}
	if opts.OnStatement != nil {
		if err := traceStatements(s.db, opts.OnStatement); err != nil {
			return nil, err
		}
	}
	if s.dialect == "sqlite" {
		// One writer at a time in SQLite; immediate transactions and a busy
		// timeout queue writers instead of failing them.
		s.sqlDB.SetMaxOpenConns(4)
		s.sqlDB.SetMaxIdleConns(4)
	} else {
		s.sqlDB.SetMaxOpenConns(20)
		s.sqlDB.SetMaxIdleConns(10)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.sqlDB.PingContext(ctx); err != nil {
		s.sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", s.dialect, err)
	}
	return s, nil
}

// traceStatements registers fn after each kind of GORM statement.
func traceStatements(db *gorm.DB, fn func(ctx context.Context, sql string, vars []any)) error {
	after := func(tx *gorm.DB) {
		if tx.Statement.SQL.Len() > 0 {
			fn(tx.Statement.Context, tx.Statement.SQL.String(), append([]any(nil), tx.Statement.Vars...))
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("collect:trace", after),
		cb.Query().After("gorm:query").Register("collect:trace", after),
		cb.Update().After("gorm:update").Register("collect:trace", after),
		cb.Delete().After("gorm:delete").Register("collect:trace", after),
		cb.Row().After("gorm:row").Register("collect:trace", after),
		cb.Raw().After("gorm:raw").Register("collect:trace", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// sqliteDSN turns a path or sqlite:// URL into the driver's DSN with the
// pragmas DESIGN.md asks for.
func sqliteDSN(u string) (string, error) {
	path := strings.TrimPrefix(u, "sqlite://")
	if path == "" {
		return "", errors.New("empty SQLite path")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-16000)", "mmap_size(1073741824)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	// Immediate transactions take the write lock at BEGIN, so a writer waits
	// (busy_timeout) instead of failing on a stale read snapshot. Do not add
	// _time_format: the driver (glebarez/go-sqlite v1.23) stops reading
	// parameters after it, dropping _txlock; its default time format is
	// already "2006-01-02 15:04:05.999999999-07:00", sortable for UTC times.
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode(), nil
}

// URL is the database URL the store was opened with.
func (s *Store) URL() string { return s.url }

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Migrate applies the pending migrations, then computes what they left
// for Go to compute (the queue priorities, priority.go).
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := migrations.Up(ctx, s.sqlDB, s.dialect); err != nil {
		return err
	}
	if err := s.fillSearchKeys(ctx); err != nil {
		return err
	}
	return s.RefreshStalePriorities(ctx)
}

// SchemaVersion reports the applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	return migrations.Version(ctx, s.sqlDB, s.dialect)
}

// bulkAnalyzeRows is how many rows a bulk write must add before the
// planner's statistics are refreshed at its end.
const bulkAnalyzeRows = 10_000

// analyze refreshes PostgreSQL's planner statistics on tables after a bulk
// write. Autovacuum would do it within a minute or so, but work planned in
// that minute sees the tables as they were: after a bulk load, the
// scoring's page of accounts was planned as a sequential scan and sort of
// the whole table, for each page (at 100,000 accounts 124 ms a page
// instead of 9.5 ms, and growing with the table). A
// failure is logged, not returned: the data stands, autovacuum catches up.
// SQLite plans without statistics (none are gathered), so nothing to do.
func (s *Store) analyze(ctx context.Context, tables ...string) {
	if s.dialect != "postgres" || len(tables) == 0 {
		return
	}
	if err := s.db.WithContext(context.WithoutCancel(ctx)).Exec("ANALYZE " + strings.Join(tables, ", ")).Error; err != nil {
		slog.Default().Warn("refreshing planner statistics", "tables", tables, "error", err)
	}
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// Close closes the pool.
func (s *Store) Close() error { return s.sqlDB.Close() }

// DB exposes the handle to tests in other packages that must reach behind
// the application's back (tampering with the audit trail, say).
func (s *Store) DB() *sql.DB { return s.sqlDB }

// inTx runs fn in one transaction: rolled back on error or panic, committed
// otherwise.
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// notFound maps a missing row to the domain's not found: "<what> not
// found" in the reader's language, each what its own catalogue key.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFoundError(what)
	}
	return err
}

// notFoundKeys names the message of each thing notFound is told of; a what
// not listed here falls back to err.not_found.thing with the English word, which
// TestNotFoundKeys keeps from happening.
var notFoundKeys = map[string]string{
	"account":      "err.not_found.account",
	"agency":       "err.not_found.agency",
	"allocation":   "err.not_found.allocation",
	"api key":      "err.not_found.api_key",
	"arrangement":  "err.not_found.arrangement",
	"breach":       "err.not_found.breach",
	"complaint":    "err.not_found.complaint",
	"contract":     "err.not_found.contract",
	"dispute":      "err.not_found.dispute",
	"import":       "err.not_found.import",
	"legal case":   "err.not_found.legal_case",
	"organisation": "err.not_found.organisation",
	"portfolio":    "err.not_found.portfolio",
	"tender":       "err.not_found.tender",
	"user":         "err.not_found.user",
	"invite":       "err.not_found.invite",
	"link":         "err.not_found.link",
	"request":      "err.not_found.request",
	"hold":         "err.not_found.hold",
	"contact":      "err.not_found.contact",
	"payment":      "err.not_found.payment",
	"exception":    "err.not_found.exception",
	"invoice":      "err.not_found.invoice",
	"attachment":   "err.not_found.attachment",
	"qa plan":      "err.not_found.qa_plan",
	"qa sample":    "err.not_found.qa_sample",
	"qa finding":   "err.not_found.qa_finding",
}

func notFoundError(what string) *collect.Error {
	if key, ok := notFoundKeys[what]; ok {
		return collect.E(collect.ENOTFOUND, key)
	}
	return collect.E(collect.ENOTFOUND, "err.not_found.thing", "what", what)
}

// keyedRuleViolation is the 422 e of a refused step, naming each broken rule.
func keyedRuleViolation(e *collect.Error, vs []collect.Violation) error {
	e.Violations = vs
	return e
}

// Page is the paging of a list: 1-based page, per page 1..500 (default 50).
type Page struct {
	Page    int
	PerPage int
}

// The list sizes of API.md: ?per_page= is 50 unless given, at most 500.
const (
	DefaultPerPage = 50
	MaxPerPage     = 500
)

// Normal returns p with defaults and bounds applied.
func (p Page) Normal() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = DefaultPerPage
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// Pages is how many pages of p's size hold total rows (0 for none), the
// figure a list's pager shows.
func (p Page) Pages(total int64) int {
	per := int64(p.Normal().PerPage)
	return int((total + per - 1) / per)
}

func (p Page) offset() int { return (p.Page - 1) * p.PerPage }

// withoutJIT turns PostgreSQL's JIT compilation off for the portal's
// sessions unless the URL says otherwise: the portal's statements are
// short, and at 1,000,000 accounts their cost estimates pass jit_above_cost,
// so JIT spent 10-60 ms compiling each of them (seen with auto_explain on
// the queue's contact read); the rest of the URL is pgx's.
func withoutJIT(url string) string {
	if strings.Contains(url, "jit=") {
		return url
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		if strings.Contains(url, "?") {
			return url + "&jit=off"
		}
		return url + "?jit=off"
	}
	return url + " jit=off"
}
