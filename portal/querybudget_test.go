package portal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// statementLog records the SQL statements the store runs. Requests in these
// tests are sent one at a time, and the test server runs no jobs, so what is
// recorded between sending a request and reading its answer is that
// request's.
type statementLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *statementLog) record(_ context.Context, sql string, _ []any) {
	l.mu.Lock()
	l.seen = append(l.seen, sql)
	l.mu.Unlock()
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.seen
	l.seen = nil
	return out
}

// newCountingHarness is newHarness on a store that reports its statements.
func newCountingHarness(t *testing.T, dialect string) (*harness, *statementLog) {
	t.Helper()
	log := &statementLog{}
	size := demo.Size{Portfolios: []int{60, 40}}
	st := storetest.Seeded(t, dialect, fmt.Sprint("demo ", size), func(st *store.Store) error {
		return demo.Seed(context.Background(), st, size)
	}, store.Options{OnStatement: log.record})
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h := &harness{t: t, srv: srv, store: st, tokens: map[string]string{}}
	h.http = httptest.NewServer(srv)
	t.Cleanup(h.http.Close)
	return h, log
}

// queryBudgets are the most SQL statements each hot request may run: a
// page or list whose count grows with its rows (a query per row) or with
// features bolted on shows here first. Each budget is a little above the
// count measured when it was set, so one more lookup fails the test and
// makes its author look; change a budget on purpose, with the reason
// beside it.
var queryBudgets = []struct {
	name   string
	who    string // the demo user who asks
	path   string // page, or /api/v1/… (sent with the user's bearer token)
	budget int
	why    string
}{
	// Counted on the demo book when set (in brackets), on both databases;
	// the actor is 2 statements (the user with the two-factor policy, the
	// roles) on every request.
	{"DashboardVendorManager", "vm@demo-bank.test", "/dashboard", 6, "[5] actor, counters, portfolios, audit count"},
	{"DashboardAgency", "supervisor@agency-a.test", "/dashboard", 5, "[4] actor, counters, audit count"},
	{"DashboardAuditor", "auditor@demo-bank.test", "/dashboard", 7, "[6] actor, counters, portfolios, audit count, last audit check"},
	{"DashboardPlatform", "admin@platform.test", "/dashboard", 7, "[6] actor, agencies, users, audit count, last audit check"},
	{"AccountListPage", "vm@demo-bank.test", "/accounts", 9, "[8 with the keyset list] actor, total, page, agencies and portfolios to filter by"},
	{"AccountListAPI", "vm@demo-bank.test", "/api/v1/accounts?per_page=50", 6, "[5 with the keyset list] actor, total, page"},
	// The vendor manager reads personal data: each view is audited (4
	// statements on the chain's head). The case, contacts, arrangements,
	// next stages and roster check share one read of the account
	// (store.WithCaseReads; 25 and 39 before).
	{"AccountPageVendorManager", "vm@demo-bank.test", "/accounts/{lender-account}", 27, "[21] account, audit, portfolio, history, scores, case, contacts, arrangements; the person: profile and zones, other loans, requests, holds"},
	{"AccountPageCollector", "agent@agency-a.test", "/accounts/{agency-account}", 45, "[35 with the indexed queue] as the lender's, plus roster, next stages and the queue's next account; the call permission: the person's contacts, requests, holds, the dispute then, roster"},
	{"QueuePageCollector", "agent@agency-a.test", "/queue", 12, "[11 with the indexed queue] actor, queue page by tiers, promises due, scores"},
	{"QueuePageSupervisor", "supervisor@agency-a.test", "/queue", 13, "[12] as the collector's, plus the collectors to assign to"},
	{"QueueAPI", "agent@agency-a.test", "/api/v1/queue?per_page=50", 12, "[11] actor, queue page by tiers, promises due, scores"},
}

// TestQueryBudgets fails when a hot page or list runs more SQL statements
// than its budget, on each database, and prints the statements it ran.
func TestQueryBudgets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h, log := newCountingHarness(t, dialect)
		lenderAccount := h.queryOne(`SELECT a.id FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active'
			JOIN organisations l ON l.id = a.lender_id WHERE l.name = 'Demo Bank' ORDER BY a.balance_cents DESC LIMIT 1`)
		agencyAccount := h.verifiedAccount(h.queryOne(`SELECT organisation_id FROM users WHERE email = 'agent@agency-a.test'`))
		for _, b := range queryBudgets {
			t.Run(b.name, func(t *testing.T) {
				path := strings.NewReplacer("{lender-account}", lenderAccount, "{agency-account}", agencyAccount).Replace(b.path)
				token := h.token(b.who)
				c := h.pageClient(token)
				log.take()
				var status int
				if strings.HasPrefix(path, "/api/") {
					res, _ := h.do("GET", path, token, nil)
					status = res.StatusCode
				} else {
					res, _ := c.get(t, h.http.URL+path)
					status = res.StatusCode
				}
				ran := log.take()
				if status != http.StatusOK {
					t.Fatalf("GET %s as %s: %d", path, b.who, status)
				}
				t.Logf("GET %s as %s: %d statements (budget %d: %s)", b.path, b.who, len(ran), b.budget, b.why)
				if len(ran) > b.budget {
					t.Errorf("GET %s as %s ran %d SQL statements, over its budget of %d (%s):\n%s",
						b.path, b.who, len(ran), b.budget, b.why, strings.Join(ran, "\n"))
				}
			})
		}
	})
}
