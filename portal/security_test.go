package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// Redirects after a language switch or a login stay on this site, whatever
// the next parameter holds: browsers drop tab, CR and LF from a Location
// and read a backslash as a slash.
func TestRedirectsStayOnSite(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	hostile := []string{
		"/\t/evil.example", "/\r/evil.example", "/\n/evil.example",
		"//evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
		"https://evil.example", "http:/evil.example", "javascript:alert(1)", "evil.example",
		"/%2F%2Fevil.example", " /evil", "/\x00/evil.example", "/\u3000/x\xff",
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
			res, err := c.PostForm(h.http.URL+"/login", url.Values{"email": {"vm@demo-bank.test"}, "password": {store.DemoPassword},
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
	storetest.Each(t, func(t *testing.T, dialect string) {
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
	storetest.Each(t, func(t *testing.T, dialect string) {
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
			if code, _ := postToken(base, "agent@agency-a.test", store.DemoPassword); code != http.StatusTooManyRequests {
				t.Fatalf("sixth attempt on either instance: %d, want 429", code)
			}
		}
		// A good login does not count against the address.
		for i := 0; i < 30; i++ {
			if code, _ := postToken(h.http.URL, "vm@demo-bank.test", store.DemoPassword); code != http.StatusOK {
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
