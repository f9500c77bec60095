package loadtest

import (
	"collect"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/jackc/pgx/v5/stdlib" // CREATE and DROP DATABASE on the PostgreSQL server

	"collect/allocation"
	"collect/portal/demo"
	"collect/portal/sheets"
	"collect/portal/store"
)

// database is a fresh database for one run: a SQLite file in a temporary
// folder, or a new database on the PostgreSQL server the URL names; drop
// removes it.
type database struct {
	url  string
	drop func() error
}

func freshDatabase(ctx context.Context, where, name string) (database, error) {
	if where == "" || where == "sqlite" {
		dir, err := os.MkdirTemp("", "portal-bench-")
		if err != nil {
			return database{}, err
		}
		return database{url: filepath.Join(dir, name+".db"), drop: func() error { return os.RemoveAll(dir) }}, nil
	}
	if !strings.HasPrefix(where, "postgres://") && !strings.HasPrefix(where, "postgresql://") {
		return database{}, fmt.Errorf("-db: sqlite or a postgres:// URL, not %q", where)
	}
	u, err := url.Parse(where)
	if err != nil {
		return database{}, fmt.Errorf("-db: %w", err)
	}
	admin, err := sql.Open("pgx", where)
	if err != nil {
		return database{}, err
	}
	dbname := fmt.Sprintf("portal_bench_%s_%d_%s", name, os.Getpid(), strings.ReplaceAll(uuid.NewString(), "-", "")[:8])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbname); err != nil {
		admin.Close()
		return database{}, fmt.Errorf("create the benchmark's database on %s: %w", u.Host, err)
	}
	u.Path = "/" + dbname
	return database{url: u.String(), drop: func() error {
		defer admin.Close()
		_, err := admin.Exec("DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)")
		return err
	}}, nil
}

// book is what the build made, for the load.
type book struct {
	Accounts, Contacts int
	LenderID           string
	Largest            string // the agency holding the most accounts (Agency A, whose supervisor signs in)
	LargestHeld        int
	Assigned           []string // accounts of the largest agency assigned to its collector
	CollectorHeld      int
	PortfolioID        string // the book's portfolio
	ImportID           string // its import
	PlanID             string // its allocation plan
}

// buildShift is how far in the past the book is built: the import, plan,
// commit and acceptance run on a clock two months back, so the placements
// have a history for the bulk contacts to fill.
const buildShift = 60 * 24 * time.Hour

