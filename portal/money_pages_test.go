package portal_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// postMultipart posts a page form with one file part (the CSRF token first).
func (c pageClient) postMultipart(t *testing.T, u, name string, content []byte, header ...string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res, b.String()
}

// TestMoneyPages walks the money pages as their users do, in both
// languages: the agency uploads a voucher for its report; the vendor
// manager matches a feed (a bad one refused with its rows named), resolves
// an exception and confirms by hand; the agency accepts the invoice and the
// vendor manager approves it; the auditor reads and cannot act.
func TestMoneyPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		base := h.http.URL
		agent := h.token("agent@agency-a.test")
		vm, sup := h.pageClient(h.token("vm@demo-bank.test")), h.pageClient(h.token("supervisor@agency-a.test"))
		auditor := h.pageClient(h.token("auditor@demo-bank.test"))
		en, zh := []string{"Accept-Language", "en"}, []string{"Accept-Language", "zh-CN"}
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		ref := h.queryOne(`SELECT external_ref FROM accounts WHERE id = $1`, acc)
		paid := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		for _, r := range []struct {
			ref   string
			cents int
		}{{"MP-1", 12_300}, {"MP-2", 4_500}} {
			if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": r.cents, "paid_at": paid.Format(time.RFC3339), "reference": r.ref}); res.StatusCode != http.StatusCreated {
				t.Fatalf("report %s: %d %s", r.ref, res.StatusCode, body)
			}
		}
		p1 := h.queryOne(`SELECT id FROM payments WHERE reference = 'MP-1'`)

		res, page := sup.get(t, base+"/reconciliation", zh...)
		if res.StatusCode != 200 || !strings.Contains(page, "待确认的机构报告还款") || !strings.Contains(page, `data-testid="voucher-form"`) || strings.Contains(page, `data-testid="feed-form"`) {
			t.Fatalf("the agency's desk: %d", res.StatusCode)
		}
		res, page = sup.postMultipart(t, base+"/payments/"+p1+"/voucher", "receipt.pdf", []byte("%PDF-1.4\n%%EOF\n"), en...)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/reconciliation?done=voucher_uploaded" {
			t.Fatalf("voucher upload: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, page = sup.postMultipart(t, base+"/payments/"+p1+"/voucher", "x.sh", []byte("#!/bin/sh\nrm -rf /\n"), en...)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="money-error"`) {
			t.Fatalf("a script as a voucher: %d", res.StatusCode)
		}

		res, page = vm.get(t, base+"/reconciliation", en...)
		if res.StatusCode != 200 || !strings.Contains(page, "Reconciliation") || !strings.Contains(page, `data-testid="voucher-link"`) || !strings.Contains(page, `data-testid="feed-form"`) {
			t.Fatalf("the lender's desk: %d", res.StatusCode)
		}
		at := paid.Format(time.RFC3339)
		res, page = vm.postMultipart(t, base+"/reconciliation/feed", "feed.csv", []byte("external_ref,amount,paid_at,reference\nNOPE,1.00,"+at+",X\n"), zh...)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="feed-error"`) || !strings.Contains(page, "第 2 行") {
			t.Fatalf("a bad feed on the page: %d", res.StatusCode)
		}
		feed := "external_ref,amount,paid_at,reference\n" + ref + ",123.00," + at + ",MP-1\n" + ref + ",40.00," + at + ",MP-2\n"
		res, _ = vm.postMultipart(t, base+"/reconciliation/feed", "feed.csv", []byte(feed))
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "confirmed=1") || !strings.Contains(loc, "exceptions=1") {
			t.Fatalf("the feed on the page: %d %s", res.StatusCode, loc)
		}
		res, page = vm.get(t, base+loc, zh...)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="feed-result"`) || !strings.Contains(page, "金额不符") {
			t.Fatalf("after the feed: %d", res.StatusCode)
		}
		exc := h.queryOne(`SELECT id FROM payment_exceptions WHERE reason = 'amount_differs' AND status = 'open'`)
		if res, _ := auditor.qaPost(t, base+"/reconciliation/exceptions/"+exc+"/resolve", url.Values{"action": {"confirm"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the auditor resolving: %d", res.StatusCode)
		}
		res, page = vm.qaPost(t, base+"/reconciliation/exceptions/"+exc+"/resolve", url.Values{"action": {"reject"}}, zh...)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="money-error"`) {
			t.Fatalf("a rejection without a reason: %d", res.StatusCode)
		}
		res, _ = vm.qaPost(t, base+"/reconciliation/exceptions/"+exc+"/resolve", url.Values{"action": {"reject"}, "reason": {"金额与流水不符，已联系机构"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d", res.StatusCode)
		}
		if st := h.queryOne(`SELECT status FROM payments WHERE reference = 'MP-2'`); st != "rejected" {
			t.Fatalf("the rejected report is %s", st)
		}
		res, page = auditor.get(t, base+"/reconciliation", en...)
		if res.StatusCode != 200 || strings.Contains(page, `data-testid="resolve-form"`) || strings.Contains(page, `data-testid="feed-form"`) {
			t.Fatalf("the auditor's desk: %d", res.StatusCode)
		}

		month := paid.In(time.FixedZone("CST", 8*3600)).Format("2006-01")
		res, page = vm.get(t, base+"/invoices?month="+month, en...)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="invoice-row"`) {
			t.Fatalf("invoices: %d", res.StatusCode)
		}
		inv := h.queryOne(`SELECT id FROM invoices WHERE agency_id = $1 AND month = $2`, agencyA, month)
		res, page = sup.get(t, base+"/invoices/"+inv, zh...)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="invoice-accept"`) || !strings.Contains(page, ref) || !strings.Contains(page, "账单") {
			t.Fatalf("the agency's invoice page: %d", res.StatusCode)
		}
		if res, _ := sup.qaPost(t, base+"/invoices/"+inv+"/accept", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d", res.StatusCode)
		}
		if res, _ := vm.qaPost(t, base+"/invoices/"+inv+"/approve", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", res.StatusCode)
		}
		res, page = vm.get(t, base+"/invoices/"+inv, en...)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="invoice-number"`) || strings.Contains(page, `data-testid="invoice-approve"`) {
			t.Fatalf("the approved invoice: %d", res.StatusCode)
		}
		if res, page := sup.qaPost(t, base+"/invoices/"+inv+"/dispute", url.Values{"reason": {"late"}}, en...); res.StatusCode != http.StatusConflict || !strings.Contains(page, "locked") {
			t.Fatalf("disputing an approved invoice: %d", res.StatusCode)
		}
		// The contract carries the attribution rule and the terms, on the page and over the API.
		form := url.Values{"fee_M1": {"12"}, "fee_M2": {"15"}, "term_days": {"90"}, "accept_days": {"5"}, "max_instalments": {"6"},
			"starts_on": {"2026-01-01"}, "ends_on": {"2027-12-31"}, "grace_days": {"4"}, "remittance_due_days": {"10"}, "promise_before_recall": {"true"},
			"commission_terms": {`{"min_per_account_cents":1000,"rebate":5}`}}
		if res, page := vm.qaPost(t, base+"/agencies/"+agencyA+"/contract", form, en...); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "commission_terms") {
			t.Fatalf("terms with an unknown field: %d (not refused naming the terms)", res.StatusCode)
		}
		form.Set("commission_terms", `{"min_per_account_cents":1000,"deductions":[{"code":"conduct_breach","amount_cents":5000,"cap_cents":20000}]}`)
		if res, _ := vm.qaPost(t, base+"/agencies/"+agencyA+"/contract", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save the contract: %d", res.StatusCode)
		}
		res, page = vm.get(t, base+"/agencies/"+agencyA, zh...)
		if res.StatusCode != 200 || !strings.Contains(page, `value="4"`) || !strings.Contains(page, "conduct_breach") || !strings.Contains(page, "宽限天数") {
			t.Fatalf("the contract page: %d", res.StatusCode)
		}
		res, body := h.do("GET", "/api/v1/agencies/"+agencyA, h.token("vm@demo-bank.test"), nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"grace_days":4`) || !strings.Contains(string(body), `"promise_before_recall":true`) ||
			!strings.Contains(string(body), `"min_per_account_cents":1000`) || !strings.Contains(string(body), `"remittance_due_days":10`) {
			t.Fatalf("the contract over the API: %s", body)
		}
		res, page = vm.get(t, base+"/oversight", zh...)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="money-figures"`) || !strings.Contains(page, "各机构资金情况") {
			t.Fatalf("oversight money figures: %d", res.StatusCode)
		}
	})
}
