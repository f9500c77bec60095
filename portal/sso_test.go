package portal_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"collect/portal"
	"collect/portal/store/storetest"
)

// Single sign-on end to end against a real OpenID Connect provider started
// here (mockoidc): a bank's member of staff signs in through the bank's
// provider, is made a user at the first sign-in with the role the groups
// claim maps, and lands where they were going; a state used twice, an
// expired ID token, an address of another domain, a provider that is not
// the issuer set up, and another organisation's administrator setting the
// bank's provider are all refused.
func TestSingleSignOn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		m, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown() })
		h := newHarness(t, dialect, portal.Config{})
		bank := h.queryOne(`SELECT id FROM organisations WHERE name = 'Demo Bank'`)
		cfg := map[string]any{"enabled": true, "issuer": m.Issuer(), "client_id": m.ClientID, "client_secret": m.ClientSecret,
			"email_domain": "bank.example", "roles_claim": "groups", "role_map": map[string]string{"collect-vm": "vendor_manager"},
			"default_roles": []string{"auditor"}, "jit": true}
		if res, _ := h.do("PUT", "/api/v1/organisations/"+bank+"/sso", h.token("orgadmin@agency-a.test"), cfg); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another organisation's administrator setting the bank's provider: %d, want 404", res.StatusCode)
		}
		admin := h.token("orgadmin@demo-bank.test")
		if res, body := h.do("PUT", "/api/v1/organisations/"+bank+"/sso", admin, cfg); res.StatusCode != http.StatusOK || strings.Contains(string(body), m.ClientSecret) {
			t.Fatalf("setting the provider: %d %s", res.StatusCode, body)
		}

		// signIn follows the redirects by hand: portal → provider → portal.
		signIn := func(email string) (callback string, status int, location string, c pageClient) {
			t.Helper()
			c = h.pageClient("")
			res, err := c.Get(h.http.URL + "/sso/start?email=" + email + "&next=/dashboard")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), m.Issuer()) {
				return "", res.StatusCode, res.Header.Get("Location"), c
			}
			res, err = c.Get(res.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			callback = res.Header.Get("Location")
			if !strings.HasPrefix(callback, h.http.URL+"/sso/callback") {
				t.Fatalf("the provider sent the browser to %q", callback)
			}
			res, err = c.Get(callback)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return callback, res.StatusCode, res.Header.Get("Location"), c
		}

		m.QueueUser(&mockoidc.MockUser{Subject: "li-1", Email: "li.ming@bank.example", EmailVerified: true, Groups: []string{"collect-vm"}})
		callback, status, loc, c := signIn("li.ming@bank.example")
		if status != http.StatusSeeOther || loc != "/dashboard" {
			t.Fatalf("single sign-on: %d %s", status, loc)
		}
		if res, _ := c.get(t, h.http.URL+"/dashboard"); res.StatusCode != http.StatusOK {
			t.Fatalf("after single sign-on the dashboard answers %d", res.StatusCode)
		}
		if role := h.queryOne(`SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'li.ming@bank.example'`); role != "vendor_manager" {
			t.Errorf("the user made at first sign-in holds %q, want vendor_manager from the groups claim", role)
		}

		// The same state again: refused.
		res, err := h.pageClient("").Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a replayed state: %d, want 401", res.StatusCode)
		}

		// An address of another domain: refused, and no user made.
		m.QueueUser(&mockoidc.MockUser{Subject: "eve", Email: "eve@evil.example", EmailVerified: true})
		if _, status, _, _ := signIn("li.ming@bank.example"); status != http.StatusUnauthorized {
			t.Errorf("an address of another domain: %d, want 401", status)
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM users WHERE email = 'eve@evil.example'`); n != "0" {
			t.Errorf("a user was made for another domain's address")
		}

		// An expired ID token: refused.
		m.AccessTTL = -time.Hour
		m.QueueUser(&mockoidc.MockUser{Subject: "li-1", Email: "li.ming@bank.example", EmailVerified: true})
		if _, status, _, _ := signIn("li.ming@bank.example"); status != http.StatusUnauthorized {
			t.Errorf("an expired ID token: %d, want 401", status)
		}
		m.AccessTTL = time.Hour

		// A provider that is not the issuer set up (the same server under
		// another name): discovery says another issuer, and is refused.
		cfg["issuer"] = strings.Replace(m.Issuer(), "127.0.0.1", "localhost", 1)
		if res, body := h.do("PUT", "/api/v1/organisations/"+bank+"/sso", admin, cfg); res.StatusCode != http.StatusOK {
			t.Fatalf("re-setting the provider: %d %s", res.StatusCode, body)
		}
		if _, status, _, _ := signIn("li.ming@bank.example"); status != http.StatusUnauthorized {
			t.Errorf("a wrong issuer: %d, want 401", status)
		}
	})
}

// The single sign-on settings page: an organisation administrator saves
// the provider (the secret kept, not shown), a bad domain is refused with
// the form kept, a vendor manager has no such page.
func TestSSOSettingsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	c := h.pageClient(h.token("orgadmin@demo-bank.test"))
	post := func(form url.Values) (*http.Response, string) {
		form.Set("_csrf", c.csrf)
		res, err := c.PostForm(h.http.URL+"/sso", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	form := url.Values{"enabled": {"1"}, "issuer": {"https://login.bank.example"}, "client_id": {"portal"}, "client_secret": {"s3cret-value"},
		"email_domain": {"@bank"}, "roles_claim": {"groups"}, "role_map": {"collect-vm = vendor_manager"}, "default_roles": {"auditor"}, "jit": {"1"}}
	if res, page := post(form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="sso-error"`) || !strings.Contains(page, "login.bank.example") {
		t.Fatalf("a bad domain: %d", res.StatusCode)
	}
	form.Set("email_domain", "bank.example")
	if res, _ := post(form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	_, page := c.get(t, h.http.URL+"/sso")
	if !strings.Contains(page, `value="bank.example"`) || !strings.Contains(page, "collect-vm = vendor_manager") || strings.Contains(page, "s3cret-value") {
		t.Errorf("the saved settings page (the domain and map shown, the secret not)")
	}
	if stored := h.queryOne(`SELECT client_secret FROM org_sso`); stored == "" || stored == "s3cret-value" {
		t.Errorf("the client secret is not sealed at rest")
	}
	if res, _ := h.pageClient(h.token("vm@demo-bank.test")).get(t, h.http.URL+"/sso"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a vendor manager's single sign-on page: %d, want 403", res.StatusCode)
	}
}
