package portal_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// Audit summaries carry ids, codes, amounts, dates, statuses and digests of
// free text, never the text nor the debtor's personal data: the platform
// administrator and every auditor read them. A realistic day of casework
// writes notes, reasons, answers and references everywhere; none of them
// reaches a summary.
func TestAuditSummariesHoldNoFreeText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent, vm, sup := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test"), h.token("supervisor@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		other := h.queryOne(`SELECT p.account_id FROM placements p WHERE p.status = 'active' AND p.agency_id = $1 AND p.account_id <> $2
			ORDER BY p.account_id LIMIT 1`, agencyA, acc)
		secrets := map[string]string{}
		secret := func(what string) string {
			s := "秘密-" + what + "-文本"
			secrets[what] = s
			return s
		}
		call := func(method, path, token string, body any) []byte {
			t.Helper()
			res, b := h.do(method, path, token, body)
			if res.StatusCode >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
			return b
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		call("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "letter", "party": "debtor", "outcome": "no_answer", "note": secret("contact")})
		call("POST", "/api/v1/accounts/"+acc+"/arrangements", agent, map[string]any{"kind": "promise", "amount_cents": 5_000,
			"first_due": time.Now().AddDate(0, 0, 7).Format(time.DateOnly), "note": secret("arrangement")})
		call("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": 1_000,
			"paid_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "reference": secret("payment")})
		call("POST", "/api/v1/accounts/"+other+"/verification", agent, map[string]any{"identity_ok": true, "contact_ok": true,
			"amount_ok": true, "dpd_ok": true, "note": secret("verification")})
		var d struct{ ID string }
		json.Unmarshal(call("POST", "/api/v1/accounts/"+other+"/disputes", agent, map[string]string{"reason": secret("dispute")}), &d)
		call("POST", "/api/v1/disputes/"+d.ID+"/resolve", vm, map[string]any{"upheld": false, "resolution": secret("resolution")})
		var lc struct{ ID string }
		json.Unmarshal(call("POST", "/api/v1/accounts/"+acc+"/legal-referrals", agent, map[string]string{"note": secret("legal")}), &lc)
		call("POST", "/api/v1/legal-cases/"+lc.ID+"/status", vm, map[string]string{"status": "approved"})
		call("POST", "/api/v1/legal-cases/"+lc.ID+"/costs", sup, map[string]any{"kind": "court_fee", "amount_cents": 10_000, "incurred_on": today, "note": secret("cost")})
		var cp struct{ ID string }
		json.Unmarshal(call("POST", "/api/v1/complaints", vm, map[string]any{"account_id": acc, "category": "frequent_calls",
			"description": secret("complaint"), "source": "phone"}), &cp)
		call("PATCH", "/api/v1/complaints/"+cp.ID, sup, map[string]any{"agency_response": secret("agency answer")})
		call("PATCH", "/api/v1/complaints/"+cp.ID, vm, map[string]any{"status": "resolved", "root_cause": secret("root cause"), "outcome": "not_upheld"})
		call("POST", "/api/v1/accounts/"+acc+"/unmask", h.token("auditor@demo-bank.test"), map[string]string{"reason": secret("unmask")})
		breach := h.queryOne(`SELECT id FROM breaches ORDER BY id LIMIT 1`)
		call("PATCH", "/api/v1/oversight/breaches/"+breach, vm, map[string]string{"status": "remediated", "remediation": secret("remediation")})
		call("POST", "/api/v1/agencies/"+agencyA+"/evaluations", vm, map[string]any{"kind": "ad_hoc", "period": today[:4], "conduct_score": 80,
			"quality_score": 80, "efficiency_score": 80, "infosec_score": 80, "decision": "renew", "note": secret("evaluation")})
		placement := h.queryOne(`SELECT id FROM placements WHERE account_id = $1 AND status = 'active'`, other)
		call("POST", "/api/v1/placements/"+placement+"/recall", vm, map[string]string{"reason": secret("recall")})

		var personal []string
		for _, col := range []string{"debtor_name", "national_id", "phone"} {
			personal = append(personal, h.queryOne(`SELECT `+col+` FROM accounts WHERE id = $1`, acc), h.queryOne(`SELECT `+col+` FROM accounts WHERE id = $1`, other))
		}
		rows, err := h.store.DB().Query(`SELECT action, summary FROM audit_events`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		digests := 0
		for rows.Next() {
			var action, summary string
			rows.Scan(&action, &summary)
			for what, s := range secrets {
				if strings.Contains(summary, s) {
					t.Errorf("%s: the %s text is in the summary: %s", action, what, summary)
				}
			}
			for _, p := range personal {
				if p != "" && strings.Contains(summary, p) {
					t.Errorf("%s: personal data %q in the summary", action, p)
				}
			}
			digests += strings.Count(summary, "_sha256")
		}
		if digests < len(secrets) {
			t.Fatalf("only %d digests of free text in the trail for %d texts written", digests, len(secrets))
		}
		// The platform administrator's view of the trail holds none of it either.
		admin := call("GET", "/api/v1/audit?per_page=500", h.token("admin@platform.test"), nil)
		for what, s := range secrets {
			if strings.Contains(string(admin), s) {
				t.Errorf("the platform administrator reads the %s text", what)
			}
		}
	})
}

// The platform administrator reads no debtor data anywhere: every page and
// API list it may open holds no debtor's name, ID number or phone.
func TestPlatformAdminSeesNoDebtorData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	admin := h.token("admin@platform.test")
	var personal []string
	rows, err := h.store.DB().Query(`SELECT debtor_name, national_id, phone FROM accounts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, id, ph string
		rows.Scan(&n, &id, &ph)
		personal = append(personal, n, id, ph)
	}
	rows.Close()
	// The people pages show the users' own names; a debtor who happens to
	// share a collector's name (刘洋) is not debtor data shown there.
	staff := h.queryOne(`SELECT COALESCE(STRING_AGG(name, '|'), '') FROM users`)
	page := h.pageClient(admin)
	opened := 0
	for _, r := range h.srv.Routes() {
		if r.Method != "GET" || r.Public || strings.Contains(r.Path, ":") || strings.Contains(r.Path, "*") {
			continue
		}
		var body []byte
		var status int
		if r.Page {
			res, b := page.get(t, h.http.URL+r.Path)
			status, body = res.StatusCode, []byte(b)
		} else {
			res, b := h.do("GET", r.Path, admin, nil)
			status, body = res.StatusCode, b
		}
		if status != 200 {
			continue
		}
		opened++
		for _, p := range personal {
			if p != "" && strings.Contains(string(body), p) && !(r.Object == "people" && strings.Contains(staff, p)) {
				t.Errorf("%s %s shows debtor data %q", r.Method, r.Path, p)
				break
			}
		}
	}
	if opened < 5 {
		t.Fatalf("the platform administrator opened only %d routes: the test proves little", opened)
	}
}
