// Package loadtest is the benchmark behind `portal bench`: it builds a large
// book reproducibly (seeded) in a fresh database through the product's own
// bulk paths, starts the real server on a local port, drives its hot pages
// and lists over HTTP with concurrent connections beside two baselines
// measured in the same run (a bare Echo+templ page and a one-row GORM
// primary-key read), runs a demo-scale mixed load of reads and writes and
// checks every acknowledged write was kept, and reports each figure against
// the target of issue 14.
package loadtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Options say what to build and how hard to drive it.
type Options struct {
	Accounts           int            // the large book's accounts
	ContactsPerAccount int            // contacts on every placed account
	Seed               uint64         // the book's generator and the plan's seed
	Conns              int            // concurrent connections of each row
	MixedConns         int            // of the demo-scale mixed load
	Duration           time.Duration  // of each row
	Timeout            time.Duration  // of one request (then it is an error)
	DB                 string         // "sqlite" (a temporary file) or a postgres:// URL (a fresh database on that server)
	InsertBaseline     bool           // measure the raw INSERT baseline of the import
	Jobs               bool           // run the server's periodic jobs during the load
	Rows               *regexp.Regexp // only the rows whose name matches (the baselines always run); nil for all
	CPUProfiles        string         // a folder for one CPU profile per row loaded (server and load alike); "" for none
	SkipMixed          bool           // no demo-scale mixed load
	Keep               bool           // keep the large book's database (its location goes to Progress)
	Progress           io.Writer      // progress lines; nil for none
}

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, args...)
	}
}

// Defaults are the size and load.
func Defaults() Options {
	return Options{Accounts: 1_000_000, ContactsPerAccount: 10, Seed: 1, Conns: 50, MixedConns: 100, Duration: 10 * time.Second,
		Timeout: 60 * time.Second, DB: "sqlite", InsertBaseline: true}
}

// Report is one run's figures.
type Report struct {
	Database           string     `json:"database"`
	Accounts           int        `json:"accounts"`
	Contacts           int        `json:"contacts"`
	ContactsPerAccount int        `json:"contacts_per_account"`
	Seed               uint64     `json:"seed"`
	Conns              int        `json:"conns"`
	MixedConns         int        `json:"mixed_conns"`
	DurationSeconds    float64    `json:"duration_s"`
	TimeoutSeconds     float64    `json:"timeout_s"`
	Jobs               bool       `json:"periodic_jobs"`
	LargestAgencyHeld  int        `json:"largest_agency_accounts"`
	CollectorHeld      int        `json:"collector_accounts"`
	Phases             []Phase    `json:"phases"`
	Rows               []Row      `json:"rows"`
	Pages              []PageTime `json:"pages"` // every page, alone, slowest first
	BareReqPerSec      float64    `json:"bare_req_s"`
	GormPKReqPerSec    float64    `json:"gorm_pk_req_s"`
	ServerPeakHeapMB   float64    `json:"server_peak_heap_mb"`
	ServerPeakRSSMB    float64    `json:"server_peak_rss_mb"`
	WritesAcknowledged int        `json:"writes_acknowledged"`
	WritesFound        int        `json:"writes_found"`
	Notes              []string   `json:"notes"`
}

// Phase is one step of building the book.
type Phase struct {
	Name       string  `json:"name"`
	Path       string  `json:"path"` // which product path did it
	Seconds    float64 `json:"seconds"`
	Rows       int     `json:"rows"`
	RowsPerSec float64 `json:"rows_s,omitempty"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	PeakHeapMB float64 `json:"peak_heap_mb"`
	Target     string  `json:"target,omitempty"`
	Met        *bool   `json:"met,omitempty"`
}

// Row is one load against the live server.
type Row struct {
	Name      string  `json:"name"`
	As        string  `json:"as"`
	Conns     int     `json:"conns"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	FirstErr  string  `json:"first_error,omitempty"`
	ReqPerSec float64 `json:"req_s"`
	AloneMs   float64 `json:"alone_ms,omitempty"` // one request with nothing else running, before the load
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	OfBare    float64 `json:"of_bare"` // req/s as a fraction of the bare page's
	Target    string  `json:"target,omitempty"`
	Met       *bool   `json:"met,omitempty"`
	hot       bool
}

// Run builds the book, drives it and returns the report. The databases it
// made are dropped (PostgreSQL) or deleted (SQLite) before it returns.
func Run(ctx context.Context, o Options) (rep *Report, err error) {
	if o.Accounts < 1 || o.Conns < 1 || o.MixedConns < 1 || o.Duration <= 0 || o.ContactsPerAccount < 0 {
		return nil, errors.New("accounts, conns and duration must be positive, contacts per account not negative")
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	rep = &Report{Accounts: o.Accounts, ContactsPerAccount: o.ContactsPerAccount, Seed: o.Seed, Conns: o.Conns, MixedConns: o.MixedConns,
		DurationSeconds: o.Duration.Seconds(), TimeoutSeconds: o.Timeout.Seconds(), Jobs: o.Jobs}
	rep.Notes = []string{
		"the book is built through the store's own paths: the accounts through the portfolio import (ImportPortfolio, as `portal import`), a capacity_balanced plan (CreatePlan) and its commit, each agency accepting the whole plan (AcceptPlacements by allocation_id), 100,000 (at most) of the largest agency's accounts assigned to its collector; contacts through BulkLoadContacts (COPY or batched INSERTs: contacts have no import path); the import's baseline is a prepared single-row INSERT into accounts in one transaction",
		"the load runs in the same process as the server and shares its cores; each row's rate is its answered requests over the time until the last one ended; a request past -timeout is an error (counted at that time in p50 and p99); (alone) is one request before the row, with nothing else running",
		"the targets are issue 14's, set for 1,000,000 accounts and 2 cores; a smaller book is held to the same figures",
	}
	mem := newMemSampler()
	defer mem.close()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}

	// The large book.
	big, err := freshDatabase(ctx, o.DB, "book")
	if err != nil {
		return nil, err
	}
	defer func() {
		if o.Keep {
			o.logf("the book is kept in %s\n", big.url)
			return
		}
		if derr := big.drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	o.logf("building the book of %d accounts (seed %d)\n", o.Accounts, o.Seed)
	bk, err := buildBook(ctx, big.url, o, mem, rep)
	if err != nil {
		return rep, err
	}
	rep.Contacts, rep.LargestAgencyHeld, rep.CollectorHeld = bk.Contacts, bk.LargestHeld, bk.CollectorHeld
	o.logf("driving the server: %d connections, %s a row\n", o.Conns, o.Duration)
	if err := loadBook(ctx, big.url, secret, o, bk, mem, rep); err != nil {
		return rep, err
	}

	// The demo-scale mixed load, in its own database.
	if o.SkipMixed {
		judge(rep)
		return rep, nil
	}
	demoDB, err := freshDatabase(ctx, o.DB, "demo")
	if err != nil {
		return rep, err
	}
	defer func() {
		if derr := demoDB.drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	o.logf("mixed load on the demo data: %d connections, %s\n", o.MixedConns, o.Duration)
	if err := mixedLoad(ctx, demoDB.url, secret, o, mem, rep); err != nil {
		return rep, err
	}
	judge(rep)
	return rep, nil
}
