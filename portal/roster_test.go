package portal_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/portal"
	"collect/portal/store/storetest"
)

func rosterDay(years, days int) string {
	return casework.RosterDay(time.Now()).AddDate(years, 0, days).Format(time.DateOnly)
}

func TestRosterAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		f := addForeignLender(t, h)
		sup := h.token("supervisor@agency-a.test")
		agent := h.token("agent@agency-a.test")
		agentB := h.token("agent@agency-b.test")
		vm := h.token("vm@demo-bank.test")
		agentID := h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-a.test'`)
		agentBID := h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-b.test'`)
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		good := map[string]string{"staff_no": "A-100", "verified_on": rosterDay(-1, -30), "nda_signed_on": rosterDay(-1, -30),
			"trained_on": rosterDay(0, -10), "exam_passed_on": rosterDay(0, -10)}

		t.Run("SupervisorWritesOwnAgency", func(t *testing.T) {
			res, body := h.do("PUT", "/api/v1/roster/"+agentID, sup, good)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"compliant"`) || !strings.Contains(string(body), `"staff_no":"A-100"`) {
				t.Fatalf("put: %d %s", res.StatusCode, body)
			}
		})
		t.Run("AnotherAgencysSupervisor404", func(t *testing.T) {
			res, body := h.do("PUT", "/api/v1/roster/"+agentBID, sup, good)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("A's supervisor on B's collector: %d %s", res.StatusCode, body)
			}
			res, _ = h.do("PUT", "/api/v1/roster/other-collector", sup, good)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("A's supervisor on C's collector: %d", res.StatusCode)
			}
		})
		t.Run("CollectorMayNotWrite", func(t *testing.T) {
			if res, _ := h.do("PUT", "/api/v1/roster/"+agentID, agent, good); res.StatusCode != http.StatusForbidden {
				t.Fatalf("a collector writing the roster: %d", res.StatusCode)
			}
		})
		t.Run("BadInput", func(t *testing.T) {
			bad := map[string]string{"staff_no": "", "verified_on": "03/12/2026", "trained_on": rosterDay(0, 3)}
			res, body := h.do("PUT", "/api/v1/roster/"+agentID, sup, bad)
			if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" ||
				!strings.Contains(string(body), `"staff_no"`) || !strings.Contains(string(body), `"trained_on"`) {
				t.Fatalf("bad input: %d %s", res.StatusCode, body)
			}
		})
		t.Run("LenderReadsAgencyWithItsPlacements", func(t *testing.T) {
			res, body := h.do("GET", "/api/v1/roster?agency="+url.QueryEscape(agencyA), vm, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"compliant_contact_share"`) || !strings.Contains(string(body), agentID) {
				t.Fatalf("lender read: %d %s", res.StatusCode, body)
			}
			res, body = h.do("GET", "/api/v1/oversight/scorecards", vm, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"roster":{"agency_id"`) {
				t.Fatalf("the scorecard rows carry no roster: %d %s", res.StatusCode, body)
			}
			res, body = h.do("GET", "/api/v1/agencies/"+agencyA, vm, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"roster":{`) {
				t.Fatalf("the agency answer has no roster: %d %s", res.StatusCode, body)
			}
		})
		t.Run("LenderOfAnotherBook404", func(t *testing.T) {
			// The other bank has placements with Agency C only: Agency A's
			// roster is not its to read.
			if _, err := h.store.DB().Exec(`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at) VALUES ('other-vm', $1, 'vm@other-bank.test', 'O', $2, $3)`,
				f.lender, h.queryOne(`SELECT password_hash FROM users WHERE email = 'vm@demo-bank.test'`), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			if _, err := h.store.DB().Exec(`INSERT INTO memberships (user_id, role) VALUES ('other-vm', 'vendor_manager')`); err != nil {
				t.Fatal(err)
			}
			other := h.token("vm@other-bank.test")
			if res, body := h.do("GET", "/api/v1/roster?agency="+url.QueryEscape(agencyA), other, nil); res.StatusCode != http.StatusNotFound {
				t.Fatalf("another lender reading A's roster: %d %s", res.StatusCode, body)
			}
			// Its own agency (C holds its placement) it reads.
			if res, body := h.do("GET", "/api/v1/roster?agency="+url.QueryEscape(f.agencyC), other, nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), "other-collector") {
				t.Fatalf("the other lender reading C's roster: %d %s", res.StatusCode, body)
			}
		})
		t.Run("AgencySeesOnlyItself", func(t *testing.T) {
			if res, _ := h.do("GET", "/api/v1/roster?agency="+url.QueryEscape(agencyA), agentB, nil); res.StatusCode != http.StatusNotFound {
				t.Fatalf("agency B reading A's roster: %d", res.StatusCode)
			}
		})
		t.Run("LapsedCollectorRefusedByName", func(t *testing.T) {
			lapsed := map[string]string{"staff_no": "A-100", "verified_on": good["verified_on"], "nda_signed_on": good["nda_signed_on"],
				"trained_on": rosterDay(-1, -1), "exam_passed_on": good["exam_passed_on"]}
			if res, body := h.do("PUT", "/api/v1/roster/"+agentID, sup, lapsed); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"roster.training_lapsed"`) {
				t.Fatalf("put lapsed: %d %s", res.StatusCode, body)
			}
			acc := h.verifiedAccount(agencyA)
			cst := time.FixedZone("CST", 8*3600)
			y := time.Now().In(cst).AddDate(0, 0, -1)
			day := time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, cst).Format(time.RFC3339)
			res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "call", "party": "debtor", "outcome": "no_answer", "at": day})
			if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "rule_violation" || !strings.Contains(string(body), `"rule":"roster.training_lapsed"`) {
				t.Fatalf("a lapsed collector's call: %d %s", res.StatusCode, body)
			}
		})
	})
}

func TestRosterPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	sup := h.token("supervisor@agency-a.test")
	vm := h.token("vm@demo-bank.test")
	agentID := h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-a.test'`)
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	c := h.pageClient(sup)
	for lang, want := range map[string][]string{"zh-CN": {"催收员名册", "合规", "工号"}, "en": {"Collector roster", "Compliant", "Staff number"}} {
		res, page := c.get(t, h.http.URL+"/roster", "Accept-Language", lang)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="roster-form"`) {
			t.Fatalf("%s roster page: %d", lang, res.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s roster page lacks %q", lang, w)
			}
		}
	}
	// The supervisor saves a record from the form; a bad date re-renders with the field named.
	form := url.Values{"_csrf": {c.csrf}, "staff_no": {"A-200"}, "verified_on": {rosterDay(0, -100)}, "nda_signed_on": {rosterDay(0, -100)},
		"trained_on": {rosterDay(0, -5)}, "exam_passed_on": {rosterDay(0, -5)}}
	res, err := c.PostForm(h.http.URL+"/roster/"+agentID, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if got := h.queryOne(`SELECT staff_no FROM roster_records WHERE user_id = $1`, agentID); got != "A-200" {
		t.Fatalf("staff_no %q", got)
	}
	form.Set("trained_on", "tomorrow")
	form.Set("staff_no", "A-201")
	res, err = c.PostForm(h.http.URL+"/roster/"+agentID, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "trained_on") || !strings.Contains(string(b), `value="A-201"`) {
		t.Fatalf("bad date: %d (the field is not named or the typed staff number is lost)", res.StatusCode)
	}
	if got := h.queryOne(`SELECT staff_no FROM roster_records WHERE user_id = $1`, agentID); got != "A-200" {
		t.Fatalf("a refused submit changed the record: %q", got)
	}
	// The collector's account page warns before the form is filled: none
	// while compliant, the rule named once the training lapsed.
	acc := h.verifiedAccount(agencyA)
	ac := h.pageClient(h.token("agent@agency-a.test"))
	if _, page := ac.get(t, h.http.URL+"/accounts/"+acc, "Accept-Language", "en"); strings.Contains(page, `data-testid="roster-warning"`) ||
		!strings.Contains(page, `data-testid="contact-form"`) {
		t.Fatal("a compliant collector is warned, or has no contact form")
	}
	if _, err := h.store.DB().Exec(`UPDATE roster_records SET trained_on = $1 WHERE user_id = $2`, rosterDay(-1, -1), agentID); err != nil {
		t.Fatal(err)
	}
	if _, page := ac.get(t, h.http.URL+"/accounts/"+acc, "Accept-Language", "zh-CN"); !strings.Contains(page, `data-rule="roster.training_lapsed"`) ||
		!strings.Contains(page, "年度培训") {
		t.Fatal("a lapsed collector's account page does not say so")
	}
	// The lender sees the roster at a glance on the agency page, read only.
	lc := h.pageClient(vm)
	res, page := lc.get(t, h.http.URL+"/agencies/"+agencyA, "Accept-Language", "zh-CN")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="roster-summary"`) || !strings.Contains(page, "合规催收员完成的联系占比") {
		t.Fatalf("agency page: %d", res.StatusCode)
	}
	res, page = lc.get(t, h.http.URL+"/roster?agency="+url.QueryEscape(agencyA), "Accept-Language", "en")
	if res.StatusCode != http.StatusOK || strings.Contains(page, `data-testid="roster-form"`) || !strings.Contains(page, `data-testid="roster-row"`) {
		t.Fatalf("the lender's roster page: %d (forms shown or no rows)", res.StatusCode)
	}
}
