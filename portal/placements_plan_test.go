package portal_test

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// planFor commits, as the vendor manager over the API, a capacity_balanced
// plan of the first portfolio that has accounts to place, for one agency.
func planFor(t *testing.T, h *harness, agencyID string) (planID string, total int) {
	t.Helper()
	vm := h.token("vm@demo-bank.test")
	rows, err := h.store.DB().Query(`SELECT id FROM portfolios WHERE lender_id = (SELECT organisation_id FROM users WHERE email = 'vm@demo-bank.test') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, p := range ids {
		res, body := h.do("POST", "/api/v1/allocations", vm, map[string]any{"portfolio_id": p, "strategy": "capacity_balanced",
			"params": map[string]any{"agency_ids": []string{agencyID}}, "seed": 1})
		if res.StatusCode != 201 {
			t.Fatalf("plan: %d %s", res.StatusCode, body)
		}
		var plan struct {
			ID               string `json:"id"`
			AssignmentsTotal int    `json:"assignments_total"`
		}
		mustJSON(t, body, &plan)
		if plan.AssignmentsTotal == 0 {
			continue
		}
		if res, body := h.do("POST", "/api/v1/allocations/"+plan.ID+"/commit", vm, nil); res.StatusCode != 200 {
			t.Fatalf("commit: %d %s", res.StatusCode, body)
		}
		return plan.ID, plan.AssignmentsTotal
	}
	t.Fatal("no portfolio has accounts to place")
	return "", 0
}

// TestAcceptPlanOverHTTP: POST /api/v1/placements/accept|decline with
// {"allocation_id"} acts on every open offer of the plan for the caller's
// agency. Another agency's call changes nothing and answers 404, as its call
// with the offers' ids does; a plan of another lender, not offered to the
// caller, answers 404; a second accept is 409, as it is by id.
func TestAcceptPlanOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		f := addForeignLender(t, h)
		agencyA := h.queryOne(`SELECT organisation_id FROM users WHERE email = 'supervisor@agency-a.test'`)
		// Agency B's user may accept offers too (a supervisor), so only the scope refuses it.
		if _, err := h.store.DB().Exec(`INSERT INTO memberships (user_id, role) SELECT id, 'agency_supervisor' FROM users WHERE email = 'agent@agency-b.test'`); err != nil {
			t.Fatal(err)
		}
		supA, supB := h.token("supervisor@agency-a.test"), h.token("agent@agency-b.test")
		planID, total := planFor(t, h, agencyA)
		offered := func() string {
			return h.queryOne(`SELECT COUNT(*) || '/' || COALESCE(SUM(CASE WHEN status = 'offered' THEN 1 ELSE 0 END), 0) FROM placements WHERE source = $1`, "allocation:"+planID)
		}
		want := fmt.Sprintf("%d/%d", total, total)
		if got := offered(); got != want {
			t.Fatalf("offers %s, want %s", got, want)
		}
		oneOffer := h.queryOne(`SELECT id FROM placements WHERE source = $1 ORDER BY id LIMIT 1`, "allocation:"+planID)
		// Another lender's plan, committed, offered to Agency C only.
		now := time.Now().UTC()
		for _, q := range []string{
			`INSERT INTO allocations (id, lender_id, portfolio_id, strategy, params, seed, status, summary, created_by, created_at, committed_at)
			 VALUES ('other-committed', 'other-bank', 'other-portfolio', 'manual', '{}', 1, 'committed', '{"by_agency":[{"Key":"` + f.agencyC + `","Count":1}]}', 'x', $1, $1)`,
			`INSERT INTO accounts (id, lender_id, portfolio_id, external_ref, debtor_name, national_id, phone, province, principal_cents, balance_cents, due_date, dpd, bucket, created_at, updated_at)
			 VALUES ('other-account-2', 'other-bank', 'other-portfolio', 'OB-2', '外人', '110101199003078515', '13800138000', '北京市', 100000, 90000, '2026-01-01', 40, 'M2', $1, $1)`,
			`INSERT INTO placements (id, account_id, agency_id, lender_id, status, created_at, starts_at, ends_at, source)
			 VALUES ('other-offer', 'other-account-2', '` + f.agencyC + `', 'other-bank', 'offered', $1, $1, $1, 'allocation:other-committed')`,
		} {
			if _, err := h.store.DB().Exec(q, now); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}

		post := func(path, token string, body any, wantStatus int, wantCode string) []byte {
			t.Helper()
			res, b := h.do("POST", path, token, body)
			if res.StatusCode != wantStatus {
				t.Fatalf("POST %s %v: %d %s, want %d", path, body, res.StatusCode, b, wantStatus)
			}
			if wantCode != "" {
				if code := errorCode(t, b); code != wantCode {
					t.Fatalf("POST %s %v: code %s, want %s", path, body, code, wantCode)
				}
			}
			return b
		}
		// Agency B: by plan and by id alike, not found, nothing changes.
		post("/api/v1/placements/accept", supB, map[string]any{"allocation_id": planID}, 404, "not_found")
		post("/api/v1/placements/decline", supB, map[string]any{"allocation_id": planID, "reason": "not ours"}, 404, "not_found")
		post("/api/v1/placements/accept", supB, map[string]any{"ids": []string{oneOffer}}, 404, "not_found")
		// Plans of another lender: a draft, and one offered to another agency.
		post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": f.allocation}, 404, "not_found")
		post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": "other-committed"}, 404, "not_found")
		post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": "no-such-plan"}, 404, "not_found")
		// Ids and a plan at once; recall by plan.
		post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": planID, "ids": []string{oneOffer}}, 422, "invalid")
		post("/api/v1/placements/recall", h.token("vm@demo-bank.test"), map[string]any{"allocation_id": planID, "reason": "x"}, 422, "invalid")
		if got := offered(); got != want {
			t.Fatalf("refused calls changed the offers: %s, want %s", got, want)
		}
		if got := h.queryOne(`SELECT status FROM placements WHERE id = 'other-offer'`); got != "offered" {
			t.Fatalf("the other lender's offer is %s", got)
		}

		// Agency A accepts them all in one call.
		var out struct {
			Updated int `json:"updated"`
		}
		mustJSON(t, post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": planID}, 200, ""), &out)
		if out.Updated != total {
			t.Fatalf("updated %d, want %d", out.Updated, total)
		}
		if got := offered(); got != fmt.Sprintf("%d/0", total) {
			t.Fatalf("after accepting: %s", got)
		}
		// Twice: a conflict, as by id; declining what was accepted too.
		post("/api/v1/placements/accept", supA, map[string]any{"allocation_id": planID}, 409, "conflict")
		post("/api/v1/placements/accept", supA, map[string]any{"ids": []string{oneOffer}}, 409, "conflict")
		post("/api/v1/placements/decline", supA, map[string]any{"allocation_id": planID, "reason": "changed our mind"}, 409, "conflict")
		if got := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action = 'placement.accept' AND object_id = $1`, "allocation:"+planID); got != "1" {
			t.Fatalf("%s audit events for the plan's acceptance, want 1", got)
		}
	})
}