// buildBook makes the large book in the fresh database at dbURL through the
// product's own paths, timing each phase.
func buildBook(ctx context.Context, dbURL string, o Options, mem *memSampler, rep *Report) (book, error) {
	var bk book
	clock := func() time.Time { return time.Now().Add(-buildShift) }
	st, err := store.Open(ctx, dbURL, store.Options{Now: clock})
	if err != nil {
		return bk, err
	}
	defer func() { st.Close() }()
	phase := func(name, path string, rows int, fn func() (int, error)) error {
		o.logf("  %s …", name)
		mem.reset()
		start := time.Now()
		n, err := fn()
		elapsed := time.Since(start)
		heap, rss := mem.peak()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if n == 0 {
			n = rows
		}
		p := Phase{Name: name, Path: path, Seconds: elapsed.Seconds(), Rows: n, PeakHeapMB: mb(heap), PeakRSSMB: mb(rss)}
		if n > 0 && elapsed > 0 {
			p.RowsPerSec = float64(n) / elapsed.Seconds()
		}
		rep.Phases = append(rep.Phases, p)
		o.logf(" %s\n", elapsed.Round(time.Millisecond))
		return nil
	}

	if err := phase("migrate", "Migrate", 0, func() (int, error) { return 0, st.Migrate(ctx) }); err != nil {
		return bk, err
	}
	if err := phase("demo logins", "demo.Seed, 1 account", 0, func() (int, error) {
		return 0, demo.Seed(ctx, st, demo.Size{Portfolios: []int{1}})
	}); err != nil {
		return bk, err
	}
	actor := func(email string) (collect.Actor, error) {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			return collect.Actor{}, fmt.Errorf("%s: %w", email, err)
		}
		a, _, err := st.Actor(ctx, u.ID)
		return a, err
	}
	vm, err := actor("vm@demo-bank.test")
	if err != nil {
		return bk, err
	}
	admin, err := actor("admin@platform.test")
	if err != nil {
		return bk, err
	}
	sup, err := actor("supervisor@agency-a.test")
	if err != nil {
		return bk, err
	}
	agent, err := actor("agent@agency-a.test")
	if err != nil {
		return bk, err
	}
	bk.LenderID = vm.OrgID

	// The demo agencies' capacities, raised in proportion to the book so the
	// plan places it (as each agency would on its profile page).
	if err := phase("agency capacities", "UpdateAgencyProfile", 0, func() (int, error) {
		views, err := st.AgencyViews(ctx, admin)
		if err != nil {
			return 0, err
		}
		factor := (o.Accounts + 999) / 1000
		for _, v := range views {
			p := v.Profile
			p.Capacity = min(10_000_000, max(p.Capacity, p.Capacity*factor))
			if _, err := st.UpdateAgencyProfile(ctx, admin, v.ID, p); err != nil {
				return 0, err
			}
		}
		return 0, nil
	}); err != nil {
		return bk, err
	}

	dir, err := os.MkdirTemp("", "portal-bench-csv-")
	if err != nil {
		return bk, err
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "portfolio.csv")
	if err := phase("portfolio file", "WritePortfolioCSV, seeded", o.Accounts, func() (int, error) {
		f, err := os.Create(csvPath)
		if err != nil {
			return 0, err
		}
		if err := sheets.WritePortfolioCSV(f, o.Accounts, o.Seed, clock().UTC(), "en"); err != nil {
			f.Close()
			return 0, err
		}
		return 0, f.Close()
	}); err != nil {
		return bk, err
	}
	if o.InsertBaseline {
		// Only the insert is timed; the rows are deleted after the phase.
		raw := uuid.NewString()
		if err := phase("baseline: raw INSERT", rawBaselineName(st.Dialect()), o.Accounts, func() (int, error) {
			return o.Accounts, rawInsert(ctx, st, vm.OrgID, raw, o.Accounts)
		}); err != nil {
			return bk, err
		}
		if err := dropRaw(ctx, st.DB(), raw); err != nil {
			return bk, err
		}
	}

	var portfolioID string
	if err := phase("import", "ImportPortfolio", 0, func() (int, error) {
		f, err := os.Open(csvPath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return 0, err
		}
		src, err := sheets.OpenRowSource(f, fi.Size())
		if err != nil {
			return 0, err
		}
		defer src.Close()
		res, err := st.ImportPortfolio(ctx, vm, store.ImportRequest{Name: fmt.Sprintf("bench %d seed %d", o.Accounts, o.Seed), Filename: "portfolio.csv", Source: src})
		if err != nil {
			return 0, err
		}
		if res.Accepted != o.Accounts {
			return 0, fmt.Errorf("%d of %d rows accepted (%s %s)", res.Accepted, o.Accounts, res.Status, res.Message)
		}
		portfolioID, bk.ImportID = res.PortfolioID, res.ImportID
		return res.Accepted, nil
	}); err != nil {
		return bk, err
	}
	bk.Accounts, bk.PortfolioID = o.Accounts, portfolioID

	var plan store.Allocation
	if err := phase("allocation plan", "CreatePlan capacity_balanced", 0, func() (int, error) {
		plan, err = st.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: portfolioID, Strategy: allocation.StrategyCapacityBalanced, Seed: int64(o.Seed)})
		return plan.AssignmentsTotal, err
	}); err != nil {
		return bk, err
	}
	bk.PlanID = plan.ID
	if plan.AssignmentsTotal == 0 {
		return bk, fmt.Errorf("the plan placed no account (%v)", plan.Unassigned)
	}
	if err := phase("plan commit", "CommitPlan", plan.AssignmentsTotal, func() (int, error) {
		_, err := st.CommitPlan(ctx, vm, plan.ID)
		return 0, err
	}); err != nil {
		return bk, err
	}
	for _, m := range plan.ByAgency {
		if m.Count > bk.LargestHeld {
			bk.Largest, bk.LargestHeld = m.Key, m.Count
		}
	}
	if bk.Largest != sup.OrgID {
		o.logf("  note: the largest agency is %s, not Agency A (whose supervisor signs in)\n", bk.Largest)
	}
	if err := phase("agency accept", "AcceptPlacements by plan", 0, func() (int, error) {
		total := 0
		for _, m := range plan.ByAgency {
			a := collect.Actor{UserID: "bench-supervisor", OrgID: m.Key, OrgKind: collect.KindAgency, Roles: []string{collect.RoleAgencySupervisor}}
			if m.Key == sup.OrgID {
				a = sup
			}
			n, err := st.AcceptPlacements(ctx, a, store.PlacementAction{AllocationID: plan.ID})
			if err != nil {
				return total, fmt.Errorf("%s: %w", m.Name, err)
			}
			total += n
		}
		return total, nil
	}); err != nil {
		return bk, err
	}
	if err := phase("assign to collector", "AssignAccounts, 10,000 a call", 0, func() (int, error) {
		ids, err := st.HeldAccountIDs(ctx, sup.OrgID, 100_000)
		if err != nil {
			return 0, err
		}
		for lo := 0; lo < len(ids); lo += 10_000 {
			if _, err := st.AssignAccounts(ctx, sup, ids[lo:min(lo+10_000, len(ids))], agent.UserID); err != nil {
				return lo, err
			}
		}
		bk.Assigned = ids
		return len(ids), nil
	}); err != nil {
		return bk, err
	}
	bk.CollectorHeld = len(bk.Assigned)
	// The history is written on today's clock: contacts from each
	// placement's start until now.
	st.Close()
	if st, err = store.Open(ctx, dbURL, store.Options{}); err != nil {
		return bk, err
	}
	if err := phase("contacts", "BulkLoadContacts", 0, func() (int, error) {
		n, err := st.BulkLoadContacts(ctx, vm.OrgID, o.ContactsPerAccount, rand.New(rand.NewPCG(o.Seed, 2)))
		bk.Contacts = n
		return n, err
	}); err != nil {
		return bk, err
	}
	if err := phase("counters rebuild", "RebuildStats", 0, func() (int, error) {
		return 0, st.RebuildStats(ctx)
	}); err != nil {
		return bk, err
	}
	return bk, nil
}

