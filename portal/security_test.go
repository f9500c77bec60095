package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// Redirects after a language switch or a login stay on this site, whatever
// the next parameter holds: browsers drop tab, CR and LF from a Location
// and read a backslash as a slash.
func TestRedirectsStayOnSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	hostile := []string{
		"/\t/evil.example", "/\r/evil.example", "/\n/evil.example",
		"//evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
		"https://evil.example", "http:/evil.example", "javascript:alert(1)", "evil.example",
		"/%2F%2Fevil.example", " /evil",
	}
	for _, next := range hostile {
		t.Run("Lang/"+url.QueryEscape(next), func(t *testing.T) {
			c := h.pageClient("")
			res, _ := c.get(t, h.http.URL+"/lang/en?next="+url.QueryEscape(next))
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/dashboard" {
				t.Fatalf("next=%q: %d to %q, want /dashboard", next, res.StatusCode, loc)
			}
		})
		t.Run("Login/"+url.QueryEscape(next), func(t *testing.T) {
			c := h.pageClient("")
			res, err := c.PostForm(h.http.URL+"/login", url.Values{"email": {"vm@demo-bank.test"}, "password": {demo.Password},
				"_csrf": {c.csrf}, "next": {next}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/dashboard" {
				t.Fatalf("next=%q: %d to %q, want /dashboard", next, res.StatusCode, loc)
			}
		})
	}
	// A NUL or invalid UTF-8 in next is refused at the boundary (400).
	for _, next := range []string{"/\x00/evil.example", "/\u3000/x\xff"} {
		res, _ := h.pageClient("").get(t, h.http.URL+"/lang/en?next="+url.QueryEscape(next))
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("next=%q: %d to %q, want 400", next, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The reproduction as sent: the query's %09 is the tab.
	res, _ := h.pageClient("").get(t, h.http.URL+"/lang/en?next=/%09/evil.example")
	if loc := res.Header.Get("Location"); loc != "/dashboard" {
		t.Fatalf("/lang/en?next=/%%09/evil.example went to %q", loc)
	}
	for next, want := range map[string]string{"/accounts?bucket=M2": "/accounts?bucket=M2", "/login?next=%2Fqueue": "/login?next=%2Fqueue"} {
		c := h.pageClient("")
		res, _ := c.get(t, h.http.URL+"/lang/zh?next="+url.QueryEscape(next))
		if loc := res.Header.Get("Location"); loc != want {
			t.Errorf("a path of ours: next=%q went to %q, want %q", next, loc, want)
		}
	}
}

// postToken sends a login from a goroutine (the harness's do may not fail a
// test off the test's goroutine).
func postToken(base, email, password string) (int, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post(base+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// Many wrong passwords at once for one account: each is counted before its
// password is checked, so no more than the limit get an answer other than
// 429, on both databases.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	storetest.EachSerial(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		const n = 200
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, err := postToken(h.http.URL, "vm@demo-bank.test", "wrong-password")
				if err != nil {
					code = -1
				}
				codes <- code
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[http.StatusUnauthorized] > 5 || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != n {
			t.Fatalf("answers %v: want at most 5 × 401 and the rest 429", count)
		}
	})
}

// Two portal processes on one database share the counts: failures spread
// over both still throttle the account.
func TestLoginThrottleSharedByInstances(t *testing.T) {
	storetest.EachSerial(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		second, err := portal.New(portal.Config{Store: h.store, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		other := httptest.NewServer(second)
		defer other.Close()
		for i, base := range []string{h.http.URL, other.URL, h.http.URL, other.URL, h.http.URL} {
			if code, err := postToken(base, "agent@agency-a.test", "wrong"); err != nil || code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d %v", i+1, code, err)
			}
		}
		for _, base := range []string{other.URL, h.http.URL} {
			if code, _ := postToken(base, "agent@agency-a.test", demo.Password); code != http.StatusTooManyRequests {
				t.Fatalf("sixth attempt on either instance: %d, want 429", code)
			}
		}
		// A good login does not count against the address.
		for i := 0; i < 30; i++ {
			if code, _ := postToken(h.http.URL, "vm@demo-bank.test", demo.Password); code != http.StatusOK {
				t.Fatalf("good login %d from one address: %d", i+1, code)
			}
		}
	})
}

