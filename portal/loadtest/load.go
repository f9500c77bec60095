package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"collect/portal/demo"
	"collect/portal/store"
)

// spec is one row to drive.
type spec struct {
	name, as string
	hot      bool // a hot page: held to a tenth of the bare page's rate too
	next     func(*rand.Rand) (call, error)
}

// loadBook drives the large book's hot pages and lists, beside the
// baselines.
func loadBook(ctx context.Context, dbURL string, secret []byte, o Options, bk book, mem *memSampler, rep *Report) error {
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	rep.Database = st.Dialect()
	srv, err := startPortal(ctx, st, secret, o.Jobs)
	if err != nil {
		return err
	}
	defer srv.stop()
	bare, err := startBare(st, bk.LenderID)
	if err != nil {
		return err
	}
	defer bare.stop()
	client := newClient(o.Conns, o.Timeout)
	defer client.CloseIdleConnections()
	who := map[string]requester{}
	for _, email := range []string{"vm@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test"} {
		tok, err := login(ctx, client, srv.base, email, demo.Password)
		if err != nil {
			return err
		}
		who[email] = requester{ctx: ctx, base: srv.base, token: tok}
	}
	vm, sup, agent := who["vm@demo-bank.test"], who["supervisor@agency-a.test"], who["agent@agency-a.test"]
	baseline := requester{ctx: ctx, base: bare.base}
	accountIDs := bk.Assigned
	if len(accountIDs) == 0 {
		return fmt.Errorf("no account of Agency A to read")
	}
	some := func(rng *rand.Rand) string { return url.PathEscape(accountIDs[rng.IntN(len(accountIDs))]) }
	fixed := func(c func(string) (call, error), path string) func(*rand.Rand) (call, error) {
		return func(*rand.Rand) (call, error) { return c(path) }
	}
	largest := "supervisor, agency of " + strconv.Itoa(bk.LargestHeld)
	specs := []spec{
		{name: "baseline: bare Echo+templ page", as: "-", next: fixed(baseline.page, "/bare")},
		{name: "baseline: GORM primary-key read", as: "-", next: fixed(baseline.page, "/pk")},
		{name: "GET /api/v1/accounts?per_page=50", as: "vendor manager", hot: true, next: fixed(vm.api, "/api/v1/accounts?per_page=50")},
		{name: "  the same, page 2000", as: "vendor manager", hot: true, next: fixed(vm.api, "/api/v1/accounts?per_page=50&page=2000")},
		{name: "  the same, bucket=M3", as: "vendor manager", hot: true, next: fixed(vm.api, "/api/v1/accounts?per_page=50&bucket=M3")},
		{name: "  the same, sort=balance", as: "vendor manager", hot: true, next: fixed(vm.api, "/api/v1/accounts?per_page=50&sort=balance")},
		{name: "/accounts page", as: "vendor manager", hot: true, next: fixed(vm.page, "/accounts")},
		{name: "/dashboard", as: "vendor manager", next: fixed(vm.page, "/dashboard")},
		{name: "/queue", as: largest, hot: true, next: fixed(sup.page, "/queue")},
		{name: "GET /api/v1/queue", as: largest, hot: true, next: fixed(sup.api, "/api/v1/queue")},
		{name: "/queue", as: "collector of " + strconv.Itoa(bk.CollectorHeld), hot: true, next: fixed(agent.page, "/queue")},
		{name: "/follow-up", as: "supervisor", next: fixed(sup.page, "/follow-up")},
		{name: "/oversight", as: "vendor manager", next: fixed(vm.page, "/oversight")},
		{name: "/accounts/{id}", as: "vendor manager", hot: true, next: func(rng *rand.Rand) (call, error) { return vm.page("/accounts/" + some(rng)) }},
	}
	mem.reset()
	for i, s := range specs {
		if o.Rows != nil && s.as != "-" && !o.Rows.MatchString(s.name) {
			continue
		}
		settle(ctx, srv.base, 5*time.Minute)
		o.logf("  %-36s %-28s", s.name, s.as)
		solo := alone(client, s.next, rand.New(rand.NewPCG(o.Seed, uint64(i))))
		settle(ctx, srv.base, 5*time.Minute)
		stop, err := startProfile(o.CPUProfiles, i, s.name)
		if err != nil {
			return err
		}
		res := drive(ctx, client, o.Conns, o.Duration, o.Seed+uint64(i), s.next)
		if err := stop(); err != nil {
			return err
		}
		row := rowOf(s, o.Conns, res)
		row.AloneMs = float64(solo.Microseconds()) / 1000
		rep.Rows = append(rep.Rows, row)
		o.logf(" alone %s; %8.1f req/s  p50 %s  p99 %s  %d errors\n", ms(solo), row.ReqPerSec, ms(res.P50), ms(res.P99), res.Errors)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	heap, rss := mem.peak()
	rep.ServerPeakHeapMB, rep.ServerPeakRSSMB = mb(heap), mb(rss)
	if o.Rows == nil {
		settle(ctx, srv.base, 5*time.Minute)
		o.logf("  every page, alone\n")
		var sw []sweeper
		for _, email := range []string{"vm@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test"} {
			sw = append(sw, sweeper{as: email, role: sweepRoles[email], r: who[email]})
		}
		ids := map[string]string{"accounts": accountIDs[0], "agencies": bk.Largest, "portfolios": bk.PortfolioID, "imports": bk.ImportID, "allocations": bk.PlanID}
		pages, err := sweepPages(client, srv.routes, sw, ids)
		if err != nil {
			return err
		}
		rep.Pages = pages
	}
	return nil
}

// startProfile starts a CPU profile of row i in dir (nothing when dir is
// ""), named by its number and name; the function returned stops it.
func startProfile(dir string, i int, name string) (func() error, error) {
	if dir == "" {
		return func() error { return nil }, nil
	}
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%02d-%s.prof", i, slug)))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}

// alone is one request's time with nothing else running (a failed one
// counts as the time it took).
func alone(client *http.Client, next func(*rand.Rand) (call, error), rng *rand.Rand) time.Duration {
	c, err := next(rng)
	if err != nil {
		return 0
	}
	start := time.Now()
	do(client, c)
	return time.Since(start)
}

func rowOf(s spec, conns int, res result) Row {
	return Row{Name: s.name, As: s.as, Conns: conns, Requests: res.Requests, Errors: res.Errors, FirstErr: res.FirstErr,
		ReqPerSec: res.reqPerSec(), P50ms: float64(res.P50.Microseconds()) / 1000, P99ms: float64(res.P99.Microseconds()) / 1000, hot: s.hot}
}

// mixedLoad is the demo-scale load of the issue: the demo data (demo.Seed
// at its default size) in its own database, read and written by many
// connections at once; afterwards every contact and payment the server
// acknowledged must be in the database.
func mixedLoad(ctx context.Context, dbURL string, secret []byte, o Options, mem *memSampler, rep *Report) error {
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	mem.reset()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if err := demo.Seed(ctx, st, demo.DefaultSize); err != nil {
		return err
	}
	heap, rss := mem.peak()
	n := 0
	for _, k := range demo.DefaultSize.Portfolios {
		n += k
	}
	rep.Phases = append(rep.Phases, Phase{Name: "demo data (mixed load)", Path: "demo.Seed, default size", Seconds: time.Since(start).Seconds(),
		Rows: n, PeakHeapMB: mb(heap), PeakRSSMB: mb(rss)})
	srv, err := startPortal(ctx, st, secret, o.Jobs)
	if err != nil {
		return err
	}
	defer srv.stop()
	client := newClient(o.MixedConns, o.Timeout)
	defer client.CloseIdleConnections()
	who := map[string]requester{}
	for _, email := range []string{"vm@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test"} {
		tok, err := login(ctx, client, srv.base, email, demo.Password)
		if err != nil {
			return err
		}
		who[email] = requester{ctx: ctx, base: srv.base, token: tok}
	}
	vm, sup, agent := who["vm@demo-bank.test"], who["supervisor@agency-a.test"], who["agent@agency-a.test"]
	u, err := st.UserByEmail(ctx, "supervisor@agency-a.test")
	if err != nil {
		return err
	}
	held, err := st.HeldAccountIDs(ctx, u.OrganisationID, 10_000)
	if err != nil {
		return err
	}
	if len(held) == 0 {
		return fmt.Errorf("the demo's Agency A holds no account")
	}
	var mu sync.Mutex
	var contacts, payments []string
	keepTo := func(list *[]string) func(string) {
		return func(id string) { mu.Lock(); *list = append(*list, id); mu.Unlock() }
	}
	some := func(rng *rand.Rand) string { return url.PathEscape(held[rng.IntN(len(held))]) }
	type op struct {
		weight int
		next   func(*rand.Rand) (call, error)
	}
	ops := []op{
		{25, func(*rand.Rand) (call, error) { return vm.api("/api/v1/accounts?per_page=50") }},
		{10, func(rng *rand.Rand) (call, error) { return sup.api("/api/v1/accounts/" + some(rng)) }},
		{15, func(*rand.Rand) (call, error) { return sup.api("/api/v1/queue") }},
		{10, func(*rand.Rand) (call, error) { return vm.page("/accounts") }},
		{10, func(*rand.Rand) (call, error) { return agent.page("/queue") }},
		{10, func(rng *rand.Rand) (call, error) { return vm.page("/accounts/" + some(rng)) }},
		{12, func(rng *rand.Rand) (call, error) {
			// an inbound call from the debtor: no conduct rule limits those
			return sup.post("/api/v1/accounts/"+some(rng)+"/contacts", map[string]any{"channel": "call", "party": "debtor", "direction": "inbound",
				"outcome": "right_party_contact", "note": "bench"}, keepTo(&contacts))
		}},
		{8, func(rng *rand.Rand) (call, error) {
			return sup.post("/api/v1/accounts/"+some(rng)+"/payments", map[string]any{"amount_cents": 100 + rng.IntN(900),
				"paid_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "reference": "BENCH-" + uuid.NewString()[:8]}, keepTo(&payments))
		}},
	}
	total := 0
	for _, p := range ops {
		total += p.weight
	}
	mem.reset()
	res := drive(ctx, client, o.MixedConns, o.Duration, o.Seed+99, func(rng *rand.Rand) (call, error) {
		k := rng.IntN(total)
		for _, p := range ops {
			if k < p.weight {
				return p.next(rng)
			}
			k -= p.weight
		}
		return ops[0].next(rng)
	})
	heap, rss = mem.peak()
	rep.ServerPeakHeapMB, rep.ServerPeakRSSMB = max(rep.ServerPeakHeapMB, mb(heap)), max(rep.ServerPeakRSSMB, mb(rss))
	row := rowOf(spec{name: "mixed load (demo data, 30% writes)", as: "vm, supervisor, collector"}, o.MixedConns, res)
	foundC, err := st.CountIDs(ctx, "contacts", contacts)
	if err != nil {
		return err
	}
	foundP, err := st.CountIDs(ctx, "payments", payments)
	if err != nil {
		return err
	}
	rep.WritesAcknowledged, rep.WritesFound = len(contacts)+len(payments), foundC+foundP
	rep.Rows = append(rep.Rows, row)
	o.logf("  %-36s %-28s %8.1f req/s  p50 %s  p99 %s  %d errors; %d of %d acknowledged writes found\n", row.Name, row.As, row.ReqPerSec,
		ms(res.P50), ms(res.P99), res.Errors, rep.WritesFound, rep.WritesAcknowledged)
	return nil
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}
