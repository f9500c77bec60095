package portal_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// A refused contact says why in the reader's language: the Chinese page
// shows the broken rule's detail in Chinese (no English sentence), the
// English page in English, and the API keeps the English message beside the
// rule and its key. Arrangement reasons, stored with the arrangement, read
// the same way; a reason stored before reasons had keys shows as written.
func TestViolationsInReadersLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agentTok := h.token("agent@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc)

		// 23:30 Beijing time yesterday: after the demo placement began.
		y := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1)
		night := time.Date(y.Year(), y.Month(), y.Day(), 23, 30, 0, 0, time.FixedZone("CST", 8*3600))
		english := "a call at 23:30 (Asia/Shanghai) on " + night.Format(time.DateOnly) +
			" is within the quiet hours 22:00-08:00 and the debtor has not agreed to contact then"
		chinese := night.Format(time.DateOnly) + " 23:30（Asia/Shanghai）的通话处于免打扰时段 22:00-08:00 内，且债务人未同意在此时段被联系"

		post := func(c pageClient, path string, form url.Values, header ...string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("POST", h.http.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", c.csrf)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, html.UnescapeString(string(b))
		}
		contact := url.Values{"channel": {"call"}, "party": {"debtor"}, "direction": {"outbound"}, "outcome": {"no_answer"},
			"at": {night.Format("2006-01-02T15:04")}}

		zh := h.pageClient(agentTok)
		status, page := post(zh, "/accounts/"+acc+"/contacts", contact, "Accept-Language", "zh-CN,zh;q=0.9")
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="conduct-refused"`) {
			t.Fatalf("night call on the page (zh): status %d\n%s", status, page)
		}
		if !strings.Contains(page, chinese) {
			t.Errorf("the Chinese page does not give the refusal in Chinese (want %q):\n%s", chinese, refusedBox(page))
		}
		if strings.Contains(page, "is within the quiet hours") || strings.Contains(page, "err.conduct") {
			t.Errorf("the Chinese page shows the English detail or a key:\n%s", refusedBox(page))
		}

		en := h.pageClient(agentTok)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")
		if _, page := post(en, "/accounts/"+acc+"/contacts", contact); !strings.Contains(page, english) {
			t.Errorf("the English page does not give the refusal in English (want %q):\n%s", english, refusedBox(page))
		}

		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agentTok, map[string]any{"channel": "call", "party": "debtor",
			"outcome": "no_answer", "at": night.Format(time.RFC3339)})
		var e struct {
			Error struct {
				Code       string `json:"code"`
				Violations []struct{ Rule, Message, Key string }
			} `json:"error"`
			Violations []struct{ Rule, Message, Key string } `json:"violations"`
		}
		if err := json.Unmarshal(body, &e); err != nil || res.StatusCode != http.StatusUnprocessableEntity || e.Error.Code != "rule_violation" {
			t.Fatalf("night call on the API: %d %s", res.StatusCode, body)
		}
		for _, vs := range [][]struct{ Rule, Message, Key string }{e.Error.Violations, e.Violations} {
			if len(vs) != 1 || vs[0].Rule != "cn.quiet_hours" || vs[0].Message != english || vs[0].Key != "err.conduct.rule.quiet_hours" {
				t.Errorf("API violations = %+v, want cn.quiet_hours with the English message %q", vs, english)
			}
		}
		if strings.Contains(string(body), `"args"`) {
			t.Errorf("the API error carries the message arguments: %s", body)
		}

		// The refusals are breaches; the lender's breach list says them in
		// the reader's language, the API in English with the key.
		vmTok := h.token("vm@demo-bank.test")
		_, page = h.pageClient(vmTok).get(t, h.http.URL+"/breaches?agency="+agencyA, "Accept-Language", "zh-CN")
		if page = html.UnescapeString(page); !strings.Contains(page, chinese) || strings.Contains(page, english) {
			t.Errorf("the Chinese breach list does not give the refusal in Chinese (want %q)", chinese)
		}
		vmEN := h.pageClient(vmTok)
		vmEN.get(t, h.http.URL+"/lang/en?next=/dashboard")
		if _, page = vmEN.get(t, h.http.URL+"/breaches?agency="+agencyA); !strings.Contains(html.UnescapeString(page), english) {
			t.Errorf("the English breach list does not give the refusal in English (want %q)", english)
		}
		res, body = h.do("GET", "/api/v1/oversight/breaches?agency="+agencyA+"&rule=cn.quiet_hours", vmTok, nil)
		var bl struct {
			Data []struct {
				Rule, Message string
				MessageKey    string `json:"message_key"`
			} `json:"items"`
		}
		json.Unmarshal(body, &bl)
		found := false
		for _, b := range bl.Data {
			if b.Message == english {
				found = found || b.MessageKey == "err.conduct.rule.quiet_hours"
			}
		}
		if res.StatusCode != 200 || !found {
			t.Errorf("the breach API does not answer the English message with its key: %d %s", res.StatusCode, body)
		}

		// A settlement beyond the contract's discount waits for the lender,
		// its reason stored with a key; an older row only has the English.
		due := time.Now().UTC().AddDate(0, 0, 5).Format(time.DateOnly)
		res, body = h.do("POST", "/api/v1/accounts/"+acc+"/arrangements", agentTok, map[string]any{"kind": "settlement", "amount_cents": 100, "first_due": due})
		var arr struct {
			ID      string
			Status  string
			Reasons []struct{ Rule, Message, Key string }
		}
		json.Unmarshal(body, &arr)
		if res.StatusCode != http.StatusAccepted || len(arr.Reasons) != 1 || arr.Reasons[0].Key != "err.limit.settlement_discount" ||
			!strings.HasPrefix(arr.Reasons[0].Message, "a discount of ") {
			t.Fatalf("settlement: %d %s", res.StatusCode, body)
		}
		vm := h.pageClient(h.token("vm@demo-bank.test"))
		_, page = vm.get(t, h.http.URL+"/approvals", "Accept-Language", "zh-CN")
		page = html.UnescapeString(page)
		if !strings.Contains(page, "超过合同允许的") || strings.Contains(page, arr.Reasons[0].Message) {
			t.Errorf("the approvals page does not give the stored reason in Chinese (English %q):\n%s", arr.Reasons[0].Message, page)
		}
		old := `[{"rule":"limit.settlement_discount","message":"a discount of 99.9% is more than the contract's 30%"}]`
		h.store.DB().Exec(`UPDATE arrangements SET reasons = $1 WHERE id = $2`, old, arr.ID)
		_, page = vm.get(t, h.http.URL+"/approvals", "Accept-Language", "zh-CN")
		if page = html.UnescapeString(page); !strings.Contains(page, "a discount of 99.9% is more than the contract's 30%") {
			t.Errorf("a reason stored without a key is not shown as written:\n%s", page)
		}
	})
}

// refusedBox is the page's refusal box, for failure messages.
func refusedBox(page string) string {
	i := strings.Index(page, `data-testid="conduct-refused"`)
	if i < 0 {
		return "(no refusal box)"
	}
	return page[i:min(len(page), i+1500)]
}
