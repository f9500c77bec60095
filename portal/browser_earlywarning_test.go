package portal_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/portal"
	"collect/portal/demo"
)

// TestBrowserEarlyWarningJourney: a collector sees the queue with scores and
// their reasons and reads on the models page that the model is used and why;
// the supervisor sees the arrangements at risk of breaking; the vendor
// manager trains the models again from the page.
func TestBrowserEarlyWarningJourney(t *testing.T) {
	h := newSizedHarness(t, "sqlite", portal.Config{}, demo.DefaultSize)
	bctx := browser(t)
	base := h.http.URL
	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	ctx, cancel := login(t, bctx, base, "agent@agency-a.test")
	defer cancel()
	do(ctx, "open the queue",
		chromedp.Navigate(base+"/queue"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=queue-score]`)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=queue-row] [data-testid=queue-score-reasons]').length`))
	if err != nil || n == 0 {
		t.Fatalf("queue rows with score reasons: %d (%v)", n, err)
	}
	screenshot(t, ctx, "ew-queue")
	do(ctx, "open the models page from the menu",
		chromedp.Click(chromedp.CSS(`[data-testid=nav-models]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=model-propensity]`)))
	inUse, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=model-propensity]').dataset.inUse`))
	if err != nil || inUse != "true" {
		t.Fatalf("the propensity model is shown in use: %q (%v)", inUse, err)
	}
	// Chart.js drew the calibration chart (it sets the canvas size).
	do(ctx, "calibration chart", chromedp.WaitVisible(chromedp.CSS(`[data-testid=model-calibration-chart]`)))
	do(ctx, "let the chart draw", chromedp.Sleep(300*time.Millisecond))
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('[data-testid=model-calibration-chart]').width`))
	if err != nil || w < 100 {
		t.Errorf("calibration chart width %d (%v)", w, err)
	}
	screenshot(t, ctx, "ew-models")

	sctx, scancel := login(t, bctx, base, "supervisor@agency-a.test")
	defer scancel()
	do(sctx, "open the follow-up list",
		chromedp.Navigate(base+"/follow-up"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=followup-page]`)))
	risky := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM account_scores sc JOIN placements p ON p.account_id = sc.account_id AND p.status = 'active'
		JOIN organisations o ON o.id = p.agency_id AND o.name = 'Agency A' WHERE sc.kind = 'arrangement_break' AND sc.score >= 0.5`)
	if risky != "0" {
		got, err := chromedp.Run(sctx, chromedp.Evaluate[string](`String(document.querySelectorAll('[data-testid=followup-at-risk] [data-testid=followup-row]').length)`))
		if err != nil || got != risky {
			t.Errorf("at-risk rows on the page %q, at-risk scores of Agency A %s (%v)", got, risky, err)
		}
	}
	screenshot(t, sctx, "ew-followup")

	vctx, vcancel := login(t, bctx, base, "vm@demo-bank.test")
	defer vcancel()
	do(vctx, "train the models again",
		chromedp.Navigate(base+"/models"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=models-train]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=models-train]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=models-history]`)))
	screenshot(t, vctx, "ew-models-vm")
}
