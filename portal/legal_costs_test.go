package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/portal"
)

// A legal case's costs: recorded over the API and from the account page's
// form once the lender approved the case, refused with the field marked
// when the amount is bad, and shown on the case.
func TestLegalCostsOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	agent, vm, sup := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test"), h.token("supervisor@agency-a.test")
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	res, body := h.do("POST", "/api/v1/accounts/"+acc+"/legal-referrals", agent, map[string]string{"note": "多次承诺未履行"})
	var lc struct{ ID string }
	json.Unmarshal(body, &lc)
	if res.StatusCode != http.StatusCreated || lc.ID == "" {
		t.Fatalf("referral: %d %s", res.StatusCode, body)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	cost := map[string]any{"kind": "court_fee", "amount_cents": 50_000, "incurred_on": today}
	if res, body := h.do("POST", "/api/v1/legal-cases/"+lc.ID+"/costs", sup, cost); res.StatusCode != http.StatusConflict {
		t.Fatalf("a cost before approval: %d %s", res.StatusCode, body)
	}
	if res, body := h.do("POST", "/api/v1/legal-cases/"+lc.ID+"/status", vm, map[string]string{"status": "approved"}); res.StatusCode != http.StatusOK {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	if res, body := h.do("POST", "/api/v1/legal-cases/"+lc.ID+"/costs", agent, cost); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a collector recording a cost: %d %s", res.StatusCode, body)
	}
	if res, body := h.do("POST", "/api/v1/legal-cases/"+lc.ID+"/costs", sup, cost); res.StatusCode != http.StatusCreated {
		t.Fatalf("a cost: %d %s", res.StatusCode, body)
	}

	c := h.pageClient(sup)
	post := func(form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("_csrf", c.csrf)
		res, err := c.PostForm(h.http.URL+"/legal-cases/"+lc.ID+"/costs", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, page := post(url.Values{"kind": {"lawyer_fee"}, "amount": {"三千"}, "incurred_on": {today}, "note": {"发票 0001"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="legal-cost-form"`) {
		t.Fatalf("a bad amount: %d, the account page with the form again: %v", res.StatusCode, strings.Contains(page, "legal-cost-form"))
	}
	// Nothing typed is lost: the form comes back with it.
	for _, want := range []string{`value="三千"`, `value="发票 0001"`, `value="lawyer_fee" selected`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused cost form lacks %s", want)
		}
	}
	res, _ = post(url.Values{"kind": {"lawyer_fee"}, "amount": {"3,000.50"}, "incurred_on": {today}, "note": {"律师费 发票 0001"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=legal_cost") {
		t.Fatalf("a lawyer's fee: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = c.get(t, h.http.URL+"/accounts/"+acc)
	i := strings.Index(page, `data-testid="legal-costs-recorded"`)
	if i < 0 || !strings.Contains(page[i:i+120], "3,500.50") {
		t.Fatalf("the costs recorded on the case: %q", page[max(i, 0):max(i, 0)+120])
	}
}
