package portal_test

import (
	"collect"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/oversight"
	"collect/portal"
)

// TestBrowserQualityReview: Agency A's collector records a call and its
// telephony uploads a 3-second recording; the vendor manager samples every
// contact of the week, opens the sample in the browser, which loads the
// recording (its duration is read from the audio element), scores the call
// failing a critical item, and sees the score and the breach opened.
func TestBrowserQualityReview(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	agent := h.token("agent@agency-a.test")
	contactID, at := h.qaCall(agent)
	h.qaUploadRecording(agent, contactID, qaSineWAV(3))

	vm := h.token("vm@demo-bank.test")
	res, body := h.do("POST", "/api/v1/qa/plans", vm, map[string]any{"name": "Every call", "random_share": 1, "include": []string{}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create the plan: %d %s", res.StatusCode, body)
	}
	var plan struct{ ID string }
	mustJSON(t, body, &plan)
	week := oversight.WeekOf(at, collect.China)
	if res, body := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", vm, map[string]any{"week": week}); res.StatusCode != http.StatusOK {
		t.Fatalf("draw: %d %s", res.StatusCode, body)
	}
	sampleID := h.queryOne(`SELECT id FROM qa_samples WHERE plan_id = $1 AND contact_id = $2`, plan.ID, contactID)

	ctx, cancel := login(t, bctx, base, "vm@demo-bank.test")
	defer cancel()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		run("open /qa in "+lang,
			chromedp.Navigate(base+"/lang/"+lang+"?next="+url.QueryEscape("/qa?week="+week)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-page]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-sample-row]`)))
		screenshot(t, ctx, "qa-"+lang)
		run("open the sample in "+lang,
			chromedp.Navigate(base+"/qa/samples/"+sampleID),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-review-form]`)))
		screenshot(t, ctx, "qa-sample-"+lang)
		ids, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`document.body.innerText.match(/\b(qa|title|nav|filter|channel)\.[a-z_.]+/g) || []`))
		if len(ids) > 0 {
			t.Fatalf("%s: message ids shown qaUntranslated: %v", lang, ids)
		}
	}

	// The browser fetched the recording's metadata through the page's
	// session (a range request) and knows how long the call is.
	duration, err := chromedp.Run(ctx, chromedp.Poll[float64](
		`(() => { const a = document.querySelector('audio'); return a && isFinite(a.duration) && a.duration > 0 ? a.duration : 0 })()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector('audio'); return a ? a.readyState + ' ' + (a.error && a.error.message) : 'none' })()`))
		t.Fatalf("the audio element's duration: %v (state %s)", err, state)
	}
	if duration < 2.9 || duration > 3.1 {
		t.Fatalf("the recording plays for %.2f s, want about 3", duration)
	}

	// Tick every item: all pass but a critical one.
	for _, it := range oversight.DefaultChecklist {
		result := "pass"
		if it.Item == "no_threats" {
			result = "fail"
		}
		run("judge "+it.Item, chromedp.Click(chromedp.CSS(`[data-testid=qa-result][data-item=`+it.Item+`][value=`+result+`]`)))
	}
	run("submit the review",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=qa-review-note]`), "Threatened a lawsuit that was not planned"),
		chromedp.Click(chromedp.CSS(`[data-testid=qa-review-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-breach-notice]`)))
	flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=flash]`)))
	if !strings.Contains(flash, "Review saved: score 0.0.") {
		t.Fatalf("the flash says %q, want the score", flash)
	}
	notice, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=qa-breach-notice]`)))
	if !strings.Contains(notice, "conduct breach was opened") {
		t.Fatalf("the breach notice says %q", notice)
	}
	score, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=qa-review-score]`)))
	if strings.TrimSpace(score) != "0.0" {
		t.Fatalf("the review's score shows %q", score)
	}
	screenshot(t, ctx, "qa-sample-reviewed-en")
	run("the sample in Chinese",
		chromedp.Navigate(base+"/lang/zh?next="+url.QueryEscape("/qa/samples/"+sampleID+"?done=reviewed")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-breach-notice]`)))
	screenshot(t, ctx, "qa-sample-reviewed-zh")
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM breaches WHERE source = 'quality' AND source_id = $1`, sampleID+":no_threats"); n != "1" {
		t.Fatalf("%s quality breaches, want 1", n)
	}

	// The agency's supervisor sees the finding on its collector's call, to answer.
	sctx, scancel := login(t, bctx, base, "supervisor@agency-a.test")
	defer scancel()
	if err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/lang/zh?next="+url.QueryEscape("/qa/findings")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=qa-answer-form]`))); err != nil {
		t.Fatalf("the supervisor's findings: %v", err)
	}
	screenshot(t, sctx, "qa-findings-zh")
}
