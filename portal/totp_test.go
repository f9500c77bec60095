package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store/storetest"
)

// Two-factor sign-in over the API: enrolment gives a secret, its otpauth
// URL and ten recovery codes; a first code confirms it; from then on a token
// needs a code (401 totp_required without one), a code is good once, a wrong
// one is refused, and each recovery code signs in once.
func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		const email = "vm@demo-bank.test"
		tok := h.token(email)
		res, body := h.do("POST", "/api/v1/me/totp", tok, nil)
		var en struct {
			Secret        string   `json:"secret"`
			OTPAuthURL    string   `json:"otpauth_url"`
			RecoveryCodes []string `json:"recovery_codes"`
		}
		if err := json.Unmarshal(body, &en); err != nil || res.StatusCode != http.StatusOK || en.Secret == "" || len(en.RecoveryCodes) != 10 {
			t.Fatalf("enrol: %d %s", res.StatusCode, body)
		}
		signIn := func(code string) (int, string, string) {
			t.Helper()
			res, body := h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": email, "password": demo.Password, "totp": code})
			var out struct {
				Token string `json:"token"`
				Error struct{ Code, Key string }
			}
			json.Unmarshal(body, &out)
			return res.StatusCode, out.Error.Code, out.Token
		}
		// Not confirmed yet: the password alone still signs in.
		if status, _, _ := signIn(""); status != http.StatusOK {
			t.Fatalf("before confirmation the password alone gets %d", status)
		}
		if res, body := h.do("POST", "/api/v1/me/totp/confirm", tok, map[string]string{"code": "000000"}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong confirmation code: %d %s", res.StatusCode, body)
		}
		now := time.Now()
		code, _ := totp.GenerateCode(en.Secret, now)
		if res, body := h.do("POST", "/api/v1/me/totp/confirm", tok, map[string]string{"code": code}); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("POST", "/api/v1/me/totp", tok, nil); res.StatusCode != http.StatusConflict {
			t.Errorf("enrolling again over a confirmed factor: %d, want 409", res.StatusCode)
		}

		if status, code, _ := signIn(""); status != http.StatusUnauthorized || code != "totp_required" {
			t.Errorf("password without a code: %d %s, want 401 totp_required", status, code)
		}
		if status, code, _ := signIn("123456"); status != http.StatusUnauthorized || code != "unauthorized" {
			t.Errorf("a wrong code: %d %s, want 401 unauthorized", status, code)
		}
		if status, _, _ := signIn(code); status != http.StatusUnauthorized {
			t.Errorf("the confirmation code used again: %d, want 401", status)
		}
		next, _ := totp.GenerateCode(en.Secret, now.Add(30*time.Second))
		status, _, token := signIn(next)
		if status != http.StatusOK || token == "" {
			t.Fatalf("a fresh code: %d", status)
		}
		if res, _ := h.do("GET", "/api/v1/me", token, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the token signed in with a code: %d", res.StatusCode)
		}
		if status, _, _ := signIn(next); status != http.StatusUnauthorized {
			t.Errorf("a code replayed: %d, want 401", status)
		}
		if status, _, _ := signIn(en.RecoveryCodes[3]); status != http.StatusOK {
			t.Errorf("a recovery code: %d", status)
		}
		if status, _, _ := signIn(en.RecoveryCodes[3]); status != http.StatusUnauthorized {
			t.Errorf("a recovery code used twice: %d, want 401", status)
		}
		// Guessing codes is throttled like guessing passwords.
		throttled := false
		for range 20 {
			if status, code, _ := signIn("999999"); status == http.StatusTooManyRequests || code == "throttled" {
				throttled = true
				break
			}
		}
		if !throttled {
			t.Errorf("20 wrong codes in a row were not throttled")
		}
		// The secret is sealed at rest.
		var stored string
		h.store.DB().QueryRow(`SELECT secret FROM user_totp`).Scan(&stored)
		if stored == "" || stored == en.Secret {
			t.Errorf("the TOTP secret is stored in the clear")
		}
	})
}

