package store_test

import (
	"collect"
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// The plan checks: the hot reads (dashboard, account list page 1, account
// by id, the account page, queue page) are run on a book large enough for
// PostgreSQL's planner to be honest (analysed, enable_seqscan left on), and
// every statement they make on accounts or contacts is EXPLAINed with its
// own parameters; a full scan of either table fails the test. The
// statements are taken from the store as it runs them, so a rewritten
// query is checked as written, without a copy here.

const (
	explainAccounts = 8_000
	explainContacts = 2 // per account
	explainAgencies = 12
)

// explainBook is a demo store with a bulk-loaded book of explainAccounts
// for Demo Bank over explainAgencies agencies, and a collector given 200 of
// agency 0's accounts. Its statements go to log.
func explainBook(t *testing.T, dialect string, log func(ctx context.Context, sql string, vars []any)) *store.Store {
	t.Helper()
	return storetest.Seeded(t, dialect, "explain book", func(s *store.Store) error {
		ctx := context.Background()
		if err := demo.Seed(ctx, s, demo.Size{Portfolios: []int{40}}); err != nil {
			return err
		}
		db := s.DB()
		var lender string
		if err := db.QueryRow(`SELECT id FROM organisations WHERE name = 'Demo Bank'`).Scan(&lender); err != nil {
			return err
		}
		now := time.Now().UTC()
		var agencies []string
		for i := 0; i < explainAgencies; i++ {
			id := uuid.NewString()
			if _, err := db.Exec(`INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'agency', $2, $3)`, id, fmt.Sprintf("Explain Agency %02d", i), now); err != nil {
				return err
			}
			if _, err := db.Exec(`INSERT INTO contracts (id, lender_id, agency_id, status, fee_schedule, term_days, accept_days, starts_on, ends_on, updated_at)
				VALUES ($1, $2, $3, 'active', '{}', 90, 5, '2020-01-01', '2099-12-31', $4)`, uuid.NewString(), lender, id, now); err != nil {
				return err
			}
			agencies = append(agencies, id)
		}
		if err := s.BulkLoadBook(ctx, lender, agencies, explainAccounts, explainContacts, rand.New(rand.NewPCG(3, 3))); err != nil {
			return err
		}
		if _, err := db.Exec(`UPDATE accounts SET assigned_to = 'explain-collector' WHERE id IN (
			SELECT account_id FROM placements WHERE agency_id = $1 AND status = 'active' ORDER BY account_id LIMIT 200)`, agencies[0]); err != nil {
			return err
		}
		return s.RebuildStats(ctx) // analyses the tables on PostgreSQL
	}, store.Options{OnStatement: log})
}

// fullScan finds, in a plan's lines, a full scan of accounts or contacts
// (under their own names or an alias the statement gives them).
func fullScan(dialect, statement string, plan []string) string {
	names := []string{"accounts", "contacts", "placements"}
	for _, m := range regexp.MustCompile(`(?i)\b(accounts|contacts|placements)\s+(?:AS\s+)?([a-z_][a-z0-9_]*)`).FindAllStringSubmatch(statement, -1) {
		switch strings.ToUpper(m[2]) {
		case "ON", "WHERE", "LEFT", "JOIN", "INNER", "SET", "GROUP", "ORDER", "LIMIT", "USING", "AND", "OR":
		default:
			names = append(names, m[2])
		}
	}
	alt := strings.Join(names, "|")
	var bad *regexp.Regexp
	if dialect == "postgres" {
		bad = regexp.MustCompile(`Seq Scan on (accounts|contacts|placements)\b`)
	} else {
		// "SCAN t" is the table itself; "SCAN t USING [COVERING] INDEX" walks an index.
		bad = regexp.MustCompile(`^SCAN (` + alt + `)$`)
	}
	for i, line := range plan {
		if !bad.MatchString(strings.TrimSpace(line)) {
			continue
		}
		// A scan straight under a Limit stops at the limit's rows (the
		// capped totals' COUNT over LIMIT 10001): bounded, not full.
		if dialect == "postgres" && i > 0 && strings.HasPrefix(strings.TrimLeft(strings.TrimSpace(plan[i-1]), "-> "), "Limit") {
			continue
		}
		return line
	}
	return ""
}

func explain(t *testing.T, s *store.Store, dialect, statement string, vars []any) []string {
	t.Helper()
	prefix := "EXPLAIN "
	if dialect == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.DB().Query(prefix+statement, vars...)
	if err != nil {
		t.Fatalf("%s%s: %v", prefix, statement, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[len(vals)-1])) // SQLite: id, parent, notused, detail; PostgreSQL: the plan line
	}
	return out
}

