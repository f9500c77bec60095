package portal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect/portal"
)

// TestBrowserCollectorCasework: the collector opens the first account of
// the work queue, tries to log a call at 23:00 (refused, with the rule
// named), logs a daytime call, and records a promise to pay.
func TestBrowserCollectorCasework(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	ctx, done := login(t, bctx, base, "agent@agency-a.test")
	defer done()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			screenshot(t, ctx, "failed-case")
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("open the queue and its first account",
		chromedp.Navigate(base+"/queue"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=queue-row]`)))
	screenshot(t, ctx, "case-queue")
	id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=queue-row]').dataset.id`))
	// Make sure the account can be contacted: verified, in first contact, no history.
	h.store.DB().Exec(`UPDATE accounts SET verification_complete = TRUE, stage = 'first_contact', dispute_open = FALSE, cease_communication = FALSE WHERE id = $1`, id)
	h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, id)
	// waitDone waits until the browser has followed a form's redirect to the
	// account page with its flash: elements of the page before (an old
	// flash, old rows) would otherwise satisfy a wait too early.
	waitDone := func(flash string) {
		t.Helper()
		for i := 0; ; i++ {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			if strings.Contains(loc, "done="+flash) {
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`))); err != nil {
					t.Fatal(err)
				}
				return
			}
			if i == 200 {
				screenshot(t, ctx, "failed-case")
				t.Fatalf("no %s: at %s", flash, loc)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1)
	night := yesterday.Format("2006-01-02") + "T23:00"
	morning := yesterday.Format("2006-01-02") + "T10:15"
	run("a call at 23:00 is refused with the rule named",
		chromedp.Navigate(base+"/accounts/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-form]`)),
		chromedp.SetValue(chromedp.CSS(`#cf-outcome`), "no_answer"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=contact-at]`), night),
		chromedp.SetValue(chromedp.CSS(`[data-testid=contact-note]`), "夜间外呼未接通"),
		chromedp.Click(chromedp.CSS(`[data-testid=contact-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=conduct-refused]`)))
	screenshot(t, ctx, "case-refused")
	// Nothing typed is lost: the refused contact's form comes back filled.
	for sel, want := range map[string]string{"#cf-outcome": "no_answer", "[data-testid=contact-at]": night, "[data-testid=contact-note]": "夜间外呼未接通"} {
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil || got != want {
			t.Fatalf("after the refusal %s = %q (%v), want %q", sel, got, err, want)
		}
	}
	refused, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=conduct-refused]`)))
	if !strings.Contains(refused, "22:00") && !strings.Contains(refused, "quiet") && !strings.Contains(refused, "时段") {
		t.Logf("refusal text: %s", refused)
	}
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contact_refusals WHERE account_id = $1`, id); n != "1" {
		t.Fatalf("%s refusals kept, want 1", n)
	}
	run("a morning call is logged",
		chromedp.SetValue(chromedp.CSS(`#cf-outcome`), "right_party_contact"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=contact-at]`), morning),
		chromedp.SetValue(chromedp.CSS(`[data-testid=contact-note]`), "本人接听，同意下周还款"),
		chromedp.Click(chromedp.CSS(`[data-testid=contact-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-row]`)))
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE account_id = $1`, id); n != "1" {
		t.Fatalf("%s contacts logged, want 1", n)
	}
	due := time.Now().AddDate(0, 0, 5).Format("2006-01-02")
	run("record a promise to pay",
		chromedp.SetValue(chromedp.CSS(`[data-testid=arrangement-form] select[name=kind]`), "promise"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=arrangement-form] input[name=amount]`), "500"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=arrangement-form] input[name=first_due]`), due),
		chromedp.Click(chromedp.CSS(`[data-testid=arrangement-form] button[type=submit]`)))
	waitDone("arrangement_active")
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	run("record the payment that keeps the promise",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=payment-amount]`), "500"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=payment-paid-at]`), today),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=payment-reference]`), "BANK-20261127-01"),
		chromedp.Click(chromedp.CSS(`[data-testid=payment-submit]`)))
	waitDone("payment_reported")
	screenshot(t, ctx, "case-after")
	// Reported by the agency: shown apart from the balance until the lender confirms it.
	if st := h.queryOne(`SELECT status FROM payments WHERE account_id = $1 AND reference = 'BANK-20261127-01'`, id); st != "reported" {
		t.Fatalf("the collector's payment is %s, want reported", st)
	}
	h.confirmReported(id)
	if st := h.queryOne(`SELECT status FROM arrangements WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1`, id); st != "kept" {
		t.Fatalf("after the payment the promise is %s, want kept", st)
	}
}
