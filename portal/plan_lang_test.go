package portal_test

import (
	"html"
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
