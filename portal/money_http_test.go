package portal_test

import (
	"bytes"
	"collect"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"

	"github.com/xuri/excelize/v2"
)

// confirmReported has the demo lender's vendor manager confirm, over the
// API, every payment still reported on the account: what the lender's feed
// or a lender user does before an agency's payment counts.
func (h *harness) confirmReported(accountID string) {
	h.t.Helper()
	vm := h.token("vm@demo-bank.test")
	res, body := h.do("GET", "/api/v1/payments?status=reported&account="+accountID, vm, nil)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("reported payments: %d %s", res.StatusCode, body)
	}
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	mustJSON(h.t, body, &list)
	if len(list.Items) == 0 {
		h.t.Fatalf("no reported payment on %s to confirm", accountID)
	}
	for _, p := range list.Items {
		res, body := h.do("POST", fmt.Sprintf("/api/v1/payments/%s/confirm", p.ID), vm, nil)
		if res.StatusCode != http.StatusOK {
			h.t.Fatalf("confirm %s: %d %s", p.ID, res.StatusCode, body)
		}
	}
}

// postFeed posts a payment feed as a multipart upload.
func (h *harness) postFeed(token, name string, content []byte) (*http.Response, []byte) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return h.doRaw("POST", "/api/v1/payments/import", token, mw.FormDataContentType(), &buf)
}

// postVoucher uploads a voucher file to a payment.
func (h *harness) postVoucher(token, paymentID, name string, content []byte) (*http.Response, []byte) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return h.doRaw("POST", "/api/v1/payments/"+paymentID+"/voucher", token, mw.FormDataContentType(), &buf)
}

func (h *harness) doRaw(method, path, token, contentType string, body io.Reader) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.http.URL+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type paymentAnswer struct {
	ID              string `json:"id"`
	Source          string `json:"source"`
	Status          string `json:"status"`
	Channel         string `json:"channel"`
	AmountCents     int64  `json:"amount_cents"`
	BalanceCents    int64  `json:"balance_cents"`
	ReportedCents   int64  `json:"reported_cents"`
	CommissionCents int64  `json:"commission_cents"`
	VoucherID       string `json:"voucher_id"`
}

type invoiceAnswer struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	Month  string `json:"month"`
	Lines  []struct {
		ID              string `json:"id"`
		PaymentID       string `json:"payment_id"`
		CommissionCents int64  `json:"commission_cents"`
		ExternalRef     string `json:"external_ref"`
		Explanation     struct {
			RateBP int `json:"rate_bp"`
		} `json:"explanation"`
	} `json:"lines"`
	Adjustments []struct {
		AmountCents int64 `json:"amount_cents"`
	} `json:"adjustments"`
	CommissionCents     int64 `json:"commission_cents"`
	AdjustmentsCents    int64 `json:"adjustments_cents"`
	RemittanceOwedCents int64 `json:"remittance_owed_cents"`
	TotalCents          int64 `json:"total_cents"`
}