// hotReads are the reads whose plans are checked, each with what it calls.
var hotReads = []struct {
	name string
	run  func(ctx context.Context, s *store.Store, r explainActors) error
}{
	{"DashboardLender", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, err := s.Dashboard(ctx, r.lender)
		return err
	}},
	{"DashboardAgency", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, err := s.Dashboard(ctx, r.agency)
		return err
	}},
	{"AccountListPage1Lender", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, _, err := s.ListAccounts(ctx, r.lender, store.AccountFilter{})
		return err
	}},
	{"AccountListPage1Agency", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, _, err := s.ListAccounts(ctx, r.agency, store.AccountFilter{})
		return err
	}},
	{"AccountByID", func(ctx context.Context, s *store.Store, r explainActors) error {
		if _, err := s.Account(ctx, r.lender, r.accountID, false); err != nil {
			return err
		}
		_, err := s.Account(ctx, r.agency, r.accountID, false)
		return err
	}},
	{"AccountPageCase", func(ctx context.Context, s *store.Store, r explainActors) error {
		if _, err := s.AccountScores(ctx, r.agency, r.accountID); err != nil {
			return err
		}
		if _, err := s.Case(ctx, r.agency, r.accountID); err != nil {
			return err
		}
		if _, err := s.NextStages(ctx, r.agency, r.accountID); err != nil {
			return err
		}
		if _, err := s.Contacts(ctx, r.agency, r.accountID, false); err != nil {
			return err
		}
		_, err := s.Arrangements(ctx, r.agency, r.accountID)
		return err
	}},
	{"OversightRoster", func(ctx context.Context, s *store.Store, r explainActors) error {
		if _, err := s.Roster(ctx, r.lender, ""); err != nil {
			return err
		}
		_, err := s.Roster(ctx, r.agency, "")
		return err
	}},
	{"QueuePageSupervisor", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, _, err := s.Queue(ctx, r.agency, store.QueueFilter{Page: store.Page{PerPage: 50}})
		return err
	}},
	{"QueuePageCollector", func(ctx context.Context, s *store.Store, r explainActors) error {
		_, _, err := s.Queue(ctx, r.collector, store.QueueFilter{Page: store.Page{PerPage: 50}})
		return err
	}},
}

type explainActors struct {
	lender, agency, collector collect.Actor
	accountID                 string
}

type capture struct {
	mu   sync.Mutex
	on   bool
	seen []capturedStatement
}

type capturedStatement struct {
	sql  string
	vars []any
}

func (c *capture) record(_ context.Context, sql string, vars []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.seen = append(c.seen, capturedStatement{sql, vars})
	}
}

func (c *capture) during(fn func() error) ([]capturedStatement, error) {
	c.mu.Lock()
	c.on, c.seen = true, nil
	c.mu.Unlock()
	err := fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.seen, err
}

// TestHotReadsScanNoBigTable fails when a hot read's statement on accounts
// or contacts is planned as a full scan, on each database.
func TestHotReadsScanNoBigTable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		c := &capture{}
		s := explainBook(t, dialect, c.record)
		vm := actorFor(t, s, "vm@demo-bank.test")
		var r explainActors
		r.lender = vm
		var agencyID string
		if err := s.DB().QueryRow(`SELECT id FROM organisations WHERE name = 'Explain Agency 00'`).Scan(&agencyID); err != nil {
			t.Fatal(err)
		}
		r.agency = collect.Actor{UserID: "explain-supervisor", OrgID: agencyID, OrgKind: collect.KindAgency, OrgName: "Explain Agency 00", Roles: []string{collect.RoleAgencySupervisor}}
		r.collector = collect.Actor{UserID: "explain-collector", OrgID: agencyID, OrgKind: collect.KindAgency, OrgName: "Explain Agency 00", Roles: []string{collect.RoleCollector}}
		if err := s.DB().QueryRow(`SELECT id FROM accounts WHERE assigned_to = 'explain-collector' ORDER BY id LIMIT 1`).Scan(&r.accountID); err != nil {
			t.Fatal(err)
		}
		for _, hr := range hotReads {
			t.Run(hr.name, func(t *testing.T) {
				ran, err := c.during(func() error { return hr.run(ctx, s, r) })
				if err != nil {
					t.Fatal(err)
				}
				checked := 0
				for _, st := range ran {
					q := strings.TrimSpace(st.sql)
					up := strings.ToUpper(q)
					if !(strings.HasPrefix(up, "SELECT") || strings.HasPrefix(up, "WITH")) || !regexp.MustCompile(`(?i)\b(accounts|contacts|placements|account_counts|contact_day_counts)\b`).MatchString(q) {
						continue
					}
					checked++
					plan := explain(t, s, dialect, q, st.vars)
					if line := fullScan(dialect, q, plan); line != "" {
						t.Errorf("a full scan (%s) in:\n%s\nplan:\n%s", strings.TrimSpace(line), q, strings.Join(plan, "\n"))
					}
				}
				if checked == 0 {
					t.Fatalf("%s made no statement on accounts, contacts or their counters: nothing checked", hr.name)
				}
			})
		}
	})
}