// TestAcceptPlanPage: the placements page offers an agency's supervisor
// "accept all offers of this plan", asks first with the count, and the
// confirmed form accepts them all; a count that changed meanwhile is refused.
func TestAcceptPlanPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agencyA := h.queryOne(`SELECT organisation_id FROM users WHERE email = 'supervisor@agency-a.test'`)
		planID, total := planFor(t, h, agencyA)
		c := h.pageClient(h.token("supervisor@agency-a.test"))
		res, page := c.get(t, h.http.URL+"/placements?status=offered&allocation="+planID)
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="plan-offers"`) || !strings.Contains(page, `data-allocation="`+planID+`"`) {
			t.Fatalf("placements page %d without the plan's bulk actions", res.StatusCode)
		}
		res, page = c.get(t, h.http.URL+"/placements?confirm=accept&allocation="+planID, "Accept-Language", "en")
		if res.StatusCode != 200 || !strings.Contains(page, fmt.Sprintf(`data-testid="plan-confirm" data-count="%d"`, total)) ||
			!strings.Contains(page, fmt.Sprintf("Accept all %d open offers", total)) {
			t.Fatalf("confirmation %d: %s", res.StatusCode, page)
		}
		// Another agency's supervisor asking for the confirmation: not found.
		if _, err := h.store.DB().Exec(`INSERT INTO memberships (user_id, role) SELECT id, 'agency_supervisor' FROM users WHERE email = 'agent@agency-b.test'`); err != nil {
			t.Fatal(err)
		}
		cb := h.pageClient(h.token("agent@agency-b.test"))
		if res, _ := cb.get(t, h.http.URL+"/placements?confirm=accept&allocation="+planID); res.StatusCode != 404 {
			t.Fatalf("another agency's confirmation: %d", res.StatusCode)
		}
		submit := func(expect int) int {
			form := url.Values{"_csrf": {c.csrf}, "action": {"accept_plan"}, "allocation_id": {planID}, "expect": {fmt.Sprint(expect)}}
			res, err := c.PostForm(h.http.URL+"/placements/action", form)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res.StatusCode
		}
		if code := submit(total + 1); code != 409 {
			t.Fatalf("a confirmed count that no longer holds: %d", code)
		}
		if got := h.queryOne(`SELECT COUNT(*) FROM placements WHERE source = $1 AND status = 'offered'`, "allocation:"+planID); got != fmt.Sprint(total) {
			t.Fatalf("the refused form changed the offers: %s left", got)
		}
		if code := submit(total); code != 303 {
			t.Fatalf("the confirmed form: %d", code)
		}
		if got := h.queryOne(`SELECT COUNT(*) FROM placements WHERE source = $1 AND status = 'active'`, "allocation:"+planID); got != fmt.Sprint(total) {
			t.Fatalf("%s accepted, want %d", got, total)
		}
	})
}
