package portal_test

import (
	"html"
	"io"
	"net/http"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// A plan's assignment reasons read in the reader's language on the plan
// page, the nested words (a rule's conditions, a stratum, the share) too;
// the API answers each with its English reason, as before, and its key. A
// plan stored before the reasons were keyed shows its English reasons.
func TestPlanReasonsInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		portfolio := h.queryOne(`SELECT id FROM portfolios ORDER BY id LIMIT 1`)
		plan := func(strategy string, params map[string]any) string {
			t.Helper()
			res, body := h.do("POST", "/api/v1/allocations", vm, map[string]any{"portfolio_id": portfolio, "strategy": strategy, "params": params, "seed": 7})
			var p struct {
				ID    string `json:"id"`
				Total int    `json:"assignments_total"`
			}
			mustJSON(t, body, &p)
			if res.StatusCode != http.StatusCreated || p.Total == 0 {
				t.Fatalf("POST %s plan: %d %s", strategy, res.StatusCode, body)
			}
			return p.ID
		}
		page := func(c pageClient, path string) string {
			t.Helper()
			r, b := c.get(t, h.http.URL+path, "Accept-Language", "zh-CN,zh;q=0.9")
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.StatusCode, b)
			}
			return html.UnescapeString(b)
		}
		zh := h.pageClient(vm)
		en := h.pageClient(vm)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")

		rules := plan("rules", map[string]any{"rules": []map[string]any{{"bucket": "M1", "agency_id": agencyA}}})
		res, body := h.do("GET", "/api/v1/allocations/"+rules+"/assignments", vm, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"reason":"rule 1 (bucket M1) → Agency A"`) ||
			!strings.Contains(string(body), `"reason_key":"err.plan.reason.rule"`) {
			t.Errorf("API: the assignments do not answer the English reason and its key: %d %.600s", res.StatusCode, body)
		}
		got := page(zh, "/allocations/"+rules)
		if !strings.Contains(got, "规则 1（账龄 M1）→ Agency A") || strings.Contains(got, "rule 1 (") || strings.Contains(got, "err.plan.") {
			t.Errorf("the Chinese plan page does not give the rule's reason in Chinese:\n%s", got)
		}
		if got := page(en, "/allocations/"+rules); !strings.Contains(got, "rule 1 (bucket M1) → Agency A") || strings.Contains(got, "规则 1") {
			t.Errorf("the English plan page does not give the rule's reason in English")
		}

		balanced := plan("capacity_balanced", map[string]any{})
		got = page(zh, "/allocations/"+balanced)
		if !strings.Contains(got, "四分位：距其产能份额（") || strings.Contains(got, "furthest behind") || strings.Contains(got, "err.plan.") {
			t.Errorf("the Chinese plan page does not give the strata reasons in Chinese:\n%s", got)
		}
		if got := page(en, "/allocations/"+balanced); !strings.Contains(got, "balance Q") || !strings.Contains(got, ": furthest behind its capacity share (") {
			t.Errorf("the English plan page does not give the strata reasons in English")
		}

		// A plan stored before the reasons were keyed: its English reasons.
		if _, err := h.store.DB().Exec(`UPDATE allocation_assignments SET reason_no = 0 WHERE allocation_id = $1`, balanced); err != nil {
			t.Fatal(err)
		}
		if got := page(zh, "/allocations/"+balanced); !strings.Contains(got, ": furthest behind its capacity share (") {
			t.Errorf("the page does not show an old plan's stored English reasons")
		}
	})
}

// A broken audit chain's reason reads in the reader's language on the
// audit page; the API answers it in English, as before, with its key.
func TestAuditBreakInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		if _, err := h.store.DB().Exec(`UPDATE audit_events SET summary = 'forged' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		res, body := h.do("GET", "/api/v1/audit/verify", h.token("auditor@demo-bank.test"), nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"first_bad":2`) ||
			!strings.Contains(string(body), `"reason":"event content does not match its hash"`) ||
			!strings.Contains(string(body), `"reason_key":"err.audit_chain.content_hash"`) {
			t.Errorf("API: %d %s", res.StatusCode, body)
		}
		verify := func(c pageClient) string {
			t.Helper()
			req, _ := http.NewRequest("POST", h.http.URL+"/audit/verify", nil)
			req.Header.Set("X-CSRF-Token", c.csrf)
			req.Header.Set("HX-Request", "true")
			req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("verify: %d %s", res.StatusCode, b)
			}
			return html.UnescapeString(string(b))
		}
		auditor := h.token("auditor@demo-bank.test")
		if got := verify(h.pageClient(auditor)); !strings.Contains(got, "事件内容与其哈希值不符") || strings.Contains(got, "does not match its hash") {
			t.Errorf("the Chinese audit page does not give the break in Chinese:\n%s", got)
		}
		en := h.pageClient(auditor)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")
		if got := verify(en); !strings.Contains(got, "event content does not match its hash") {
			t.Errorf("the English audit page does not give the break in English:\n%s", got)
		}
	})
}

// A placement the portal ended (its term ran out) says why in the reader's
// language on the placements page; the API keeps the English words.
func TestEndReasonInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		if res, body := h.do("GET", "/api/v1/placements?status=expired", vm, nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"end_reason":"term ended"`) {
			t.Fatalf("API: %d %.400s", res.StatusCode, body)
		}
		_, got := h.pageClient(vm).get(t, h.http.URL+"/placements?status=expired", "Accept-Language", "zh-CN,zh;q=0.9")
		if !strings.Contains(got, "委托期限届满") || strings.Contains(got, "term ended") {
			t.Errorf("the Chinese placements page does not give the end reason in Chinese:\n%s", got)
		}
		en := h.pageClient(vm)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")
		if _, got := en.get(t, h.http.URL+"/placements?status=expired"); !strings.Contains(got, "term ended") {
			t.Errorf("the English placements page does not give the end reason in English")
		}
	})
}

// The scorecard's reasons read in the reader's language on the oversight
// page; the API keeps the English words.
func TestScorecardReasonInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		res, body := h.do("GET", "/api/v1/oversight/scorecards", vm, nil)
		if res.StatusCode != http.StatusOK || !(strings.Contains(string(body), `"reason":"strongest `) || strings.Contains(string(body), `"reason":"no component stands out`)) {
			t.Fatalf("API: %d %.600s", res.StatusCode, body)
		}
		_, got := h.pageClient(vm).get(t, h.http.URL+"/oversight", "Accept-Language", "zh-CN,zh;q=0.9")
		got = html.UnescapeString(got)
		if !(strings.Contains(got, "最强项") || strings.Contains(got, "各项得分相同")) || strings.Contains(got, "strongest ") || strings.Contains(got, "no component stands out") {
			t.Errorf("the Chinese oversight page does not give the scorecard reasons in Chinese:\n%s", got)
		}
	})
}
