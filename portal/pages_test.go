package portal_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// formLogin logs in through the login form like a browser and returns the
// client holding the session cookie.
func (h *harness) formLogin(email, password string) (pageClient, *http.Response, string) {
	h.t.Helper()
	c := h.pageClient("")
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {c.csrf}, "next": {"/accounts?bucket=M2"}}
	res, err := c.PostForm(h.http.URL+"/login", form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return c, res, string(body)
}

func (c pageClient) get(t *testing.T, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPagesJourney(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	base := h.http.URL

	t.Run("ProtectedPageRedirectsToLogin", func(t *testing.T) {
		c := h.pageClient("")
		res, _ := c.get(t, base+"/accounts?stage=legal")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next="+url.QueryEscape("/accounts?stage=legal") {
			t.Fatalf("got %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("LoginWithoutCSRFRefused", func(t *testing.T) {
		c := h.pageClient("")
		res, err := c.PostForm(base+"/login", url.Values{"email": {"vm@demo-bank.test"}, "password": {"demo-password"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("a form without the CSRF token: %d, want 403", res.StatusCode)
		}
	})
	t.Run("WrongPasswordSaysSoInTheUsersLanguage", func(t *testing.T) {
		c := h.pageClient("")
		form := url.Values{"email": {"vm@demo-bank.test"}, "password": {"wrong"}, "_csrf": {c.csrf}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", "en-US,en;q=0.9")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `data-testid="login-error"`) || !strings.Contains(string(body), "vm@demo-bank.test") {
			t.Fatalf("%d: no error shown or the email was lost", res.StatusCode)
		}
	})
	t.Run("VendorManagerJourney", func(t *testing.T) {
		c, res, _ := h.formLogin("vm@demo-bank.test", "demo-password")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/accounts?bucket=M2" {
			t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "portal_session" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v must be HttpOnly and SameSite", session)
		}
		res, body := c.get(t, base+"/dashboard")
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="stat-stat.placed"`) || !strings.Contains(body, `data-testid="chart-agency"`) {
			t.Fatalf("vendor manager dashboard: %d", res.StatusCode)
		}
		res, body = c.get(t, base+"/accounts?bucket=M2&sort=balance")
		rows := strings.Split(body, `data-testid="account-row"`)[1:]
		if res.StatusCode != 200 || len(rows) == 0 {
			t.Fatalf("filtered list: %d, rows %d", res.StatusCode, len(rows))
		}
		for _, r := range rows {
			if r = r[:strings.Index(r, "</tr>")]; !strings.Contains(r, ">M2<") {
				t.Fatalf("a row outside bucket M2: %s", r)
			}
		}
		// The htmx request gets the table alone.
		res, body = c.get(t, base+"/accounts?bucket=M2", "HX-Request", "true", "HX-Target", "account-table")
		if res.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="account-table"`) {
			t.Fatalf("htmx partial: %d, full page=%v", res.StatusCode, strings.Contains(body, "<html"))
		}
		res, body = c.get(t, base+"/accounts/no-such-account")
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `data-testid="error-page"`) {
			t.Fatalf("missing account page: %d", res.StatusCode)
		}
		res, body = c.get(t, base+"/audit")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-testid="error-page"`) {
			t.Fatalf("a vendor manager on the audit page: %d", res.StatusCode)
		}
		// Logging out ends the session.
		req, _ := http.NewRequest("POST", base+"/logout", nil)
		req.Header.Set("X-CSRF-Token", c.csrf)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		stale := h.pageClient(session.Value)
		if res, _ := stale.get(t, base+"/dashboard"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the old session cookie still opens the dashboard: %d", res.StatusCode)
		}
	})
	t.Run("AuditorSeesTheChain", func(t *testing.T) {
		c, _, _ := h.formLogin("auditor@demo-bank.test", "demo-password")
		res, body := c.get(t, base+"/dashboard")
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="audit-status"`) {
			t.Fatalf("auditor dashboard: %d", res.StatusCode)
		}
		req, _ := http.NewRequest("POST", base+"/audit/verify", nil)
		req.Header.Set("X-CSRF-Token", c.csrf)
		req.Header.Set("HX-Request", "true")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), `data-testid="verify-result-ok"`) {
			t.Fatalf("verify: %d %s", res.StatusCode, b)
		}
		_, body = c.get(t, base+"/accounts")
		if strings.Count(body, `data-testid="account-row"`) == 0 {
			t.Fatal("the auditor sees no accounts")
		}
	})
	t.Run("PlatformAdminSeesNoDebtors", func(t *testing.T) {
		c, _, _ := h.formLogin("admin@platform.test", "demo-password")
		res, body := c.get(t, base+"/dashboard")
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="stat-stat.agencies"`) || strings.Contains(body, `data-testid="nav-accounts"`) {
			t.Fatalf("admin dashboard: %d", res.StatusCode)
		}
		if res, _ := c.get(t, base+"/accounts"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("admin account list: %d", res.StatusCode)
		}
	})
	t.Run("LanguageSwitch", func(t *testing.T) {
		c := h.pageClient("")
		res, _ := c.get(t, base+"/lang/en?next=/login")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d", res.StatusCode)
		}
		_, body := c.get(t, base+"/login", "Accept-Language", "zh-CN")
		if !strings.Contains(body, `lang="en"`) {
			t.Fatal("the chosen language does not win over Accept-Language")
		}
		_, body = h.pageClient("").get(t, base+"/login", "Accept-Language", "zh-CN,zh;q=0.9")
		if !strings.Contains(body, `lang="zh-CN"`) {
			t.Fatal("Accept-Language zh-CN should give Chinese")
		}
		res, _ = c.get(t, base+"/lang/en?next=//evil.example/")
		if loc := res.Header.Get("Location"); loc != "/dashboard" {
			t.Fatalf("an off-site next is followed: %q", loc)
		}
	})
}

// A lender with more portfolios than a page lists them page by page, every
// one reachable, none twice.
func TestPortfolioListPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		var lender string
		if err := h.store.DB().QueryRow(`SELECT lender_id FROM portfolios LIMIT 1`).Scan(&lender); err != nil {
			t.Fatal(err)
		}
		for i := range 230 { // more than the 200 the page once stopped at
			if _, err := h.store.DB().Exec(`INSERT INTO portfolios (id, lender_id, name, imported_at) VALUES ($1, $2, $3, $4)`,
				fmt.Sprintf("pf-extra-%03d", i), lender, fmt.Sprintf("Extra %03d", i), time.Now().UTC().Add(-time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		var total int
		h.store.DB().QueryRow(`SELECT COUNT(*) FROM portfolios WHERE lender_id = $1`, lender).Scan(&total)
		c := h.pageClient(h.token("vm@demo-bank.test"))
		seen := map[string]bool{}
		rowID := regexp.MustCompile(`data-testid="portfolio-row" data-id="([^"]+)"`)
		for page := 1; ; page++ {
			res, body := get(c, fmt.Sprintf("%s/portfolios?page=%d", h.http.URL, page))
			if res.StatusCode != 200 {
				t.Fatalf("page %d: %d", page, res.StatusCode)
			}
			ids := rowID.FindAllStringSubmatch(string(body), -1)
			if len(ids) == 0 {
				t.Fatalf("page %d is empty with %d of %d seen", page, len(seen), total)
			}
			for _, m := range ids {
				if seen[m[1]] {
					t.Fatalf("portfolio %s listed twice", m[1])
				}
				seen[m[1]] = true
			}
			if !strings.Contains(string(body), `rel="next"`) {
				break
			}
		}
		if len(seen) != total {
			t.Fatalf("%d portfolios reachable through the pages, want %d", len(seen), total)
		}
	})
}