// TestMoneyOverHTTP drives API.md's "Money" as an agency and a lender's
// finance team would: reports that earn nothing until confirmed, a
// voucher, the lender's feed confirming one report, creating a lender
// payment and queueing an exception (a bad feed applying nothing), the
// exception resolved, and the month's invoice accepted by the agency,
// approved by the vendor manager and locked; outsiders get 404.
func TestMoneyOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		// A supervisor of Agency B, who reads money of its own and none of Agency A's.
		for _, q := range []string{
			`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at)
			 SELECT 'sup-b', organisation_id, 'supervisor@agency-b.test', 'B', password_hash, created_at FROM users WHERE email = 'agent@agency-b.test'`,
			`INSERT INTO memberships (user_id, role) VALUES ('sup-b', 'agency_supervisor')`,
		} {
			if _, err := h.store.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		vm, agent, sup, other, otherSup := h.token("vm@demo-bank.test"), h.token("agent@agency-a.test"),
			h.token("supervisor@agency-a.test"), h.token("agent@agency-b.test"), h.token("supervisor@agency-b.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		var accs [3]string
		var refs [3]string
		for i := range accs {
			accs[i] = h.queryOne(`SELECT p.account_id FROM placements p JOIN accounts a ON a.id = p.account_id
				WHERE p.status = 'active' AND p.agency_id = $1 AND p.fee_rate_bp > 0 AND a.balance_cents > 100000 ORDER BY a.id LIMIT 1 OFFSET `+fmt.Sprint(i), agencyA)
			refs[i] = h.queryOne(`SELECT external_ref FROM accounts WHERE id = $1`, accs[i])
		}
		balance := func(id string) string { return h.queryOne(`SELECT balance_cents FROM accounts WHERE id = $1`, id) }
		before0 := balance(accs[0])
		paid := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)

		// The agency reports: reported, apart from the balance, no commission.
		report := func(acc, ref string, cents int64) paymentAnswer {
			res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": cents, "paid_at": paid.Format(time.RFC3339), "reference": ref})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("report: %d %s", res.StatusCode, body)
			}
			var p paymentAnswer
			mustJSON(t, body, &p)
			return p
		}
		p1 := report(accs[0], "BANK-HTTP-1", 10_000)
		if p1.Source != "agency" || p1.Status != "reported" || p1.Channel != "agency_reported_direct" || p1.CommissionCents != 0 || p1.ReportedCents != 10_000 || fmt.Sprint(p1.BalanceCents) != before0 {
			t.Fatalf("a reported payment: %+v (balance before %s)", p1, before0)
		}
		if balance(accs[0]) != before0 {
			t.Fatal("a report moved the balance")
		}
		p2 := report(accs[1], "BANK-HTTP-2", 20_000)
		var acc struct {
			BalanceCents  int64 `json:"balance_cents"`
			ReportedCents int64 `json:"reported_cents"`
		}
		res, body := h.do("GET", "/api/v1/accounts/"+accs[1], agent, nil)
		mustJSON(t, body, &acc)
		if res.StatusCode != 200 || acc.ReportedCents != 20_000 {
			t.Fatalf("the account shows reported money apart: %d %s", res.StatusCode, body)
		}

		// A voucher: a PDF kept under its hash; another agency gets 404; a program is refused.
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		if res, body := h.postVoucher(other, p1.ID, "r.pdf", pdf); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another agency's voucher: %d %s", res.StatusCode, body)
		}
		if res, body := h.postVoucher(agent, p1.ID, "r.exe", []byte("MZ\x90\x00\x03\x00\x00\x00")); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a program as a voucher: %d %s", res.StatusCode, body)
		}
		res, body = h.postVoucher(agent, p1.ID, "receipt.pdf", pdf)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("voucher: %d %s", res.StatusCode, body)
		}
		var att struct{ ID, SHA256 string }
		mustJSON(t, body, &att)
		res, body = h.do("GET", "/api/v1/payments/"+p1.ID, vm, nil)
		var got paymentAnswer
		mustJSON(t, body, &got)
		if res.StatusCode != 200 || got.VoucherID != att.ID || att.SHA256 == "" {
			t.Fatalf("the payment names its voucher: %s (attachment %+v)", body, att)
		}
		for _, tok := range []string{other, otherSup} {
			if res, _ := h.do("GET", "/api/v1/payments/"+p1.ID, tok, nil); res.StatusCode != http.StatusNotFound {
				t.Fatalf("another agency reads the payment: %d", res.StatusCode)
			}
		}

		// A feed with a bad row applies nothing and names the row.
		at := paid.Format(time.RFC3339)
		bad := "external_ref,amount,paid_at,reference\n" + refs[0] + ",100.00," + at + ",BANK-HTTP-1\n" + "NOPE,1.00," + at + ",X\n"
		res, body = h.postFeed(vm, "feed.csv", []byte(bad))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"line":3`) {
			t.Fatalf("a bad feed: %d %s", res.StatusCode, body)
		}
		if h.queryOne(`SELECT status FROM payments WHERE id = $1`, p1.ID) != "reported" {
			t.Fatal("a refused feed confirmed a report")
		}
		// The feed: p1 matches, p2's amount differs, the third account's row is the lender's own.
		feed := "external_ref,amount,paid_at,reference\n" +
			refs[0] + ",100.00," + at + ",BANK-HTTP-1\n" +
			refs[1] + ",150.00," + at + ",BANK-HTTP-2\n" +
			refs[2] + ",30.00," + at + ",BANK-HTTP-3\n"
		res, body = h.postFeed(vm, "feed.csv", []byte(feed))
		var counts struct{ Confirmed, Created, Exceptions int }
		mustJSON(t, body, &counts)
		if res.StatusCode != 200 || counts.Confirmed != 1 || counts.Created != 1 || counts.Exceptions != 1 {
			t.Fatalf("feed: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/payments/"+p1.ID, agent, nil)
		mustJSON(t, body, &got)
		if got.Status != "confirmed" || got.CommissionCents <= 0 || fmt.Sprint(got.BalanceCents+10_000) != before0 || got.ReportedCents != 0 {
			t.Fatalf("the matched report: %s", body)
		}
		// The same feed again: nothing is confirmed or created twice.
		res, body = h.postFeed(vm, "feed.csv", []byte(feed))
		mustJSON(t, body, &counts)
		if res.StatusCode != 200 || counts.Confirmed != 0 || counts.Created != 0 {
			t.Fatalf("the feed again: %d %s", res.StatusCode, body)
		}
		if balance(accs[0]) != fmt.Sprint(p1.BalanceCents-10_000) {
			t.Fatalf("balance after the feed twice: %s", balance(accs[0]))
		}

		// The exception queue: the lender sees p2's; the other agency sees nothing of it.
		res, body = h.do("GET", "/api/v1/reconciliation/exceptions", vm, nil)
		var q struct {
			Items []struct {
				ID        string `json:"id"`
				Reason    string `json:"reason"`
				PaymentID string `json:"payment_id"`
			} `json:"items"`
		}
		mustJSON(t, body, &q)
		var exc string
		for _, e := range q.Items {
			if e.PaymentID == p2.ID && e.Reason == "amount_differs" {
				exc = e.ID
			}
		}
		if res.StatusCode != 200 || exc == "" {
			t.Fatalf("exceptions: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/reconciliation/exceptions", otherSup, nil)
		if res.StatusCode != 200 || strings.Contains(string(body), exc) {
			t.Fatalf("another agency sees the exception: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/reconciliation/exceptions/"+exc+"/resolve", sup, map[string]any{"action": "confirm"}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the agency resolving: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/reconciliation/exceptions/"+exc+"/resolve", vm, map[string]any{"action": "reject"}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a rejection without a reason: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/reconciliation/exceptions/"+exc+"/resolve", vm, map[string]any{"action": "confirm", "reason": "bank fee"}); res.StatusCode != http.StatusOK {
			t.Fatalf("resolve: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("POST", "/api/v1/reconciliation/exceptions/"+exc+"/resolve", vm, map[string]any{"action": "confirm"}); res.StatusCode != http.StatusConflict {
			t.Fatalf("resolving twice: %d", res.StatusCode)
		}
		if amt := h.queryOne(`SELECT amount_cents FROM payments WHERE id = $1 AND status = 'confirmed'`, p2.ID); amt != "15000" {
			t.Fatalf("p2 confirmed at the feed's amount: %q", amt)
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action = 'reconciliation.resolve'`); n != "1" {
			t.Fatalf("resolutions audited: %s", n)
		}

		// A feed row reusing p1's reference on another account: the lender splits it over two accounts.
		b1, b2 := balance(accs[1]), balance(accs[2])
		res, body = h.postFeed(vm, "feed.csv", []byte("external_ref,amount,paid_at,reference\n"+refs[2]+",40.00,"+at+",BANK-HTTP-1\n"))
		mustJSON(t, body, &counts)
		if res.StatusCode != 200 || counts.Exceptions != 1 || counts.Created != 0 {
			t.Fatalf("a reused reference: %d %s", res.StatusCode, body)
		}
		reused := h.queryOne(`SELECT id FROM payment_exceptions WHERE reason = 'reference_reused' AND status = 'open'`)
		split := func(a, b int64) (*http.Response, []byte) {
			return h.do("POST", "/api/v1/reconciliation/exceptions/"+reused+"/resolve", vm, map[string]any{"action": "split", "reason": "two loans of one debtor",
				"splits": []map[string]any{{"account_id": accs[2], "amount_cents": a}, {"account_id": accs[1], "amount_cents": b}}})
		}
		if res, body := split(2_500, 1_000); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "splits") {
			t.Fatalf("parts not summing to the amount: %d %s", res.StatusCode, body)
		}
		if res, body := split(2_500, 1_500); res.StatusCode != http.StatusOK {
			t.Fatalf("split: %d %s", res.StatusCode, body)
		}
		if a, b := balance(accs[2]), balance(accs[1]); fmt.Sprint(mustInt(t, b2)-2_500) != a || fmt.Sprint(mustInt(t, b1)-1_500) != b {
			t.Fatalf("balances after the split: %s (was %s), %s (was %s)", a, b2, b, b1)
		}

		// The month's invoice: both confirmed reports are lines; sums to the cent.
		month := paid.Format("2006-01")
		res, body = h.do("GET", "/api/v1/invoices?month="+month+"&agency="+agencyA, vm, nil)
		var list struct {
			Items []invoiceAnswer `json:"items"`
		}
		mustJSON(t, body, &list)
		if res.StatusCode != 200 || len(list.Items) != 1 {
			t.Fatalf("invoices: %d %s", res.StatusCode, body)
		}
		id := list.Items[0].ID
		res, body = h.do("GET", "/api/v1/invoices/"+id, sup, nil)
		var inv invoiceAnswer
		mustJSON(t, body, &inv)
		var sum int64
		lines := map[string]bool{}
		for _, l := range inv.Lines {
			sum += l.CommissionCents
			lines[l.PaymentID] = true
		}
		var adj int64
		for _, a := range inv.Adjustments {
			adj += a.AmountCents
		}
		if res.StatusCode != 200 || inv.Status != "draft" || !lines[p1.ID] || !lines[p2.ID] || sum != inv.CommissionCents ||
			inv.TotalCents != sum+adj-inv.RemittanceOwedCents || adj != inv.AdjustmentsCents {
			t.Fatalf("invoice: %d %s", res.StatusCode, body)
		}
		for _, tok := range []string{other, otherSup} {
			if res, _ := h.do("GET", "/api/v1/invoices/"+id, tok, nil); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
				t.Fatalf("another agency reads the invoice: %d", res.StatusCode)
			}
		}
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/accept", sup, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("accept: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/invoices/"+id+"/approve", vm, nil)
		mustJSON(t, body, &inv)
		if res.StatusCode != http.StatusOK || inv.Status != "approved" || !strings.HasPrefix(inv.Number, "INV-") {
			t.Fatalf("approve: %d %s", res.StatusCode, body)
		}
		for _, c := range []struct{ path, tok string }{{"/approve", vm}, {"/accept", sup}, {"/dispute", sup}} {
			if res, body := h.do("POST", "/api/v1/invoices/"+id+c.path, c.tok, map[string]any{"reason": "late"}); res.StatusCode != http.StatusConflict {
				t.Fatalf("%s on an approved invoice: %d %s", c.path, res.StatusCode, body)
			}
		}
		// A payment confirmed after approval goes on next month's invoice; this one stays as approved.
		total := inv.TotalCents
		p4 := report(accs[2], "BANK-HTTP-4", 5_000)
		if res, body := h.do("POST", "/api/v1/payments/"+p4.ID+"/confirm", vm, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm by hand: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/invoices/"+id, vm, nil)
		mustJSON(t, body, &inv)
		if inv.TotalCents != total || inv.Status != "approved" {
			t.Fatalf("the approved invoice changed: %s", body)
		}
		if on := h.queryOne(`SELECT invoice_id FROM commissions WHERE payment_id = $1`, p4.ID); on == id {
			t.Fatalf("a late commission landed on the approved invoice")
		}
		nextMonth := paid.AddDate(0, 1, 0).Format("2006-01")
		res, body = h.do("GET", "/api/v1/invoices?month="+nextMonth+"&agency="+agencyA, vm, nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"draft"`) {
			t.Fatalf("next month's draft: %d %s", res.StatusCode, body)
		}
		if on := h.queryOne(`SELECT i.month FROM commissions c JOIN invoices i ON i.id = c.invoice_id WHERE c.payment_id = $1`, p4.ID); on != nextMonth {
			t.Fatalf("the late commission is on %q, want next month's invoice %s", on, nextMonth)
		}
		// A correction of the approved invoice goes on next month's as an adjustment.
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/adjustments", sup, map[string]any{"amount_cents": -500, "reason": "x"}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the agency adjusting: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/adjustments", vm, map[string]any{"amount_cents": -500}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a correction without a reason: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/adjustments", vm, map[string]any{"amount_cents": -500, "reason": "p1 was a bank reversal"}); res.StatusCode != http.StatusCreated {
			t.Fatalf("correct the approved invoice: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/invoices/"+id, vm, nil)
		mustJSON(t, body, &inv)
		if inv.TotalCents != total {
			t.Fatalf("the correction changed the approved invoice: %s", body)
		}
		nextID := h.queryOne(`SELECT id FROM invoices WHERE agency_id = $1 AND month = $2`, agencyA, nextMonth)
		res, body = h.do("GET", "/api/v1/invoices/"+nextID, vm, nil)
		var next invoiceAnswer
		mustJSON(t, body, &next)
		if res.StatusCode != 200 || next.AdjustmentsCents != -500 || !strings.Contains(string(body), `"from_invoice":"`+inv.Number+`"`) {
			t.Fatalf("next month's invoice carries the correction: %s", body)
		}

		for _, f := range []string{"csv", "xlsx"} {
			res, body := h.do("GET", "/api/v1/invoices/"+id+"/export."+f, vm, nil)
			if res.StatusCode != 200 || len(body) < 50 {
				t.Fatalf("export %s: %d", f, res.StatusCode)
			}
			if f == "csv" && (!strings.Contains(string(body), inv.Number) || !strings.Contains(string(body), refs[0])) {
				t.Fatalf("the CSV lacks the number or a line:\n%s", body)
			}
		}
	})
}

type moneyFigures struct {
	AgencyID    string `json:"agency_id"`
	Unconfirmed struct {
		Count int64 `json:"count"`
		Cents int64 `json:"cents"`
	} `json:"unconfirmed"`
	Remittance struct {
		Outstanding int64 `json:"outstanding_cents"`
		Overdue     int64 `json:"overdue_cents"`
	} `json:"remittance"`
}

// TestRemittanceOverHTTP: money the agency collected itself is reported
// as agency_collected, counts as unconfirmed until the lender confirms it,
// then as remittance the agency owes, netted on its invoice; once the
// invoice is approved nothing is outstanding.
func TestRemittanceOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm, agent, sup := h.token("vm@demo-bank.test"), h.token("agent@agency-a.test"), h.token("supervisor@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		figures := func() moneyFigures {
			res, body := h.do("GET", "/api/v1/oversight/money", vm, nil)
			var out struct {
				Items []moneyFigures `json:"items"`
			}
			mustJSON(t, body, &out)
			for _, it := range out.Items {
				if it.AgencyID == agencyA && res.StatusCode == 200 {
					return it
				}
			}
			t.Fatalf("no money figures for Agency A: %d %s", res.StatusCode, body)
			return moneyFigures{}
		}
		before := figures()
		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": 5_000,
			"paid_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "channel": "agency_collected", "voucher_ref": "cash receipt 7"})
		var p paymentAnswer
		mustJSON(t, body, &p)
		if res.StatusCode != http.StatusCreated || p.Channel != "agency_collected" || p.Status != "reported" {
			t.Fatalf("collected: %d %s", res.StatusCode, body)
		}
		if f := figures(); f.Unconfirmed.Count != before.Unconfirmed.Count+1 || f.Unconfirmed.Cents != before.Unconfirmed.Cents+5_000 {
			t.Fatalf("unconfirmed %+v, before %+v", f.Unconfirmed, before.Unconfirmed)
		}
		if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": 1, "paid_at": time.Now().UTC().Format(time.RFC3339), "channel": "cash"}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown channel: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/payments/"+p.ID+"/confirm", vm, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d %s", res.StatusCode, body)
		}
		if f := figures(); f.Remittance.Outstanding != before.Remittance.Outstanding+5_000 {
			t.Fatalf("remittance outstanding %d, before %d", f.Remittance.Outstanding, before.Remittance.Outstanding)
		}
		month := time.Now().Add(-time.Hour).In(collect.China).Format("2006-01")
		res, body = h.do("GET", "/api/v1/invoices?month="+month+"&agency="+agencyA, vm, nil)
		var list struct {
			Items []invoiceAnswer `json:"items"`
		}
		mustJSON(t, body, &list)
		if res.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].RemittanceOwedCents < 5_000 ||
			list.Items[0].TotalCents != list.Items[0].CommissionCents+list.Items[0].AdjustmentsCents-list.Items[0].RemittanceOwedCents {
			t.Fatalf("the invoice nets the remittance: %d %s", res.StatusCode, body)
		}
		id := list.Items[0].ID
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/dispute", sup, map[string]any{}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a dispute with no reason nor line: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/dispute", sup, map[string]any{"reason": "a payment of 3 Dec is missing"}); res.StatusCode != http.StatusOK {
			t.Fatalf("dispute: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/invoices/"+id+"/approve", vm, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("approve a disputed invoice (the vendor manager's ruling): %d %s", res.StatusCode, body)
		}
		if f := figures(); f.Remittance.Outstanding != 0 {
			t.Fatalf("remittance outstanding after approval: %d", f.Remittance.Outstanding)
		}
	})
}

// TestFeedXLSXOverHTTP: the lender's feed as an XLSX workbook matches as the
// CSV does; a workbook with a bad amount applies nothing.
func TestFeedXLSXOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm, agent := h.token("vm@demo-bank.test"), h.token("agent@agency-a.test")
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	ref := h.queryOne(`SELECT external_ref FROM accounts WHERE id = $1`, acc)
	paid := time.Now().Add(-time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": 7_700, "paid_at": paid, "reference": "XLSX-1"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", res.StatusCode, body)
	}
	book := func(amount string) []byte {
		f := excelize.NewFile()
		defer f.Close()
		for i, row := range [][]any{{"external_ref", "amount", "paid_at", "reference"}, {ref, amount, paid, "XLSX-1"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if res, body := h.postFeed(vm, "feed.xlsx", book("seventy-seven")); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"amount"`) {
		t.Fatalf("a bad workbook: %d %s", res.StatusCode, body)
	}
	res, body := h.postFeed(vm, "feed.xlsx", book("77.00"))
	var counts struct{ Confirmed, Created, Exceptions int }
	mustJSON(t, body, &counts)
	if res.StatusCode != 200 || counts.Confirmed != 1 || counts.Created != 0 || counts.Exceptions != 0 {
		t.Fatalf("the workbook: %d %s", res.StatusCode, body)
	}
}