func TestThrottleWindow(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	th := portal.NewThrottle(15*time.Minute, 2, 100, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if err := th.Begin(ctx, []string{"a@x.test", "A@X.test "}[i], "1.2.3.4"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if th.Begin(ctx, "a@x.test", "5.6.7.8") == nil {
		t.Fatal("two failures (case and spaces folded) should throttle the account")
	}
	now = now.Add(16 * time.Minute)
	if err := th.Begin(ctx, "a@x.test", "5.6.7.8"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if err := th.Succeeded(ctx, "a@x.test", "5.6.7.8"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := th.Begin(ctx, "a@x.test", "5.6.7.8"); err != nil {
			t.Fatalf("a success clears the account's failures: attempt %d: %v", i+1, err)
		}
	}
}

// NUL bytes and invalid UTF-8 in any text a request carries are a 400
// naming the field, on both databases (PostgreSQL refused the bytes with an
// internal error; SQLite stored them).
func TestHostileTextRefusedAtTheBoundary(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent, vm := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test")
		acc := h.queryOne(`SELECT p.account_id FROM placements p JOIN organisations o ON o.id = p.agency_id
			WHERE o.name = 'Agency A' AND p.status = 'active' ORDER BY p.account_id LIMIT 1`)
		cases := []struct {
			name, method, path, token string
			body                      any
			field                     string
		}{
			{"QueryNUL", "GET", "/api/v1/accounts?q=%00", vm, nil, "q"},
			{"QueryInvalidUTF8", "GET", "/api/v1/accounts?q=%ff%fe", vm, nil, "q"},
			{"QueryName", "GET", "/api/v1/accounts?%ff=1", vm, nil, "parameter name"},
			{"PathIDNUL", "GET", "/api/v1/accounts/%00", vm, nil, "id"},
			{"PathIDInvalid", "GET", "/api/v1/accounts/%ff%fe", vm, nil, "id"},
			{"ContactNote", "POST", "/api/v1/accounts/" + acc + "/contacts", agent,
				`{"channel":"call","party":"debtor","direction":"outbound","outcome":"no_answer","note":"hello\u0000"}`, "note"},
			{"ContactNoteBytes", "POST", "/api/v1/accounts/" + acc + "/contacts", agent,
				"{\"channel\":\"call\",\"party\":\"debtor\",\"direction\":\"outbound\",\"outcome\":\"no_answer\",\"note\":\"\xff\xfe\"}", "note"},
			{"PaymentReference", "POST", "/api/v1/accounts/" + acc + "/payments", agent,
				`{"amount_cents":100,"reference":"R\u0000"}`, "reference"},
			{"DisputeReason", "POST", "/api/v1/accounts/" + acc + "/disputes", agent, `{"reason":"\u0000"}`, "reason"},
			{"MappingName", "POST", "/api/v1/mappings", vm, `{"name":"m\u0000","mapping":{"external_ref":"ref"}}`, "name"},
			{"Login", "POST", "/api/v1/auth/token", "", `{"email":"vm@demo-bank.test\u0000","password":"x"}`, "email"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, body := h.do(c.method, c.path, c.token, c.body)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("%s %s: %d %s, want 400", c.method, c.path, res.StatusCode, body)
				}
				var e struct {
					Error struct {
						Code   string                   `json:"code"`
						Fields []struct{ Field string } `json:"fields"`
					} `json:"error"`
				}
				mustJSON(t, body, &e)
				if e.Error.Code != "invalid" || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != c.field {
					t.Fatalf("answer %s: want code invalid naming %q", body, c.field)
				}
			})
		}
		t.Run("PageForm", func(t *testing.T) {
			pc := h.pageClient(agent)
			res, err := pc.PostForm(h.http.URL+"/accounts/"+acc+"/contacts", url.Values{"_csrf": {pc.csrf}, "channel": {"call"},
				"party": {"debtor"}, "outcome": {"no_answer"}, "note": {"bad\x00"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("page form with a NUL: %d, want 400", res.StatusCode)
			}
		})
		if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE note LIKE '%bad%' OR note LIKE 'hello%'`); n != "0" {
			t.Fatalf("%s refused contacts were stored", n)
		}
	})
}

// An upload over 32 MB is spooled to a multipart-* temporary file; it is
// removed when the request ends, whatever the answer.
func TestUploadTemporaryFilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	big := io.MultiReader(strings.NewReader("external_ref,debtor_name\n"), io.LimitReader(zeroes{}, 40<<20))
	res, body := h.postFile(vm, "big.csv", big, map[string]string{"name": "big"})
	if res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Fatalf("a 40 MB file of nonsense: %d %s", res.StatusCode, body)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "multipart-*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// Methods and paths anyone may send do not grow /metrics: the method label
// is one of the standard methods or OTHER, the route label a pattern.
func TestMetricsLabelsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	series := func() int {
		res, body := h.do("GET", "/metrics", "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("metrics: %d", res.StatusCode)
		}
		n := 0
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "portal_http_requests_total{") {
				n++
			}
		}
		return n
	}
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest(fmt.Sprintf("M%dX", i), h.http.URL+fmt.Sprintf("/nowhere/%d", i), nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	before := series()
	for i := 50; i < 300; i++ {
		req, _ := http.NewRequest(fmt.Sprintf("M%dX", i), h.http.URL+fmt.Sprintf("/nowhere/%d", i), nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
		req, _ = http.NewRequest(fmt.Sprintf("Q%d", i), h.http.URL+"/api/v1/accounts", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	if after := series(); after > before+2 {
		t.Fatalf("series grew from %d to %d with random methods and paths", before, after)
	}
	_, body := h.do("GET", "/metrics", "", nil)
	if strings.Contains(string(body), `method="M1X"`) || strings.Contains(string(body), "/nowhere/") {
		t.Fatal("a raw method or path is a label")
	}
}

// A client that disconnects is a 499 in the log and the metrics, not a 500
// logged as an internal error.
func TestClientDisconnectIs499(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	st := storetest.Open(t, "sqlite", store.Options{})
	if err := demo.Seed(context.Background(), st, demo.Size{Portfolios: []int{20}}); err != nil {
		t.Fatal(err)
	}
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	code, _ := postToken(hs.URL, "vm@demo-bank.test", demo.Password)
	if code != 200 {
		t.Fatalf("login: %d", code)
	}
	body, _ := json.Marshal(map[string]string{"email": "vm@demo-bank.test", "password": demo.Password})
	res, _ := http.Post(hs.URL+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
	var tok struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // gone before the server answers
	req := httptest.NewRequest("GET", "/api/v1/accounts?per_page=500", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 499 {
		t.Fatalf("status %d, want 499", rec.Code)
	}
	if strings.Contains(logs.String(), "internal error") || !strings.Contains(logs.String(), "status=499") {
		t.Fatalf("log:\n%s", logs.String())
	}
	_, mbody := (&harness{t: t, http: hs}).do("GET", "/metrics", "", nil)
	if !strings.Contains(string(mbody), `status="499"`) || strings.Contains(string(mbody), `status="500"`) {
		t.Fatal("the metrics do not count the disconnect as 499")
	}
}

// A hostile portfolio file over HTTP: refused as soon as it crosses a cap,
// with the cap, the line and the file field, and nothing imported.
func TestHostileFileRefusedOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	before := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM accounts`)
	long := "external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" +
		"R-1,\"" + strings.Repeat("长", 60_000) + "\",110101199003078515,13800138000,北京市,1000,1000,2026-01-01,30\n"
	res, body := h.postFile(vm, "long.csv", strings.NewReader(long), map[string]string{"name": "long"})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "line 2") || !strings.Contains(string(body), `"field":"file"`) {
		t.Fatalf("a 180 KB record: %d %s", res.StatusCode, body)
	}
	if after := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM accounts`); after != before {
		t.Fatalf("accounts %s → %s after a refused file", before, after)
	}
}