// Two-factor sign-in through the pages: a right password on an enrolled
// account leads to the code step (no session yet, and the pending sign-in is
// no session either); a wrong code is refused on the page; the right one
// signs in and goes where the user was going. The security page sets it up.
func TestTOTPSignInPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		const email = "agent@agency-a.test"
		// Set up from the security page.
		pc := h.pageClient(h.token(email))
		res, page := pc.get(t, h.http.URL+"/me/security")
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="totp-off"`) {
			t.Fatalf("security page: %d", res.StatusCode)
		}
		post := func(c pageClient, path string, form url.Values) (*http.Response, string) {
			t.Helper()
			form.Set("_csrf", c.csrf)
			res, err := c.PostForm(h.http.URL+path, form)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res, string(b)
		}
		res, page = post(pc, "/me/security/totp", url.Values{})
		m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
		if res.StatusCode != 200 || m == nil || !strings.Contains(page, `data-testid="totp-qr"`) || strings.Count(page, "<li><code>") != 10 {
			t.Fatalf("starting the set-up: %d\n%s", res.StatusCode, page)
		}
		secret := m[1]
		if res, page = post(pc, "/me/security/confirm", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="totp-secret"`) {
			t.Fatalf("a wrong first code: %d (the key should be shown again)", res.StatusCode)
		}
		now := time.Now()
		code, _ := totp.GenerateCode(secret, now)
		if res, page = post(pc, "/me/security/confirm", url.Values{"code": {code}}); res.StatusCode != 200 || !strings.Contains(page, `data-testid="totp-on"`) {
			t.Fatalf("confirming: %d", res.StatusCode)
		}

		// Sign in through the form.
		c := h.pageClient("")
		res, _ = post(c, "/login", url.Values{"email": {email}, "password": {demo.Password}, "next": {"/queue"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/code") {
			t.Fatalf("a right password on an enrolled account: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var pending string
		for _, ck := range res.Cookies() {
			if ck.Name == "portal_session" && ck.Value != "" {
				t.Fatalf("a session before the second factor")
			}
			if ck.Name == "portal_mfa" {
				pending = ck.Value
			}
		}
		if pending == "" {
			t.Fatal("no pending sign-in cookie")
		}
		// The pending sign-in is not a session, as a cookie or as a token.
		if res, _ := h.do("GET", "/api/v1/me", pending, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("the pending sign-in used as a bearer token: %d", res.StatusCode)
		}
		if res, _ := h.pageClient(pending).get(t, h.http.URL+"/dashboard"); res.StatusCode == 200 {
			t.Errorf("the pending sign-in used as a session opened the dashboard")
		}
		if res, _ := c.get(t, h.http.URL+"/login/code?next=/queue"); res.StatusCode != 200 {
			t.Fatalf("code page: %d", res.StatusCode)
		}
		if res, page := post(c, "/login/code", url.Values{"code": {"123456"}, "next": {"/queue"}}); res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `data-testid="totp-error"`) {
			t.Fatalf("a wrong code on the page: %d", res.StatusCode)
		}
		next, _ := totp.GenerateCode(secret, now.Add(30*time.Second))
		res, page = post(c, "/login/code", url.Values{"code": {next}, "next": {"/queue"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/queue" {
			t.Fatalf("the right code: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := c.get(t, h.http.URL+"/queue"); res.StatusCode != 200 {
			t.Errorf("after the code the queue answers %d", res.StatusCode)
		}
	})
}

// An organisation that requires two-factor sign-in holds its users to
// setting it up: the API answers 403 outside the user's own session routes,
// pages go to the set-up; once set up, they work. "personal_data" requires
// it only of roles that read personal data. The organisation's own
// administrator or the platform administrator sets the policy; another
// organisation's administrator is told it does not exist.
func TestTOTPRequiredByOrganisation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		bank := h.queryOne(`SELECT id FROM organisations WHERE name = 'Demo Bank'`)
		admin := h.token("admin@platform.test")
		vm, auditor := h.token("vm@demo-bank.test"), h.token("auditor@demo-bank.test")
		if res, _ := h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", vm, map[string]string{"totp_required": "all"}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the vendor manager setting the policy: %d, want 403", res.StatusCode)
		}
		if res, _ := h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", h.token("orgadmin@agency-a.test"), map[string]string{"totp_required": "all"}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another organisation's administrator setting the bank's policy: %d, want 404", res.StatusCode)
		}
		if res, body := h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", h.token("orgadmin@demo-bank.test"), map[string]string{"totp_required": "none"}); res.StatusCode != http.StatusOK {
			t.Fatalf("the bank's own administrator setting its policy: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", admin, map[string]string{"totp_required": "sometimes"}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown policy: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", admin, map[string]string{"totp_required": "personal_data"}); res.StatusCode != http.StatusOK {
			t.Fatalf("setting the policy: %d %s", res.StatusCode, body)
		}
		res, body := h.do("GET", "/api/v1/accounts", vm, nil)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "err.auth.enrol_totp_first") {
			t.Fatalf("the vendor manager (reads personal data) without a second factor: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/me", vm, nil); res.StatusCode != http.StatusOK {
			t.Errorf("who-am-I stays open: %d", res.StatusCode)
		}
		if res, _ := h.do("GET", "/api/v1/accounts", auditor, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the auditor (reads no personal data) is held too: %d", res.StatusCode)
		}
		if res, _ := h.pageClient(vm).get(t, h.http.URL+"/dashboard"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/security" {
			t.Errorf("the dashboard page: %d %s, want the set-up", res.StatusCode, res.Header.Get("Location"))
		}
		if _, page := h.pageClient(vm).get(t, h.http.URL+"/me/security"); !strings.Contains(page, `data-testid="totp-required"`) {
			t.Errorf("the set-up page does not say it is required")
		}
		res, body = h.do("POST", "/api/v1/me/totp", vm, nil)
		var en struct{ Secret string }
		json.Unmarshal(body, &en)
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		if res, body := h.do("POST", "/api/v1/me/totp/confirm", vm, map[string]string{"code": code}); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/accounts", vm, nil); res.StatusCode != http.StatusOK {
			t.Errorf("after setting it up: %d", res.StatusCode)
		}
		h.do("PUT", "/api/v1/organisations/"+bank+"/two-factor", admin, map[string]string{"totp_required": "all"})
		if res, _ := h.do("GET", "/api/v1/accounts", auditor, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("with \"all\" the auditor is held too: %d", res.StatusCode)
		}
	})
}
