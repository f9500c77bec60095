package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// An organisation administrator makes an integration key for the bank's
// systems: shown once, listed without it, usable as a bearer token for the
// integration routes only, audited as the key, limited to its addresses,
// refused once revoked; another organisation cannot see or revoke it.
func TestIntegrationKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		admin := h.token("orgadmin@demo-bank.test")
		if res, _ := h.do("POST", "/api/v1/keys", h.token("vm@demo-bank.test"), map[string]any{"name": "x", "roles": []string{"integration"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a vendor manager making a key: %d, want 403", res.StatusCode)
		}
		if res, body := h.do("POST", "/api/v1/keys", admin, map[string]any{"name": "feed", "roles": []string{"vendor_manager"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a key with a person's role: %d %s", res.StatusCode, body)
		}
		res, body := h.do("POST", "/api/v1/keys", admin, map[string]any{"name": "payments feed", "roles": []string{"integration"}})
		var k struct{ ID, Key string }
		if err := json.Unmarshal(body, &k); err != nil || res.StatusCode != http.StatusCreated || !strings.HasPrefix(k.Key, "ck_") {
			t.Fatalf("make a key: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("GET", "/api/v1/placements", k.Key, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the key reading placements: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/accounts", k.Key, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("the key reading accounts (no integration work): %d, want 403", res.StatusCode)
		}
		acc := h.queryOne(`SELECT a.id FROM accounts a JOIN organisations o ON o.id = a.lender_id WHERE o.name = 'Demo Bank' LIMIT 1`)
		if res, body := h.do("POST", "/api/v1/complaints", k.Key, map[string]any{"account_id": acc, "category": "other", "description": "intake"}); res.StatusCode != http.StatusCreated {
			t.Errorf("the key filing a complaint: %d %s", res.StatusCode, body)
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE actor_id = $1 AND action LIKE 'complaint.%'`, "key:"+k.ID); n != "1" {
			t.Errorf("the complaint is audited as the key %s times, want once", n)
		}
		res, body = h.do("GET", "/api/v1/keys", admin, nil)
		if res.StatusCode != http.StatusOK || strings.Contains(string(body), k.Key) || !strings.Contains(string(body), `"last_used_at":"`) {
			t.Errorf("the key list (no key, the last use): %d %s", res.StatusCode, body)
		}
		// Another organisation's administrator neither sees nor revokes it.
		other := h.token("orgadmin@agency-a.test")
		if _, body := h.do("GET", "/api/v1/keys", other, nil); strings.Contains(string(body), k.ID) {
			t.Errorf("another organisation lists the bank's key")
		}
		if res, _ := h.do("DELETE", "/api/v1/keys/"+k.ID, other, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("another organisation revoking the key: %d, want 404", res.StatusCode)
		}
		// From an address not on its list, refused.
		res, body = h.do("POST", "/api/v1/keys", admin, map[string]any{"name": "from the bank", "roles": []string{"integration"}, "allow_from": []string{"192.0.2.0/24"}})
		var k2 struct{ ID, Key string }
		json.Unmarshal(body, &k2)
		if res, _ := h.do("GET", "/api/v1/placements", k2.Key, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a key used from outside its allow-list: %d, want 401", res.StatusCode)
		}
		// Revoked: refused at once.
		if res, _ := h.do("DELETE", "/api/v1/keys/"+k.ID, admin, nil); res.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if res, _ := h.do("GET", "/api/v1/placements", k.Key, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a revoked key: %d, want 401", res.StatusCode)
		}
		// Expired: refused.
		h.store.DB().Exec(`UPDATE api_keys SET expires_at = $1 WHERE id = $2`, "2020-01-01 00:00:00", k2.ID)
		h.store.DB().Exec(`UPDATE api_keys SET allow_from = '[]' WHERE id = $1`, k2.ID)
		if res, _ := h.do("GET", "/api/v1/placements", k2.Key, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("an expired key: %d, want 401", res.StatusCode)
		}
	})
}

// The keys page: an organisation administrator makes a key (shown once),
// sees it listed, and revokes it; another organisation's administrator
// cannot revoke it (404); a vendor manager has no keys page.
func TestIntegrationKeysPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		c := h.pageClient(h.token("orgadmin@demo-bank.test"))
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
		if res, page := post(c, "/keys", url.Values{"name": {"feed"}, "allow_from": {"not-an-address"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="keys-error"`) {
			t.Fatalf("a bad allow-list: %d", res.StatusCode)
		}
		res, page := post(c, "/keys", url.Values{"name": {"payments feed"}, "allow_from": {"127.0.0.1"}})
		m := regexp.MustCompile(`data-testid="new-key">(ck_[a-z2-7]+)<`).FindStringSubmatch(page)
		if res.StatusCode != http.StatusCreated || m == nil {
			t.Fatalf("make a key on the page: %d", res.StatusCode)
		}
		if res, _ := h.do("GET", "/api/v1/placements", m[1], nil); res.StatusCode != http.StatusOK {
			t.Errorf("the key made on the page: %d", res.StatusCode)
		}
		_, page = c.get(t, h.http.URL+"/keys")
		if strings.Contains(page, m[1]) || !strings.Contains(page, `data-testid="key-row"`) {
			t.Errorf("the keys page shows the key again, or not its row")
		}
		id := h.queryOne(`SELECT id FROM api_keys WHERE name = 'payments feed'`)
		if res, _ := post(h.pageClient(h.token("orgadmin@agency-a.test")), "/keys/"+id+"/revoke", url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("another organisation revoking on the page: %d, want 404", res.StatusCode)
		}
		if res, _ := post(c, "/keys/"+id+"/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke on the page: %d", res.StatusCode)
		}
		if res, _ := h.do("GET", "/api/v1/placements", m[1], nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("the revoked key: %d, want 401", res.StatusCode)
		}
		if res, _ := h.pageClient(h.token("vm@demo-bank.test")).get(t, h.http.URL+"/keys"); res.StatusCode != http.StatusForbidden {
			t.Errorf("a vendor manager's keys page: %d, want 403", res.StatusCode)
		}
	})
}
