package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/portal"
	"collect/portal/sheets"
)

// login logs email in through the form in a fresh tab.
func login(t *testing.T, bctx context.Context, base, email string) (context.Context, context.CancelFunc) {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(bctx)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "demo-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=dashboard]`)))
	if err != nil {
		cancel()
		cancelTab()
		t.Fatalf("login %s: %v", email, err)
	}
	return ctx, func() { cancel(); cancelTab() }
}

// TestBrowserMarketplaceJourney: the vendor manager imports a portfolio
// through the page and watches it finish, makes a capacity-balanced plan,
// looks at it and commits it; Agency A's supervisor sees the offers and
// accepts one, and then sees that account in its list.
func TestBrowserMarketplaceJourney(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	file := filepath.Join(t.TempDir(), "november.csv")
	f, _ := os.Create(file)
	if err := sheets.WritePortfolioCSV(f, 400, 11, time.Now().UTC(), "zh"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ctx, done := login(t, bctx, base, "vm@demo-bank.test")
	defer done()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			screenshot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("import through the page",
		chromedp.Navigate(base+"/portfolios"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=import-name]`), "十一月新增 November"),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=import-file]`), []string{file}),
		chromedp.Click(chromedp.CSS(`[data-testid=import-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-progress]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-done]`)))
	screenshot(t, ctx, "market-import-done")
	outcome, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=import-done]`)))
	if !strings.Contains(outcome, "400") {
		t.Fatalf("the outcome does not say 400 accounts: %q", outcome)
	}
	run("open the new portfolio and make a plan",
		chromedp.Click(chromedp.CSS(`[data-testid=import-page] a[href^="/portfolios/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-form]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=plan-strategy]`), "capacity_balanced"),
		chromedp.Click(chromedp.CSS(`[data-testid=plan-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-page]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-chart]`)))
	screenshot(t, ctx, "market-plan")
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=plan-row]').length`))
	agencies, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=plan-agency-row]').length`))
	if rows == 0 || agencies < 2 {
		t.Fatalf("the plan shows %d assignments over %d agencies", rows, agencies)
	}
	run("commit the plan",
		chromedp.Click(chromedp.CSS(`[data-testid=plan-commit]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=plan-commit]`)))
	offers := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM placements WHERE status = 'offered' AND source LIKE 'allocation:%'`)
	if offers == "0" {
		t.Fatal("the commit made no offers")
	}

	sctx, sdone := login(t, bctx, base, "supervisor@agency-a.test")
	defer sdone()
	if err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/placements?status=offered"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=placement-row]`))); err != nil {
		t.Fatalf("the supervisor's offers: %v", err)
	}
	id, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=placement-row]').dataset.id`))
	if err != nil || id == "" {
		t.Fatalf("first offer: %v", err)
	}
	account := h.queryOne(`SELECT account_id FROM placements WHERE id = $1`, id)
	screenshot(t, sctx, "market-offers")
	if err := chromedp.Do(sctx,
		chromedp.Click(chromedp.CSS(`[data-testid=placement-row][data-id="`+id+`"] [data-testid=placement-check]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=action-accept]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`))); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if st := h.queryOne(`SELECT status FROM placements WHERE id = $1`, id); st != "active" {
		t.Fatalf("the accepted placement is %s", st)
	}
	if err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/accounts/"+account),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account-detail]`))); err != nil {
		t.Fatalf("the accepted account's page: %v", err)
	}
	// The rest of the plan's offers in one action, after a confirmation
	// naming the count.
	left := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM placements WHERE status = 'offered' AND agency_id = (SELECT agency_id FROM placements WHERE id = $1)
		AND source = (SELECT source FROM placements WHERE id = $1)`, id)
	if err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/placements?status=offered"),
		chromedp.Click(chromedp.CSS(`[data-testid=plan-accept-all]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-confirm-submit]`))); err != nil {
		t.Fatalf("accept all offers of the plan: %v", err)
	}
	shown, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=plan-confirm]').dataset.count`))
	if err != nil || shown != left {
		t.Fatalf("the confirmation names %q offers, %s are open (%v)", shown, left, err)
	}
	screenshot(t, sctx, "market-accept-plan")
	if err := chromedp.Do(sctx,
		chromedp.Click(chromedp.CSS(`[data-testid=plan-confirm-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM placements WHERE status = 'offered' AND agency_id = (SELECT agency_id FROM placements WHERE id = $1)
		AND source = (SELECT source FROM placements WHERE id = $1)`, id); n != "0" {
		t.Fatalf("%s offers left after accepting all", n)
	}
}
