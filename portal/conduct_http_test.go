package portal_test

import (
	"collect"
	"net/http"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// TestConductContractOverHTTP drives API.md's conduct endpoints as a
// dialer and a collector would: a US portfolio imported under Reg F, the
// account's conduct fields, a request and a hold with their refusals, the
// contact permission, a third party without number or relation, and the
// 404 an outsider gets.
func TestConductContractOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm, agent, other := h.token("vm@demo-bank.test"), h.token("agent@agency-a.test"), h.token("agent@agency-b.test")
		due := time.Now().UTC().AddDate(0, 0, -40).Format(time.DateOnly)
		csv := "external_ref,debtor_name,ssn_last4,phone,state,zip,principal,balance,currency,due_date,dpd\n" +
			"HTTP-US-1,Sam Poe,4321,(305) 555-0142,FL,33101,900.00,900.00,USD," + due + ",40\n" +
			"HTTP-US-2,Lee Moe,0000,12345,ZZ,1,900.00,900.00,CNY," + due + ",40\n"
		res, body := h.postFile(vm, "us.csv", strings.NewReader(csv), map[string]string{"name": "US", "conduct_profile": "us_regf", "partial": "true"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("import: %d %s", res.StatusCode, body)
		}
		var imp struct {
			Accepted, Rejected int
			Errors             []struct {
				Line           int
				Field, Message string
			}
		}
		mustJSON(t, body, &imp)
		fields := map[string]bool{}
		for _, e := range imp.Errors {
			fields[e.Field] = true
		}
		if imp.Accepted != 1 || imp.Rejected != 1 || !fields["ssn_last4"] || !fields["phone"] || !fields["state"] || !fields["currency"] {
			t.Fatalf("import %+v: want the bad US row rejected naming ssn_last4, phone, state and currency", imp)
		}
		if res, body := h.postFile(vm, "us.csv", strings.NewReader(csv), map[string]string{"name": "US", "conduct_profile": "mars"}); res.StatusCode != 422 {
			t.Fatalf("an unknown conduct_profile: %d %s", res.StatusCode, body)
		}
		id := h.queryOne(`SELECT id FROM accounts WHERE external_ref = 'HTTP-US-1'`)
		res, body = h.do("GET", "/api/v1/accounts/"+id, vm, nil)
		var acc struct {
			ConductProfile string   `json:"conduct_profile"`
			TimeZones      []string `json:"time_zones"`
			DebtorID       string   `json:"debtor_id"`
			Requests       []any    `json:"requests"`
			Holds          []any    `json:"holds"`
		}
		mustJSON(t, body, &acc)
		if res.StatusCode != 200 || acc.ConductProfile != "us_regf" || len(acc.TimeZones) == 0 || acc.TimeZones[0] != "America/New_York" ||
			acc.DebtorID == "" || acc.Requests == nil || acc.Holds == nil {
			t.Fatalf("account: %d %s", res.StatusCode, body)
		}

		// A China account of Agency A: a request, the permission, a hold.
		cn := h.verifiedAccount(h.queryOne(`SELECT id FROM organisations WHERE name_en = 'Agency A' OR name = 'Agency A' LIMIT 1`))
		res, body = h.do("POST", "/api/v1/accounts/"+cn+"/requests", agent, map[string]any{"kind": "channel_opt_out", "channel": "sms", "note": "asked on the phone"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("request: %d %s", res.StatusCode, body)
		}
		var req struct{ ID string }
		mustJSON(t, body, &req)
		res, body = h.do("GET", "/api/v1/accounts/"+cn+"/contact-permission?channel=sms&party=debtor", agent, nil)
		var perm struct {
			Allowed    bool `json:"allowed"`
			Violations []struct {
				Rule, Message string
			} `json:"violations"`
			CallsLeftToday *int       `json:"calls_left_today"`
			AttemptsLeft7d *int       `json:"attempts_left_7d"`
			NextAllowedAt  *time.Time `json:"next_allowed_at"`
		}
		mustJSON(t, body, &perm)
		found := false
		for _, v := range perm.Violations {
			found = found || v.Rule == "request.channel_opt_out" && v.Message != ""
		}
		if res.StatusCode != 200 || perm.Allowed || !found || perm.CallsLeftToday == nil || perm.AttemptsLeft7d != nil {
			t.Fatalf("permission after an SMS opt-out: %d %s", res.StatusCode, body)
		}
		// at with its offset unescaped ("+" arrives as a space): 23:00 in Beijing is quiet.
		res, body = h.do("GET", "/api/v1/accounts/"+cn+"/contact-permission?channel=call&party=debtor&at="+
			time.Now().In(collect.China).Format("2006-01-02")+"T23:00:00+08:00", agent, nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"cn.quiet_hours"`) || !strings.Contains(string(body), `"next_allowed_at":"`) {
			t.Fatalf("permission at 23:00 Beijing: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("GET", "/api/v1/accounts/"+cn+"/contact-permission?channel=fax", agent, nil); res.StatusCode != 422 {
			t.Fatalf("a bad channel: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("DELETE", "/api/v1/accounts/"+cn+"/requests/"+req.ID, agent, map[string]string{"reason": "debtor withdrew it"}); res.StatusCode != 200 {
			t.Fatalf("ending the request: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/accounts/"+cn+"/holds", agent, map[string]any{"kind": "unemployment", "consent": true,
			"until": time.Now().AddDate(0, 0, 30).Format(time.DateOnly), "note": "lost job"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("hold: %d %s", res.StatusCode, body)
		}
		var hold struct{ ID string }
		mustJSON(t, body, &hold)
		res, body = h.do("POST", "/api/v1/accounts/"+cn+"/contacts", agent, map[string]any{"channel": "letter", "party": "debtor", "outcome": "other"})
		if res.StatusCode != 422 || !strings.Contains(string(body), "care_hold") {
			t.Fatalf("a letter during the hold: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/holds/"+hold.ID+"/lift", other, map[string]string{"reason": "x"}); res.StatusCode != 404 {
			t.Fatalf("another agency lifting the hold: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/holds/"+hold.ID+"/lift", vm, map[string]string{"reason": "back at work"}); res.StatusCode != 200 {
			t.Fatalf("the lender lifting the hold: %d %s", res.StatusCode, body)
		}
		// A third party must be named.
		res, body = h.do("POST", "/api/v1/accounts/"+cn+"/contacts", agent, map[string]any{"channel": "call", "party": "third_party", "outcome": "no_answer"})
		if res.StatusCode != 422 || !strings.Contains(string(body), "party_phone") || !strings.Contains(string(body), "party_relation") {
			t.Fatalf("a third party without number and relation: %d %s", res.StatusCode, body)
		}
		// Outsiders get 404.
		for _, path := range []string{"/api/v1/accounts/" + cn + "/contact-permission", "/api/v1/accounts/" + id} {
			if res, _ := h.do("GET", path, other, nil); res.StatusCode != 404 {
				t.Errorf("GET %s as another agency: %d, want 404", path, res.StatusCode)
			}
		}
		if res, _ := h.do("POST", "/api/v1/accounts/"+cn+"/requests", other, map[string]any{"kind": "cease"}); res.StatusCode != 404 {
			t.Errorf("a request by another agency: %d, want 404", res.StatusCode)
		}
	})
}
