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
	"collect/portal/demo"
)

// TestBrowserMoneyDesk: the vendor manager opens the reconciliation desk
// of the demo's month (two exceptions, waiting reports), uploads the
// lender's feed through the page, reads the result, rejects an exception
// with a reason, and opens last month's approved invoice; the desk is
// looked at in Chinese and English.
func TestBrowserMoneyDesk(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	base := h.http.URL
	if err := demo.SeedMoney(context.Background(), h.store); err != nil {
		t.Fatal(err)
	}
	ref := h.queryOne(`SELECT a.external_ref FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.reference = 'ICBC-DEMO-0005'`)
	at := h.queryOne(`SELECT paid_on FROM payments WHERE reference = 'ICBC-DEMO-0005'`)
	file := filepath.Join(t.TempDir(), "feed.csv")
	if err := os.WriteFile(file, []byte("external_ref,amount,paid_at,reference\n"+ref+",120.00,"+at+",ICBC-DEMO-0005\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, done := login(t, bctx, base, "vm@demo-bank.test")
	defer done()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			screenshot(t, ctx, "failed-money-"+strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("open the desk in Chinese",
		chromedp.Navigate(base+"/lang/zh?next=/reconciliation"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=exception-row]`)))
	screenshot(t, ctx, "money-desk-zh")
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=exception-row]').length`))
	if n != 2 {
		t.Fatalf("%d exceptions on the desk, want the demo's 2", n)
	}
	run("upload the feed",
		chromedp.Navigate(base+"/lang/en?next=/reconciliation"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=feed-form]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=feed-file]`), []string{file}),
		chromedp.Click(chromedp.CSS(`[data-testid=feed-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=feed-result]`)))
	confirmed, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=feed-confirmed]`)))
	if !strings.HasPrefix(strings.TrimSpace(confirmed), "1 ") {
		t.Fatalf("the feed's result says %q, want 1 report confirmed", confirmed)
	}
	screenshot(t, ctx, "money-desk-en")
	if st := h.queryOne(`SELECT status FROM payments WHERE reference = 'ICBC-DEMO-0005'`); st != "confirmed" {
		t.Fatalf("the matched report is %s", st)
	}
	run("reject an exception with a reason",
		chromedp.SetValue(chromedp.CSS(`[data-testid=resolve-action]`), "reject"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=resolve-reason]`), "no such transfer in our books"),
		chromedp.Click(chromedp.CSS(`[data-testid=resolve-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=money-done]`)))
	if n := h.queryOne(`SELECT COUNT(*) FROM payment_exceptions WHERE status = 'open'`); n != "1" {
		t.Fatalf("%s exceptions open after one was rejected", n)
	}
	month := time.Now().In(time.FixedZone("CST", 8*3600))
	last := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	run("open last month's approved invoice",
		chromedp.Navigate(base+"/invoices?month="+last),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-row] a`)),
		chromedp.Click(chromedp.CSS(`[data-testid=invoice-row] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-lines]`)))
	screenshot(t, ctx, "money-invoice-en")
	run("the invoice in Chinese", chromedp.Navigate(base+"/lang/zh?next=/invoices?month="+last),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-row]`)))
	screenshot(t, ctx, "money-invoices-zh")
}
