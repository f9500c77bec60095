package portal_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/portal"
)

// chromium finds a Chromium to drive. Without one the browser tests skip with
// a message, unless PORTAL_BROWSER_TESTS=1 (as in CI) demands them.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("PORTAL_BROWSER_TESTS") == "1" {
		t.Fatal("PORTAL_BROWSER_TESTS=1 but no chromium on PATH (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH: browser test skipped (apt-get install chromium to run it)")
	return ""
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-US"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot keeps a picture of the page when PORTAL_SCREENSHOTS names a folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// TestBrowserCollectorJourney: the collector of Agency A logs in through the
// form, opens the account list, sees only Agency A's accounts, opens one and
// switches the language.
func TestBrowserCollectorJourney(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	base := h.http.URL
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("open the login page",
		chromedp.Navigate(base+"/accounts"), // a protected page sends the visitor to the login
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)))
	screenshot(t, ctx, "login")
	run("log in",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "agent@agency-a.test"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "demo-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account-table]`)))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, base+"/accounts") {
		t.Fatalf("after login the browser is at %s, want back at /accounts", loc)
	}
	screenshot(t, ctx, "accounts")

	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=account-row]')].map(r => r.dataset.id)`))
	if err != nil || len(ids) == 0 {
		t.Fatalf("account rows: %v %v", ids, err)
	}
	for _, id := range ids {
		var n int
		if err := h.store.DB().QueryRow(`SELECT COUNT(*) FROM placements WHERE account_id = $1 AND status = 'active' AND agency_id = $2`, id, agencyA).Scan(&n); err != nil || n != 1 {
			t.Fatalf("row %s is not an account placed with Agency A (%v)", id, err)
		}
	}
	var total int
	h.store.DB().QueryRow(`SELECT COUNT(*) FROM placements WHERE status = 'active' AND agency_id = $1`, agencyA).Scan(&total)
	if len(ids) != min(total, 50) {
		t.Fatalf("%d rows on the first page, want %d", len(ids), min(total, 50))
	}

	run("open an account",
		chromedp.Click(chromedp.CSS(`[data-testid=account-row] [data-testid=account-link]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account-detail]`)))
	nid, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=national-id]`)))
	if err != nil || len(strings.TrimSpace(nid)) != 18 || strings.Contains(nid, "*") {
		t.Fatalf("the collector should see the full national ID, got %q (%v)", nid, err)
	}
	screenshot(t, ctx, "account")

	before, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	target := "lang-zh"
	if strings.HasPrefix(before, "zh") {
		target = "lang-en"
	}
	navBefore, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=nav-accounts]`)))
	run("switch the language",
		chromedp.Click(chromedp.CSS(`[data-testid=`+target+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account-detail]`)))
	after, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	navAfter, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=nav-accounts]`)))
	if after == before || navAfter == navBefore {
		t.Fatalf("language switch: lang %q -> %q, nav %q -> %q", before, after, navBefore, navAfter)
	}
	wantNav := map[string]string{"lang-zh": "案件", "lang-en": "Accounts"}[target]
	if !strings.Contains(navAfter, wantNav) {
		t.Fatalf("after the switch the nav says %q, want %q in it", navAfter, wantNav)
	}
	untranslated, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`document.body.innerText.match(/\b(app|nav|col|detail|list|stat|stage|role|filter|pager|login|placement|error)\.[a-z_]+/g) || []`))
	if len(untranslated) > 0 {
		t.Fatalf("message ids shown untranslated: %v", untranslated)
	}
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "/accounts/") {
		t.Fatalf("the switch should stay on the account page, is at %s", loc)
	}
	screenshot(t, ctx, "account-switched")
}

// TestBrowserEveryRoleDashboard logs each demo role in through the form and
// looks at its dashboard in both languages: it renders, shows the role's own
// sections, and no message id is left untranslated.
func TestBrowserEveryRoleDashboard(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	cases := []struct{ email, role, mustShow string }{
		{"admin@platform.test", "platform_admin", `[data-testid="stat-stat.agencies"]`},
		{"vm@demo-bank.test", "vendor_manager", `[data-testid="chart-agency"]`},
		{"auditor@demo-bank.test", "auditor", `[data-testid="audit-status"]`},
		{"supervisor@agency-a.test", "agency_supervisor", `[data-testid="chart-stage"]`},
		{"agent@agency-a.test", "collector", `[data-testid="chart-bucket"]`},
		{"agent@agency-b.test", "collector", `[data-testid="chart-bucket"]`},
	}
	for _, c := range cases {
		t.Run(c.email, func(t *testing.T) {
			tab, cancelTab := chromedp.NewContext(bctx)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 30*time.Second)
			defer cancel()
			err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/login"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), c.email),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "demo-password"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=dashboard]`)),
				chromedp.WaitVisible(chromedp.CSS(c.mustShow)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="role-`+c.role+`"]`)),
			)
			if err != nil {
				t.Fatalf("dashboard of %s: %v", c.email, err)
			}
			for _, lang := range []string{"zh", "en"} {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/lang/"+lang+"?next=/dashboard"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=dashboard]`))); err != nil {
					t.Fatal(err)
				}
				ids, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](
					`document.body.innerText.match(/\b(app|nav|col|detail|list|stat|stage|role|filter|pager|login|placement|error|dashboard|org)\.[a-z_]+/g) || []`))
				if len(ids) > 0 {
					t.Fatalf("%s: message ids shown untranslated: %v", lang, ids)
				}
				screenshot(t, ctx, "dashboard-"+strings.SplitN(c.email, "@", 2)[0]+"-"+strings.SplitN(strings.SplitN(c.email, "@", 2)[1], ".", 2)[0]+"-"+lang)
			}
			if c.role == "auditor" {
				// The chain check runs through htmx, CSRF header and all.
				err := chromedp.Do(ctx,
					chromedp.Navigate(base+"/audit"),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=audit-page]`)),
					chromedp.Click(chromedp.CSS(`[data-testid=audit-verify]`)),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=verify-result-ok]`)))
				if err != nil {
					t.Fatalf("audit chain check in the page: %v", err)
				}
				screenshot(t, ctx, "audit-verified")
			}
		})
	}
}
