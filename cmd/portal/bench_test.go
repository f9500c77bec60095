package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"collect/portal/loadtest"
)

// benchRows are the rows issue 14 asks the benchmark for, in its words.
var benchRows = []string{
	"baseline: bare Echo+templ page", "baseline: GORM primary-key read",
	"GET /api/v1/accounts?per_page=50", "the same, page 2000", "the same, bucket=M3", "the same, sort=balance",
	"/accounts page", "/dashboard", "/queue", "GET /api/v1/queue", "/follow-up", "/oversight", "/accounts/{id}", "mixed load",
}

var benchPhases = []string{"import", "allocation plan", "plan commit", "agency accept", "contacts", "baseline: raw INSERT"}

// TestBenchCommand runs `portal bench` on a small book for a second a row
// (a third of one with -short) and checks the report has every row and
// phase, measured, and that the mixed load's acknowledged writes were all
// found; the table printed from it names every row.
func TestBenchCommand(t *testing.T) {
	dbs := []string{"sqlite"}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" && !testing.Short() {
		dbs = append(dbs, u)
	}
	accounts, duration := "2000", "1s"
	if testing.Short() {
		accounts, duration = "500", "300ms"
	}
	for _, db := range dbs {
		name := "sqlite"
		if db != "sqlite" {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{"bench", "-accounts", accounts, "-contacts-per-account", "2", "-duration", duration,
				"-conns", "8", "-mixed-conns", "16", "-db", db, "-json", "-quiet"}, env(nil), &out, io.Discard)
			if err != nil {
				t.Fatalf("portal bench: %v", err)
			}
			var rep loadtest.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("-json: %v\n%s", err, out.String())
			}
			if rep.Database != name || rep.Accounts != 2000 && !testing.Short() || rep.Contacts == 0 {
				t.Errorf("report of %s, %d accounts, %d contacts", rep.Database, rep.Accounts, rep.Contacts)
			}
			rows := map[string]loadtest.Row{}
			for _, r := range rep.Rows {
				rows[strings.TrimSpace(r.Name)] = r
				if r.Requests == 0 || r.Errors > 0 || r.ReqPerSec <= 0 || r.P99ms < r.P50ms {
					t.Errorf("row %q (%s): %d requests, %d errors (%s), %.1f req/s, p50 %.1f p99 %.1f ms", r.Name, r.As, r.Requests, r.Errors, r.FirstErr, r.ReqPerSec, r.P50ms, r.P99ms)
				}
				if !strings.HasPrefix(r.Name, "baseline") && (r.Target == "" || r.Met == nil) {
					t.Errorf("row %q has no target", r.Name)
				}
			}
			var table bytes.Buffer
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			for _, want := range benchRows {
				found := false
				for name := range rows {
					found = found || strings.HasPrefix(name, want)
				}
				if !found {
					t.Errorf("no row %q in the report", want)
				}
				if !strings.Contains(table.String(), want) {
					t.Errorf("no row %q in the table:\n%s", want, table.String())
				}
			}
			if n := strings.Count(table.String(), "/queue"); n < 3 {
				t.Errorf("%d queue rows, want the supervisor's page and API and the collector's page", n)
			}
			phases := map[string]loadtest.Phase{}
			for _, p := range rep.Phases {
				phases[p.Name] = p
			}
			for _, want := range benchPhases {
				p, ok := phases[want]
				if !ok || p.Seconds <= 0 || p.Rows == 0 || p.PeakRSSMB <= 0 {
					t.Errorf("phase %q: %+v", want, p)
				}
			}
			if rep.WritesAcknowledged == 0 || rep.WritesFound != rep.WritesAcknowledged {
				t.Errorf("%d of %d acknowledged writes found", rep.WritesFound, rep.WritesAcknowledged)
			}
			if rep.BareReqPerSec <= 0 || rep.GormPKReqPerSec <= 0 || rep.ServerPeakHeapMB <= 0 {
				t.Errorf("baselines %.0f and %.0f req/s, heap %.0f MB", rep.BareReqPerSec, rep.GormPKReqPerSec, rep.ServerPeakHeapMB)
			}
		})
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"bench", "-accounts", "0"}, {"bench", "-db", "mysql://x"}, {"bench", "extra"}} {
		err := run(context.Background(), args, env(nil), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
