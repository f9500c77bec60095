package portal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store/storetest"
)

// Each user reads their own sign-ins, good and refused, with when, from
// where and how; the administrators read the refused ones; attempts on an
// unknown email are not kept; nobody else reads anybody's.
func TestSignInHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		const email = "vm@demo-bank.test"
		h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": email, "password": "not the password"})
		h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "nobody@example.test", "password": "whatever it is"})
		tok := h.token(email)
		res, body := h.do("GET", "/api/v1/me/sign-ins", tok, nil)
		var mine struct {
			Items []struct{ Email, Addr, Method, Outcome string }
		}
		json.Unmarshal(body, &mine)
		if res.StatusCode != http.StatusOK || len(mine.Items) < 2 || mine.Items[0].Outcome != "ok" || mine.Items[1].Outcome != "failed" ||
			mine.Items[0].Method != "api" || mine.Items[0].Addr == "" {
			t.Fatalf("my sign-ins: %d %s", res.StatusCode, body)
		}
		for _, it := range mine.Items {
			if it.Email != email {
				t.Errorf("someone else's sign-in in mine: %+v", it)
			}
		}
		res, body = h.do("GET", "/api/v1/sign-ins", h.token("admin@platform.test"), nil)
		var failed struct {
			Items []struct{ Email, Outcome string }
		}
		json.Unmarshal(body, &failed)
		found := false
		for _, it := range failed.Items {
			if it.Outcome == "ok" {
				t.Errorf("a good sign-in among the refused: %+v", it)
			}
			if it.Email == "nobody@example.test" {
				t.Errorf("an unknown email's attempt was kept")
			}
			found = found || it.Email == email
		}
		if res.StatusCode != http.StatusOK || !found {
			t.Errorf("the refused sign-ins: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/sign-ins", tok, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("a vendor manager reading the refused sign-ins: %d, want 403", res.StatusCode)
		}
		// The administrators' page says the same, in Chinese.
		_, page := h.pageClient(h.token("orgadmin@demo-bank.test")).get(t, h.http.URL+"/sign-ins", "Accept-Language", "zh-CN")
		if !strings.Contains(page, `data-outcome="failed"`) || !strings.Contains(page, email) || !strings.Contains(page, "登录失败记录") {
			t.Errorf("the refused sign-ins page does not list the bank's refused sign-in")
		}
		_, page = h.pageClient(h.token("orgadmin@agency-a.test")).get(t, h.http.URL+"/sign-ins")
		if strings.Contains(page, email) {
			t.Errorf("another organisation's administrator sees the bank's refused sign-ins")
		}
		_ = demo.Password
	})
}
