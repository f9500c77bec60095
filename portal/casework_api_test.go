package portal_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

func TestCaseworkAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent := h.token("agent@agency-a.test")
		vm := h.token("vm@demo-bank.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc)

		// A contact at 23:30 Beijing time: 422 rule_violation naming the rule.
		// Yesterday in Beijing: after the demo placement began, whatever today is.
		cst := time.FixedZone("CST", 8*3600)
		y := time.Now().In(cst).AddDate(0, 0, -1)
		night := time.Date(y.Year(), y.Month(), y.Day(), 23, 30, 0, 0, cst).Format(time.RFC3339)
		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "call", "party": "debtor", "outcome": "no_answer", "at": night})
		if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "rule_violation" || !strings.Contains(string(body), `"rule":"cn.quiet_hours"`) {
			t.Fatalf("night call: %d %s", res.StatusCode, body)
		}
		var e struct {
			Violations []struct{ Rule, Message string } `json:"violations"`
		}
		json.Unmarshal(body, &e)
		if len(e.Violations) == 0 || e.Violations[0].Message == "" {
			t.Fatalf("the top-level violations are missing: %s", body)
		}
		// Bad input: an unknown channel is 422 invalid, not a rule.
		res, body = h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "pigeon", "party": "debtor", "outcome": "no_answer"})
		if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" {
			t.Fatalf("unknown channel: %d %s", res.StatusCode, body)
		}
		day := time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, cst).Format(time.RFC3339)
		res, body = h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "call", "party": "debtor", "outcome": "right_party_contact", "at": day, "note": "本人接听"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("day call: %d %s", res.StatusCode, body)
		}
		// A promise: 201 active. A deep settlement: 202 pending, approved by the lender.
		due := time.Now().UTC().AddDate(0, 0, 5).Format(time.DateOnly)
		res, body = h.do("POST", "/api/v1/accounts/"+acc+"/arrangements", agent, map[string]any{"kind": "promise", "amount_cents": 5000, "first_due": due})
		if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"status":"active"`) {
			t.Fatalf("promise: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/accounts/"+acc+"/arrangements", agent, map[string]any{"kind": "settlement", "amount_cents": 100, "first_due": due})
		var arr struct{ ID, Status string }
		json.Unmarshal(body, &arr)
		if res.StatusCode != http.StatusAccepted || arr.Status != "pending_approval" {
			t.Fatalf("settlement: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("POST", "/api/v1/arrangements/"+arr.ID+"/approve", h.token("auditor@demo-bank.test"), nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the auditor approving: %d", res.StatusCode)
		}
		if res, body := h.do("POST", "/api/v1/arrangements/"+arr.ID+"/approve", vm, nil); res.StatusCode != 200 || !strings.Contains(string(body), `"status":"active"`) {
			t.Fatalf("approve: %d %s", res.StatusCode, body)
		}
		// Stage moves are guarded.
		if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/stage", agent, map[string]string{"to": "legal"}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "stage.legal_not_approved") {
			t.Fatalf("legal without approval: %d %s", res.StatusCode, body)
		}
		// After a recall the agency gets 404 for the account's casework.
		pl := h.queryOne(`SELECT id FROM placements WHERE account_id = $1 AND status = 'active'`, acc)
		if res, body := h.do("POST", "/api/v1/placements/"+pl+"/recall", vm, map[string]string{"reason": "audit"}); res.StatusCode != 200 {
			t.Fatalf("recall: %d %s", res.StatusCode, body)
		}
		res, _ = h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "call", "party": "debtor", "outcome": "no_answer", "at": day})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("a contact on a recalled account: %d", res.StatusCode)
		}
		if res, _ := h.do("GET", "/api/v1/queue", agent, nil); res.StatusCode != 200 {
			t.Fatalf("queue: %d", res.StatusCode)
		}
	})
}

func TestAuditorUnmasksOneRecordWithAReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	auditor := h.token("auditor@demo-bank.test")
	acc := h.queryOne(`SELECT id FROM accounts LIMIT 1`)
	res, body := h.do("GET", "/api/v1/accounts/"+acc, auditor, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"masked":true`) {
		t.Fatalf("the auditor's view: %d", res.StatusCode)
	}
	if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/unmask", auditor, map[string]string{"reason": ""}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unmask without a reason: %d %s", res.StatusCode, body)
	}
	res, body = h.do("POST", "/api/v1/accounts/"+acc+"/unmask", auditor, map[string]string{"reason": "投诉调查 C-2026-118"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"masked":false`) {
		t.Fatalf("unmask: %d %s", res.StatusCode, body)
	}
	// The trail keeps the reason's digest, not its text (summaries hold no free text).
	digest := sha256.Sum256([]byte("投诉调查 C-2026-118"))
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM audit_events WHERE action = 'account.unmask' AND object_id = $1 AND summary LIKE $2`,
		acc, "%"+hex.EncodeToString(digest[:])+"%"); n != "1" {
		t.Fatalf("%s unmask events with the reason", n)
	}
	// The next plain view is masked again.
	if _, body := h.do("GET", "/api/v1/accounts/"+acc, auditor, nil); !strings.Contains(string(body), `"masked":true`) {
		t.Fatal("the record stays unmasked")
	}
}
