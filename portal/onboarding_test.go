package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"collect/portal"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// From an empty install, as a real lender starts: the first platform
// administrator (made as `portal admin create` makes one) onboards a lender
// and an agency over the API, invites each one's administrator, who set
// their passwords from the one-time links and invite a vendor manager and a
// collector, who set theirs; the collector turns on two-factor sign-in and
// signs in with a code. Nobody exists but those invited.
func TestOnboardingFromAnEmptyInstall(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		st := storetest.Open(t, dialect, store.Options{})
		srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		h := &harness{t: t, srv: srv, http: httptest.NewServer(srv), store: st, tokens: map[string]string{}}
		t.Cleanup(h.http.Close)
		if n := h.queryOne(`SELECT COUNT(*) FROM users`); n != "0" {
			t.Fatalf("an empty install has %s users", n)
		}
		const pw = "a long passphrase for the test"
		if _, err := st.CreatePlatformAdmin(ctx, store.AdminInput{Email: "ops@platform.example", Name: "Ops", Password: pw}); err != nil {
			t.Fatal(err)
		}
		login := func(email, password string, extra ...string) string {
			t.Helper()
			body := map[string]string{"email": email, "password": password}
			if len(extra) == 1 {
				body["totp"] = extra[0]
			}
			res, b := h.do("POST", "/api/v1/auth/token", "", body)
			var out struct{ Token string }
			json.Unmarshal(b, &out)
			if res.StatusCode != http.StatusOK || out.Token == "" {
				t.Fatalf("sign in %s: %d %s", email, res.StatusCode, b)
			}
			return out.Token
		}
		call := func(method, path, tok string, body any, want int) []byte {
			t.Helper()
			res, b := h.do(method, path, tok, body)
			if res.StatusCode != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
			}
			return b
		}
		id := func(b []byte) string {
			var v struct{ ID string }
			json.Unmarshal(b, &v)
			return v.ID
		}
		accept := func(b []byte, password string) {
			t.Helper()
			var inv struct {
				InviteURL string `json:"invite_url"`
			}
			json.Unmarshal(b, &inv)
			token := inv.InviteURL[strings.LastIndexByte(inv.InviteURL, '/')+1:]
			call("POST", "/api/v1/invites/"+token+"/accept", "", map[string]string{"password": password}, http.StatusCreated)
			res, _ := h.do("POST", "/api/v1/invites/"+token+"/accept", "", map[string]string{"password": password})
			if res.StatusCode != http.StatusGone && res.StatusCode != http.StatusNotFound {
				t.Fatalf("an invite used twice: %d", res.StatusCode)
			}
		}

		ops := login("ops@platform.example", pw)
		lender := id(call("POST", "/api/v1/organisations", ops, map[string]any{"kind": "lender", "name": "甲银行股份有限公司", "name_en": "First Bank",
			"credit_code": "91350100M000100Y43", "time_zone": "Asia/Shanghai"}, http.StatusCreated))
		agency := id(call("POST", "/api/v1/organisations", ops, map[string]any{"kind": "agency", "name": "乙信催收服务有限公司", "name_en": "Second Collections",
			"credit_code": "914403001922038216", "time_zone": "Asia/Shanghai"}, http.StatusCreated))

		accept(call("POST", "/api/v1/organisations/"+lender+"/invites", ops, map[string]any{"email": "admin@firstbank.example", "name": "王管理", "roles": []string{"org_admin"}}, http.StatusCreated), pw)
		accept(call("POST", "/api/v1/organisations/"+agency+"/invites", ops, map[string]any{"email": "admin@second.example", "name": "李管理", "roles": []string{"org_admin"}}, http.StatusCreated), pw)
		bankAdmin, agencyAdmin := login("admin@firstbank.example", pw), login("admin@second.example", pw)

		// Each administrator invites into their own organisation only.
		if res, _ := h.do("POST", "/api/v1/organisations/"+agency+"/invites", bankAdmin, map[string]any{"email": "x@second.example", "name": "X", "roles": []string{"collector"}}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
			t.Fatalf("the bank's administrator inviting into the agency: %d", res.StatusCode)
		}
		accept(call("POST", "/api/v1/organisations/"+lender+"/invites", bankAdmin, map[string]any{"email": "vm@firstbank.example", "name": "张委外", "roles": []string{"vendor_manager"}}, http.StatusCreated), pw)
		accept(call("POST", "/api/v1/organisations/"+agency+"/invites", agencyAdmin, map[string]any{"email": "agent@second.example", "name": "赵催收", "roles": []string{"collector"}}, http.StatusCreated), pw)
		if res, b := h.do("GET", "/api/v1/me", login("vm@firstbank.example", pw), nil); res.StatusCode != http.StatusOK || !strings.Contains(string(b), "vendor_manager") {
			t.Fatalf("the vendor manager: %d %s", res.StatusCode, b)
		}

		// The collector turns on two-factor sign-in and signs in with a code.
		agent := login("agent@second.example", pw)
		var en struct{ Secret string }
		json.Unmarshal(call("POST", "/api/v1/me/totp", agent, nil, http.StatusOK), &en)
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		call("POST", "/api/v1/me/totp/confirm", agent, map[string]string{"code": code}, http.StatusOK)
		next, _ := totp.GenerateCode(en.Secret, time.Now().Add(30*time.Second))
		if res, b := h.do("GET", "/api/v1/me", login("agent@second.example", pw, next), nil); res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"collector"`) {
			t.Fatalf("the collector with a code: %d %s", res.StatusCode, b)
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM users`); n != "5" {
			t.Errorf("%s users, want the 5 made on the way", n)
		}
	})
}
