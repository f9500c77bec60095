package portal_test

import (
	"encoding/json"
	"net/http"
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
		if err := json.Unmarshal(body, &en); err != nil || res.StatusCode != http.StatusCreated || en.Secret == "" || len(en.RecoveryCodes) != 10 {
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
