package portal_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"collect/portal"
	"collect/portal/store/storetest"
)

func TestTokensRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		good := h.token("agent@agency-a.test")
		userID := h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-a.test'`)
		sign := func(method jwt.SigningMethod, key any, c jwt.MapClaims) string {
			s, err := jwt.NewWithClaims(method, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		claims := func(exp time.Time) jwt.MapClaims {
			return jwt.MapClaims{"sub": userID, "ver": 1, "iss": "collect-portal", "iat": time.Now().Unix(), "exp": exp.Unix()}
		}
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		parts := strings.Split(good, ".")
		cases := map[string]string{
			"AlgNone":      header + "." + parts[1] + ".",
			"BadSignature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
			"AnotherKey":   sign(jwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), claims(time.Now().Add(time.Hour))),
			"Expired":      sign(jwt.SigningMethodHS256, testSecret, claims(time.Now().Add(-time.Minute))),
			"HS512":        sign(jwt.SigningMethodHS512, testSecret, claims(time.Now().Add(time.Hour))),
			"Garbage":      "not-a-token",
			"Empty":        "",
		}
		for name, tok := range cases {
			t.Run(name, func(t *testing.T) {
				res, body := h.do("GET", "/api/v1/me", tok, nil)
				if res.StatusCode != http.StatusUnauthorized || errorCode(t, body) != "unauthorized" {
					t.Fatalf("got %d %s, want 401 unauthorized", res.StatusCode, body)
				}
			})
		}
		t.Run("GoodTokenWorks", func(t *testing.T) {
			if res, body := h.do("GET", "/api/v1/me", good, nil); res.StatusCode != 200 {
				t.Fatalf("got %d %s", res.StatusCode, body)
			}
		})
		t.Run("LogoutRevokes", func(t *testing.T) {
			if res, body := h.do("POST", "/api/v1/auth/logout", good, nil); res.StatusCode != http.StatusNoContent {
				t.Fatalf("logout: %d %s", res.StatusCode, body)
			}
			if res, _ := h.do("GET", "/api/v1/me", good, nil); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a revoked token still works: %d", res.StatusCode)
			}
		})
	})
}

func TestLoginThrottled(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bad := map[string]string{"email": "vm@demo-bank.test", "password": "wrong-password"}
	for i := 0; i < 5; i++ {
		res, body := h.do("POST", "/api/v1/auth/token", "", bad)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, res.StatusCode, body)
		}
	}
	res, body := h.do("POST", "/api/v1/auth/token", "", bad)
	if res.StatusCode != http.StatusTooManyRequests || errorCode(t, body) != "throttled" {
		t.Fatalf("sixth failure: %d %s, want 429", res.StatusCode, body)
	}
	// Even the right password waits out the window for that account.
	good := map[string]string{"email": "vm@demo-bank.test", "password": "demo-password"}
	if res, _ := h.do("POST", "/api/v1/auth/token", "", good); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d, want 429", res.StatusCode)
	}
	// Per address: spread over many accounts, the address is throttled too.
	for i := 0; i < 20; i++ {
		h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "nobody" + string(rune('a'+i)) + "@x.test", "password": "x"})
	}
	if res, _ := h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "agent@agency-a.test", "password": "demo-password"}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("address past its limit: %d, want 429", res.StatusCode)
	}
}