// rawInsert is the import's baseline: n rows into accounts (its indexes and
// triggers included) with one prepared single-row INSERT in one transaction
// on SQLite, as the store's BenchmarkImport measures it, and with one COPY on
// PostgreSQL. The caller deletes them after the timed phase.
func rawInsert(ctx context.Context, st *store.Store, lenderID, portfolio string, n int) error {
	db := st.DB()
	now := time.Now().UTC()
	if _, err := db.ExecContext(ctx, `INSERT INTO portfolios (id, lender_id, name, imported_at) VALUES ($1, $2, 'raw', $3)`, portfolio, lenderID, now); err != nil {
		return err
	}
	if st.Dialect() == "postgres" {
		return copyAccounts(ctx, db, lenderID, portfolio, n, now)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO accounts (id, lender_id, portfolio_id, external_ref, debtor_name, national_id, phone, emergency_contact_phone,
		province, principal_cents, balance_cents, currency, due_date, dpd, bucket, last_payment_date, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := ins.ExecContext(ctx, uuid.Must(uuid.NewV7()).String(), lenderID, portfolio, fmt.Sprintf("RAW%08d", i), "王伟", "11010519491231002X", "13800138000", "",
			"北京市", 1000000, 900000, "CNY", "2026-01-01", 40, "M2", "", now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// rawColumns are the columns both baselines write.
var rawColumns = []string{"id", "lender_id", "portfolio_id", "external_ref", "debtor_name", "national_id", "phone", "emergency_contact_phone",
	"province", "principal_cents", "balance_cents", "currency", "due_date", "dpd", "bucket", "last_payment_date", "created_at", "updated_at"}

// copyAccounts is PostgreSQL's baseline: one COPY of n rows into accounts,
// with its indexes and triggers, in one transaction (COPY is one statement).
func copyAccounts(ctx context.Context, db *sql.DB, lenderID, portfolio string, n int, now time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("raw copy: unexpected driver connection %T", dc)
		}
		i := 0
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"accounts"}, rawColumns, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return []any{uuid.Must(uuid.NewV7()).String(), lenderID, portfolio, fmt.Sprintf("RAW%08d", i), "王伟", "11010519491231002X", "13800138000", "",
				"北京市", int64(1000000), int64(900000), "CNY", "2026-01-01", 40, "M2", "", now, now}, nil
		}))
		return err
	})
}

func dropRaw(ctx context.Context, db *sql.DB, portfolio string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM accounts WHERE portfolio_id = $1`, portfolio); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `DELETE FROM portfolios WHERE id = $1`, portfolio)
	return err
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func rawBaselineName(dialect string) string {
	if dialect == "postgres" {
		return "COPY, one statement"
	}
	return "prepared INSERT, one tx"
}
