package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestReliabilityUnderLoad drives a real server on each database with a
// bounded mixed load: 50 connections for 5 s (PORTAL_LOAD_SECONDS=20 for
// the long run) of page and list reads, payments and contacts, some requests
// abandoned by their client mid-way. Afterwards no answer was a server
// error, every acknowledged write is in the database, the audit chain
// verifies, and abandoned requests were counted as 499, not 500.
func TestReliabilityUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a load test")
	}
	seconds := 5
	if v := os.Getenv("PORTAL_LOAD_SECONDS"); v != "" {
		fmt.Sscan(v, &seconds)
	}
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			loadOnce(t, dialect, time.Duration(seconds)*time.Second, 50)
		})
	}
}

type loadTally struct {
	mu        sync.Mutex
	byStatus  map[int]int
	failures  []string
	payments  []string // references acknowledged with 201
	contacts  []string // notes acknowledged with 201
	abandoned atomic.Int64
}

func (l *loadTally) note(status int, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byStatus[status]++
	if status >= 500 && len(l.failures) < 20 {
		l.failures = append(l.failures, what)
	}
}

func loadOnce(t *testing.T, dialect string, d time.Duration, conns int) {
	st := storetest.Open(t, dialect, store.Options{})
	if err := demo.Seed(context.Background(), st, demo.Size{Portfolios: []int{300, 200}}); err != nil {
		t.Fatal(err)
	}
	errLog := &lockedBuffer{}
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(errLog, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	h := &harness{t: t, http: hs, store: st, tokens: map[string]string{}}
	agent, vm, sup := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test"), h.token("supervisor@agency-a.test")
	rows, err := st.DB().Query(`SELECT p.account_id FROM placements p JOIN organisations o ON o.id = p.agency_id
		WHERE o.name = 'Agency A' AND p.status = 'active' ORDER BY p.account_id LIMIT 100`)
	if err != nil {
		t.Fatal(err)
	}
	var accounts []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		accounts = append(accounts, id)
	}
	rows.Close()
	if len(accounts) < 20 {
		t.Fatalf("only %d placed accounts", len(accounts))
	}

	tally := &loadTally{byStatus: map[int]int{}}
	send := func(ctx context.Context, method, path, token string, body any) (int, error) {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequestWithContext(ctx, method, hs.URL+path, r)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			tally.note(res.StatusCode, fmt.Sprintf("%s %s: %d %s", method, path, res.StatusCode, b))
		} else {
			tally.note(res.StatusCode, "")
		}
		return res.StatusCode, nil
	}

	deadline := time.Now().Add(d)
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for time.Now().Before(deadline) {
				acc := accounts[rnd.IntN(len(accounts))]
				ctx := context.Background()
				switch k := rnd.IntN(20); {
				case k < 3: // a payment, small enough never to pay an account off
					ref := fmt.Sprintf("LOAD-%s-%d", dialect, seq.Add(1))
					code, err := send(ctx, "POST", "/api/v1/accounts/"+acc+"/payments", agent,
						map[string]any{"amount_cents": 1, "paid_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "reference": ref})
					if err == nil && code == http.StatusCreated {
						tally.mu.Lock()
						tally.payments = append(tally.payments, ref)
						tally.mu.Unlock()
					}
				case k < 6: // a letter: not limited like calls
					note := fmt.Sprintf("load %s %d", dialect, seq.Add(1))
					code, err := send(ctx, "POST", "/api/v1/accounts/"+acc+"/contacts", agent,
						map[string]any{"channel": "letter", "party": "debtor", "direction": "outbound", "outcome": "no_answer", "note": note})
					if err == nil && code == http.StatusCreated {
						tally.mu.Lock()
						tally.contacts = append(tally.contacts, note)
						tally.mu.Unlock()
					}
				case k < 8: // abandoned by its client
					ctx, cancel := context.WithTimeout(ctx, time.Duration(rnd.IntN(3000))*time.Microsecond)
					_, err := send(ctx, "GET", "/api/v1/accounts?per_page=500&sort=balance", vm, nil)
					cancel()
					if err != nil {
						tally.abandoned.Add(1)
					}
				case k < 11:
					send(ctx, "GET", "/api/v1/accounts/"+acc, agent, nil)
				case k < 14:
					send(ctx, "GET", "/api/v1/queue", agent, nil)
				case k < 16:
					send(ctx, "GET", "/api/v1/accounts?page=2", vm, nil)
				case k < 18:
					send(ctx, "GET", "/api/v1/dashboard", sup, nil)
				default:
					send(ctx, "GET", "/api/v1/accounts/"+acc+"/contacts", agent, nil)
				}
			}
		}(w)
	}
	wg.Wait()
	total := 0
	for _, n := range tally.byStatus {
		total += n
	}
	t.Logf("%s: %d answers in %s (%v), %d payments and %d contacts acknowledged, %d requests abandoned",
		dialect, total, d, tally.byStatus, len(tally.payments), len(tally.contacts), tally.abandoned.Load())
	if len(tally.failures) > 0 {
		t.Fatalf("server errors under load:\n%s", strings.Join(tally.failures, "\n"))
	}
	if len(tally.payments) == 0 || len(tally.contacts) == 0 {
		t.Fatal("no write was acknowledged: the load proves nothing")
	}
	found := func(q string, want []string) {
		t.Helper()
		have := map[string]bool{}
		rows, err := st.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			rows.Scan(&v)
			have[v] = true
		}
		for _, w := range want {
			if !have[w] {
				t.Fatalf("acknowledged but not stored: %q", w)
			}
		}
	}
	found(`SELECT reference FROM payments WHERE reference LIKE 'LOAD-%'`, tally.payments)
	found(`SELECT note FROM contacts WHERE note LIKE 'load %'`, tally.contacts)
	var verify struct {
		OK     bool  `json:"ok"`
		Events int64 `json:"events"`
	}
	res, body := h.do("GET", "/api/v1/audit/verify", h.token("auditor@demo-bank.test"), nil)
	mustJSON(t, body, &verify)
	if res.StatusCode != 200 || !verify.OK || verify.Events == 0 {
		t.Fatalf("audit chain after the load: %d %s", res.StatusCode, body)
	}
	_, metrics := h.do("GET", "/metrics", "", nil)
	if strings.Contains(string(metrics), `status="500"`) {
		t.Fatalf("the metrics counted a 500; the server logged:\n%s", errLog.String())
	}
	if tally.abandoned.Load() > 0 && !strings.Contains(string(metrics), `status="499"`) {
		t.Logf("no abandoned request reached a handler before its client left (none counted as 499)")
	}
}

// lockedBuffer is a log sink many goroutines may write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
