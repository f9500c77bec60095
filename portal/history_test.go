package portal_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// After an account moves from Agency A to Agency B, B reads A's contacts,
// arrangements, disputes and verification as facts: no notes, reasons,
// messages or staff, in the API, the account page and the evidence bundle;
// its own work in full; everything when the lender's contract with B shares
// the full history. The lender reads everything.
func TestNextAgencySeesOnlyFactsOfEarlierWork(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agentA, agentB, vm := h.token("agent@agency-a.test"), h.token("agent@agency-b.test"), h.token("vm@demo-bank.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		agencyB := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency B'`)
		acc := h.verifiedAccount(agencyA)
		const noteA, disputeA, arrNoteA, noteB = "A的秘密备注 债务人说下周发工资", "A记录的争议理由", "A的协商备注", "B自己的备注"
		post := func(token, path string, body any, want int) []byte {
			t.Helper()
			res, b := h.do("POST", path, token, body)
			if res.StatusCode != want {
				t.Fatalf("POST %s: %d %s (want %d)", path, res.StatusCode, b, want)
			}
			return b
		}
		post(agentA, "/api/v1/accounts/"+acc+"/contacts", map[string]any{"channel": "letter", "party": "debtor", "direction": "outbound",
			"outcome": "no_answer", "note": noteA}, http.StatusCreated)
		post(agentA, "/api/v1/accounts/"+acc+"/payments", map[string]any{"amount_cents": 100,
			"paid_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "reference": "A-REF-秘密"}, http.StatusCreated)
		due := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/arrangements", agentA, map[string]any{"kind": "promise", "amount_cents": 10_000, "first_due": due, "note": arrNoteA})
		if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusAccepted {
			t.Fatalf("promise: %d %s", res.StatusCode, body)
		}
		var d struct{ ID string }
		json.Unmarshal(post(agentA, "/api/v1/accounts/"+acc+"/disputes", map[string]string{"reason": disputeA}, http.StatusCreated), &d)
		post(vm, "/api/v1/disputes/"+d.ID+"/resolve", map[string]any{"upheld": false, "resolution": "核实无误"}, http.StatusOK)

		var lc struct{ ID string }
		json.Unmarshal(post(agentA, "/api/v1/accounts/"+acc+"/legal-referrals", map[string]string{"note": "A转诉讼备注"}, http.StatusCreated), &lc)

		// The lender recalls the account from A and it is placed with B.
		placementA := h.queryOne(`SELECT id FROM placements WHERE account_id = $1 AND status = 'active'`, acc)
		post(vm, "/api/v1/placements/"+placementA+"/recall", map[string]string{"reason": "performance"}, http.StatusOK)
		now := time.Now().UTC()
		if _, err := h.store.DB().Exec(`INSERT INTO placements (id, account_id, agency_id, lender_id, status, created_at, starts_at, ends_at)
			SELECT 'to-b', id, $1, lender_id, 'active', $2, $2, $3 FROM accounts WHERE id = $4`, agencyB, now, now.AddDate(0, 3, 0), acc); err != nil {
			t.Fatal(err)
		}
		post(agentB, "/api/v1/accounts/"+acc+"/contacts", map[string]any{"channel": "letter", "party": "debtor", "direction": "outbound",
			"outcome": "no_answer", "note": noteB}, http.StatusCreated)

		type contact struct {
			Note        string `json:"note"`
			CollectorID string `json:"collector_id"`
			Outcome     string `json:"outcome"`
			Channel     string `json:"channel"`
			Withheld    bool   `json:"details_withheld"`
		}
		contacts := func(token string) []contact {
			t.Helper()
			res, body := h.do("GET", "/api/v1/accounts/"+acc+"/contacts", token, nil)
			if res.StatusCode != 200 {
				t.Fatalf("contacts: %d %s", res.StatusCode, body)
			}
			var out struct{ Items []contact }
			mustJSON(t, body, &out)
			return out.Items
		}
		count := func(cs []contact, pred func(contact) bool) int {
			n := 0
			for _, c := range cs {
				if pred(c) {
					n++
				}
			}
			return n
		}
		cs := contacts(agentB)
		if count(cs, func(c contact) bool { return c.Note == noteB && !c.Withheld && c.CollectorID != "" }) != 1 {
			t.Fatalf("B does not see its own contact in full: %+v", cs)
		}
		if n := count(cs, func(c contact) bool { return c.Withheld }); n == 0 || count(cs, func(c contact) bool {
			return c.Withheld && (c.Note != "" || c.CollectorID != "" || c.Outcome == "" || c.Channel == "")
		}) != 0 {
			t.Fatalf("A's contacts are not facts only for B: %+v", cs)
		}
		_, raw := h.do("GET", "/api/v1/accounts/"+acc+"/contacts", agentB, nil)
		_, arrs := h.do("GET", "/api/v1/accounts/"+acc+"/arrangements", agentB, nil)
		for what, b := range map[string][]byte{"contacts": raw, "arrangements": arrs} {
			if bytes.Contains(b, []byte(noteA)) || bytes.Contains(b, []byte(h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-a.test'`))) {
				t.Fatalf("B's %s hold A's note or A's collector: %s", what, b)
			}
		}
		if !bytes.Contains(arrs, []byte(`"details_withheld":true`)) {
			t.Fatalf("A's promise is not marked withheld for B: %s", arrs)
		}
		page := h.pageClient(agentB)
		_, html := page.get(t, h.http.URL+"/accounts/"+acc)
		if strings.Contains(html, noteA) || strings.Contains(html, disputeA) || !strings.Contains(html, noteB) || !strings.Contains(html, `data-testid="history-withheld"`) {
			t.Fatalf("B's account page: A's note shown %v, A's dispute reason shown %v, own note shown %v, withheld marked %v",
				strings.Contains(html, noteA), strings.Contains(html, disputeA), strings.Contains(html, noteB), strings.Contains(html, "history-withheld"))
		}

		// The evidence bundle for B (as its supervisor) follows the same rule.
		if _, err := h.store.DB().Exec(`INSERT INTO memberships (user_id, role) SELECT id, 'agency_supervisor' FROM users WHERE email = 'agent@agency-b.test'`); err != nil {
			t.Fatal(err)
		}
		evidence := func(token string) string {
			t.Helper()
			res, body := h.do("GET", "/api/v1/legal-cases/"+lc.ID+"/evidence.zip", token, nil)
			if res.StatusCode != 200 {
				t.Fatalf("evidence: %d %s", res.StatusCode, body)
			}
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				all.WriteString(f.Name + "\n" + string(b) + "\n")
			}
			return all.String()
		}
		if ev := evidence(agentB); strings.Contains(ev, noteA) || strings.Contains(ev, "A-REF-秘密") || !strings.Contains(ev, noteB) || !strings.Contains(ev, "withheld") ||
			!strings.Contains(ev, `"agency_id": "`+agencyB+`"`) || strings.Contains(ev, `"agency_id": "`+agencyA+`"`) {
			t.Fatalf("B's evidence bundle: A's note %v, own note %v, B's own contract terms %v, A's terms %v", strings.Contains(ev, noteA), strings.Contains(ev, noteB),
				strings.Contains(ev, `"agency_id": "`+agencyB+`"`), strings.Contains(ev, `"agency_id": "`+agencyA+`"`))
		}
		if ev := evidence(vm); !strings.Contains(ev, noteA) || !strings.Contains(ev, noteB) || !strings.Contains(ev, "A-REF-秘密") {
			t.Fatal("the lender's evidence bundle lacks a note")
		}
		if cs := contacts(vm); count(cs, func(c contact) bool { return c.Note == noteA && !c.Withheld }) != 1 {
			t.Fatalf("the lender does not see A's note: %+v", cs)
		}

		// A contract that shares the full history shows B everything.
		res, body = h.do("GET", "/api/v1/agencies/"+agencyB, vm, nil)
		var view struct {
			Contract map[string]any `json:"contract"`
		}
		mustJSON(t, body, &view)
		if view.Contract == nil {
			t.Fatalf("no contract with B: %s", body)
		}
		view.Contract["share_full_history"] = true
		for _, k := range []string{"id", "lender_id", "agency_id", "updated_at"} {
			delete(view.Contract, k)
		}
		if res, body := h.do("PUT", "/api/v1/agencies/"+agencyB+"/contract", vm, view.Contract); res.StatusCode != 200 || !strings.Contains(string(body), `"share_full_history":true`) {
			t.Fatalf("share the history: %d %s", res.StatusCode, body)
		}
		if cs := contacts(agentB); count(cs, func(c contact) bool { return c.Note == noteA && !c.Withheld }) != 1 {
			t.Fatalf("with a shared history B does not see A's note: %+v", cs)
		}
		if ev := evidence(agentB); !strings.Contains(ev, noteA) {
			t.Fatal("with a shared history B's evidence lacks A's note")
		}
	})
}
