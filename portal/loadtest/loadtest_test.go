package loadtest

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 0.50, 50 * time.Millisecond},
		{ms(hundred[:10]...), 0.99, 10 * time.Millisecond},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

func TestJudge(t *testing.T) {
	rep := &Report{Database: "sqlite", WritesAcknowledged: 10, WritesFound: 9, ServerPeakHeapMB: 310,
		Rows: []Row{
			{Name: "baseline: bare Echo+templ page", Requests: 1000, ReqPerSec: 1000},
			{Name: "fast hot page", Requests: 10, ReqPerSec: 200, P99ms: 50, hot: true},
			{Name: "slow-rate hot page", Requests: 10, ReqPerSec: 50, P99ms: 50, hot: true},
			{Name: "cold page", Requests: 10, ReqPerSec: 50, P99ms: 100},
			{Name: "page with an error", Requests: 10, Errors: 1, ReqPerSec: 500, P99ms: 10},
			{Name: "slow page", Requests: 10, ReqPerSec: 500, P99ms: 101},
			{Name: "mixed load", Requests: 10, ReqPerSec: 1500, P99ms: 50},
		},
		Phases: []Phase{
			{Name: "baseline: raw INSERT", RowsPerSec: 1000},
			{Name: "import", RowsPerSec: 790},
			{Name: "allocation plan", Seconds: 4, PeakRSSMB: 301},
			{Name: "plan commit", Seconds: 15},
			{Name: "agency accept", Seconds: 15.5},
		}}
	judge(rep)
	want := map[string]bool{"fast hot page": true, "slow-rate hot page": false, "cold page": true, "page with an error": false,
		"slow page": false, "mixed load": false}
	for _, r := range rep.Rows {
		if r.Name == "baseline: bare Echo+templ page" {
			if r.Met != nil {
				t.Errorf("the baseline was judged")
			}
			continue
		}
		if r.Met == nil || *r.Met != want[r.Name] {
			t.Errorf("%s: met %v, want %v", r.Name, r.Met, want[r.Name])
		}
	}
	wantPhase := map[string]bool{"import": false, "allocation plan": false, "plan commit": true, "agency accept": false}
	for _, p := range rep.Phases {
		if w, ok := wantPhase[p.Name]; ok && (p.Met == nil || *p.Met != w) {
			t.Errorf("%s: met %v, want %v", p.Name, p.Met, w)
		}
	}
	if rep.ServerHeapMet() || rep.Missed() != 8 {
		t.Errorf("heap met %v, %d missed, want 8", rep.ServerHeapMet(), rep.Missed())
	}
	rep.WritesFound = 10
	judge(rep)
	for _, r := range rep.Rows {
		if r.Name == "mixed load" && !*r.Met {
			t.Errorf("the mixed load with every write found and 1,500 req/s on SQLite was missed")
		}
	}
	rep.Database = "postgres"
	judge(rep)
	for _, r := range rep.Rows {
		if r.Name == "mixed load" && *r.Met {
			t.Errorf("1,500 req/s on PostgreSQL was met (the target is 2,000)")
		}
	}
}

func TestFillRouteParameters(t *testing.T) {
	ids := map[string]string{"accounts": "a/1", "agencies": "g1"}
	for _, c := range []struct {
		path, want string
		ok         bool
	}{
		{"/dashboard", "/dashboard", true},
		{"/accounts/:id", "/accounts/a%2F1", true},
		{"/agencies/:id", "/agencies/g1", true},
		{"/oversight/kpis.:format", "/oversight/kpis.csv", true},
		{"/tenders/:id", "", false},
		{"/static/*", "", false},
	} {
		got, ok := fill(c.path, ids)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("fill(%q) = %q %v, want %q %v", c.path, got, ok, c.want, c.ok)
		}
	}
}
