package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/portal"
)

// TestBrowserOnboardingJourney: the platform administrator onboards a
// lender through the organisations page and invites its administrator from
// the people page; the administrator opens the one-time link, sets a
// password and signs in. Then a demo collector whose yearly training has
// lapsed tries to record a contact and is refused, with the rule named.
func TestBrowserOnboardingJourney(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	ctx, done := login(t, bctx, base, "admin@platform.test")
	defer done()
	run := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			screenshot(t, ctx, "failed-onboarding")
			t.Fatalf("%s: %v", what, err)
		}
	}
	run(ctx, "onboard a lender",
		chromedp.Navigate(base+"/admin/organisations"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=org-create-form]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=org-kind]`), "lender"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=org-name]`), "丁银行股份有限公司"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=org-name-en]`), "Ding Bank"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=org-credit-code]`), "91350100M000100Y43"),
		chromedp.Click(chromedp.CSS(`[data-testid=org-create-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=organisation-page]`)))
	var org string
	for i := 0; i < 100 && org == ""; i++ {
		h.store.DB().QueryRow(`SELECT id FROM organisations WHERE name_en = 'Ding Bank'`).Scan(&org)
		time.Sleep(20 * time.Millisecond)
	}
	if org == "" {
		screenshot(t, ctx, "failed-onboarding")
		t.Fatal("the lender was not onboarded")
	}
	screenshot(t, ctx, "onboarding-organisations")
	run(ctx, "invite its administrator",
		chromedp.Navigate(base+"/people"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invite-form]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=invite-org]`), org),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=invite-email]`), "admin@dingbank.example"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=invite-name]`), "丁管理"),
		chromedp.Click(chromedp.CSS(`[data-testid=invite-role-org_admin]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=invite-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=one-time-link-url]`)))
	link, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=one-time-link-url]`)))
	if err != nil || !strings.Contains(link, "/invite/") {
		t.Fatalf("the invite link %q: %v", link, err)
	}
	link = base + link[strings.Index(link, "/invite/"):]

	// The new administrator, in a browser of their own.
	other := browser(t)
	nctx, cancel := context.WithTimeout(other, 60*time.Second)
	defer cancel()
	const pw = "a long passphrase for ding"
	run(nctx, "set the password from the link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=set-password-page]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password-new]`), pw),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password-again]`), pw),
		chromedp.Click(chromedp.CSS(`[data-testid=password-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
	run(nctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "admin@dingbank.example"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), pw),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=dashboard]`)))
	name, _ := chromedp.Run(nctx, chromedp.Text(chromedp.CSS(`[data-testid=user-name]`)))
	if !strings.Contains(name, "丁管理") {
		t.Errorf("signed in as %q", name)
	}

	// A collector whose yearly training lapsed is refused a contact.
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc)
	lapsed := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(-1, 0, -2).Format(time.DateOnly)
	if _, err := h.store.DB().Exec(`UPDATE roster_records SET trained_on = $1 WHERE user_id = (SELECT id FROM users WHERE email = 'agent@agency-a.test')`, lapsed); err != nil {
		t.Fatal(err)
	}
	actx, adone := login(t, bctx, base, "agent@agency-a.test")
	defer adone()
	morning := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02") + "T10:15"
	run(actx, "a contact by a collector whose training lapsed",
		chromedp.Navigate(base+"/accounts/"+acc),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-form]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=roster-warning]`)), // told before typing
		chromedp.SetValue(chromedp.CSS(`#cf-outcome`), "no_answer"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=contact-at]`), morning),
		chromedp.Click(chromedp.CSS(`[data-testid=contact-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=conduct-refused]`)))
	rules, _ := chromedp.Run(actx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=conduct-rule]')].map(e => e.dataset.rule)`))
	if len(rules) == 0 || rules[0] != "roster.training_lapsed" {
		screenshot(t, actx, "failed-onboarding")
		t.Fatalf("refused for %v, want roster.training_lapsed", rules)
	}
	screenshot(t, actx, "onboarding-roster-refused")
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE account_id = $1`, acc); n != "0" {
		t.Errorf("%s contacts recorded by a collector whose training lapsed", n)
	}
}
