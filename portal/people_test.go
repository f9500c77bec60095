package portal_test

import (
	"collect"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/policies"
	"collect/portal"
	"collect/portal/store/storetest"
)

type inviteAnswer struct {
	ID        string `json:"id"`
	InviteURL string `json:"invite_url"`
	ExpiresAt string `json:"expires_at"`
}

// The organisation administrator's journey through the API: invite, the
// invitee sets a password from the link (once), signs in; roles change;
// deactivation ends the user's token at once; another organisation's
// administrator sees none of it.
func TestPeopleAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		admin := h.token("orgadmin@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)

		res, body := h.do("POST", "/api/v1/organisations/"+agencyA+"/invites", admin,
			map[string]any{"email": "new.agent@agency-a.test", "name": "吴新", "roles": []string{"collector"}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("invite: %d %s", res.StatusCode, body)
		}
		var inv inviteAnswer
		mustJSON(t, body, &inv)
		exp, err := time.Parse(time.RFC3339, inv.ExpiresAt)
		if inv.ID == "" || err != nil || exp.Sub(time.Now()) < 71*time.Hour || exp.Sub(time.Now()) > 73*time.Hour {
			t.Fatalf("invite answer %s", body)
		}
		u, err := url.Parse(inv.InviteURL)
		if err != nil || !strings.HasPrefix(u.Path, "/invite/") {
			t.Fatalf("invite_url %q", inv.InviteURL)
		}
		token := path.Base(u.Path)

		t.Run("weak password refused with a field error", func(t *testing.T) {
			res, body := h.do("POST", "/api/v1/invites/"+token+"/accept", "", map[string]string{"password": "password1234"})
			if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" || !strings.Contains(string(body), `"field":"password"`) {
				t.Fatalf("weak password: %d %s", res.StatusCode, body)
			}
		})
		res, body = h.do("POST", "/api/v1/invites/"+token+"/accept", "", map[string]string{"password": "granite-willow-harbour"})
		if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"email":"new.agent@agency-a.test"`) || strings.Contains(string(body), "password") {
			t.Fatalf("accept: %d %s", res.StatusCode, body)
		}
		var user struct {
			ID string `json:"id"`
		}
		mustJSON(t, body, &user)
		t.Run("second use is gone", func(t *testing.T) {
			res, body := h.do("POST", "/api/v1/invites/"+token+"/accept", "", map[string]string{"password": "granite-willow-harbour"})
			if res.StatusCode != http.StatusGone {
				t.Fatalf("second use: %d %s", res.StatusCode, body)
			}
		})
		res, body = h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "new.agent@agency-a.test", "password": "granite-willow-harbour"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the invited user signs in: %d %s", res.StatusCode, body)
		}
		var tok struct {
			Token string `json:"token"`
		}
		mustJSON(t, body, &tok)

		t.Run("another organisation's administrator gets 404", func(t *testing.T) {
			bank := h.token("orgadmin@demo-bank.test")
			for _, r := range []struct{ method, path string }{
				{"GET", "/api/v1/users/" + user.ID},
				{"PATCH", "/api/v1/users/" + user.ID},
				{"POST", "/api/v1/users/" + user.ID + "/deactivate"},
				{"POST", "/api/v1/users/" + user.ID + "/reactivate"},
				{"POST", "/api/v1/users/" + user.ID + "/reset-password"},
				{"GET", "/api/v1/users/" + user.ID + "/open-work"},
				{"POST", "/api/v1/organisations/" + agencyA + "/invites"},
			} {
				var b any
				if r.method == "PATCH" {
					b = map[string]any{"roles": []string{"collector"}}
				}
				if strings.HasSuffix(r.path, "/invites") {
					b = map[string]any{"email": "x@agency-a.test", "name": "X", "roles": []string{"collector"}}
				}
				res, body := h.do(r.method, r.path, bank, b)
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s as Demo Bank's administrator: %d %s, want 404", r.method, r.path, res.StatusCode, body)
				}
			}
			res, body := h.do("GET", "/api/v1/users", bank, nil)
			if res.StatusCode != 200 || strings.Contains(string(body), "agency-a.test") {
				t.Errorf("Demo Bank's user list shows Agency A's people: %s", body)
			}
		})
		t.Run("a collector may not manage people", func(t *testing.T) {
			res, _ := h.do("GET", "/api/v1/users", h.token("agent@agency-a.test"), nil)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("a collector lists users: %d", res.StatusCode)
			}
		})
		t.Run("separation of duties refused with the rule named", func(t *testing.T) {
			res, body := h.do("PATCH", "/api/v1/users/"+user.ID, admin, map[string]any{"roles": []string{"collector", "vendor_manager"}})
			if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "rule_violation" || !strings.Contains(string(body), `"rule":"sod.arrangement"`) {
				t.Fatalf("maker and approver: %d %s", res.StatusCode, body)
			}
		})
		t.Run("integration is for keys, not people", func(t *testing.T) {
			res, body := h.do("PATCH", "/api/v1/users/"+user.ID, admin, map[string]any{"roles": []string{"integration"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"roles"`) {
				t.Fatalf("a person given the integration role: %d %s", res.StatusCode, body)
			}
			res, body = h.do("POST", "/api/v1/organisations/"+agencyA+"/invites", admin,
				map[string]any{"email": "feed@agency-a.test", "name": "Feed", "roles": []string{"integration"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("a person invited as integration: %d %s", res.StatusCode, body)
			}
			res, page := h.pageClient(admin).get(t, h.http.URL+"/people")
			if res.StatusCode != http.StatusOK || !strings.Contains(page, `invite-role-collector`) || strings.Contains(page, `invite-role-integration`) {
				t.Errorf("the invite form offers the integration role (%d)", res.StatusCode)
			}
		})
		res, body = h.do("PATCH", "/api/v1/users/"+user.ID, admin, map[string]any{"roles": []string{"collector", "agency_supervisor"}})
		if res.StatusCode != 200 || !strings.Contains(string(body), "agency_supervisor") {
			t.Fatalf("roles: %d %s", res.StatusCode, body)
		}

		res, body = h.do("GET", "/api/v1/me", tok.Token, nil)
		if res.StatusCode != 200 {
			t.Fatalf("me before deactivation: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/users/"+user.ID+"/deactivate", admin, nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"open_work"`) || !strings.Contains(string(body), `"queue"`) {
			t.Fatalf("deactivate: %d %s", res.StatusCode, body)
		}
		t.Run("the deactivated user's token is refused at once", func(t *testing.T) {
			res, body := h.do("GET", "/api/v1/me", tok.Token, nil)
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("me after deactivation: %d %s", res.StatusCode, body)
			}
			res, _ = h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "new.agent@agency-a.test", "password": "granite-willow-harbour"})
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a deactivated user signs in: %d", res.StatusCode)
			}
		})
		res, body = h.do("POST", "/api/v1/users/"+user.ID+"/reactivate", admin, nil)
		if res.StatusCode != 200 {
			t.Fatalf("reactivate: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/me", tok.Token, nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a token from before the deactivation works again: %d", res.StatusCode)
		}
		res, body = h.do("POST", "/api/v1/users/"+user.ID+"/reset-password", admin, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("reset: %d %s", res.StatusCode, body)
		}
		var reset struct {
			ResetURL string `json:"reset_url"`
		}
		mustJSON(t, body, &reset)
		ru, _ := url.Parse(reset.ResetURL)
		res, body = h.do("POST", "/api/v1/resets/"+path.Base(ru.Path)+"/accept", "", map[string]string{"password": "meadow-copper-lantern"})
		if res.StatusCode != 200 {
			t.Fatalf("reset accept: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "new.agent@agency-a.test", "password": "meadow-copper-lantern"})
		if res.StatusCode != 200 {
			t.Fatalf("sign in after reset: %d %s", res.StatusCode, body)
		}
		mustJSON(t, body, &tok)

		t.Run("my password", func(t *testing.T) {
			res, body := h.do("POST", "/api/v1/me/password", tok.Token, map[string]string{"current": "wrong-password", "new": "river-stone-quietly"})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"current"`) {
				t.Fatalf("wrong current: %d %s", res.StatusCode, body)
			}
			res, body = h.do("POST", "/api/v1/me/password", tok.Token, map[string]string{"current": "meadow-copper-lantern", "new": "short"})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"new"`) {
				t.Fatalf("weak new: %d %s", res.StatusCode, body)
			}
			res, body = h.do("POST", "/api/v1/me/password", tok.Token, map[string]string{"current": "meadow-copper-lantern", "new": "river-stone-quietly"})
			if res.StatusCode != 200 {
				t.Fatalf("change: %d %s", res.StatusCode, body)
			}
			var fresh struct {
				Token string `json:"token"`
			}
			mustJSON(t, body, &fresh)
			if res, _ := h.do("GET", "/api/v1/me", tok.Token, nil); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("the old token works after a password change: %d", res.StatusCode)
			}
			if res, _ := h.do("GET", "/api/v1/me", fresh.Token, nil); res.StatusCode != 200 {
				t.Errorf("the new token does not work: %d", res.StatusCode)
			}
		})
		t.Run("audited", func(t *testing.T) {
			n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action LIKE 'people.%'`)
			if n != "8" { // invite, accept, roles, deactivate, reactivate, reset issued, reset used, password
				t.Errorf("%s people events, want 8", n)
			}
		})
	})
}

func TestInviteExpired(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		bank := h.queryOne(`SELECT id FROM organisations WHERE name = 'Demo Bank'`)
		res, body := h.do("POST", "/api/v1/organisations/"+bank+"/invites", h.token("orgadmin@demo-bank.test"),
			map[string]any{"email": "late@demo-bank.test", "name": "Late", "roles": []string{"auditor"}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("invite: %d %s", res.StatusCode, body)
		}
		var inv inviteAnswer
		mustJSON(t, body, &inv)
		if _, err := h.store.DB().Exec(`UPDATE user_tokens SET expires_at = created_at WHERE id = $1`, inv.ID); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(inv.InviteURL)
		res, body = h.do("POST", "/api/v1/invites/"+path.Base(u.Path)+"/accept", "", map[string]string{"password": "granite-willow-harbour"})
		if res.StatusCode != http.StatusGone || errorCode(t, body) != "gone" {
			t.Fatalf("expired invite: %d %s", res.StatusCode, body)
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM users WHERE email = 'late@demo-bank.test'`); n != "0" {
			t.Fatalf("an expired invite made a user")
		}
		page, err := http.Get(h.http.URL + "/invite/" + path.Base(u.Path))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != http.StatusGone || !strings.Contains(string(b), `data-testid="link-gone"`) {
			t.Fatalf("expired invite page: %d", page.StatusCode)
		}
	})
}

// The people page and the invite page, like a browser, in Chinese (the
// default) and English.
func TestPeoplePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		c := h.pageClient(h.token("orgadmin@agency-a.test"))
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		res, body := c.get(t, h.http.URL+"/people")
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="person-agent@agency-a.test"`) || strings.Contains(body, "agency-b.test") || !strings.Contains(body, "人员") {
			t.Fatalf("people page: %d", res.StatusCode)
		}
		form := url.Values{"_csrf": {c.csrf}, "email": {"page.agent@agency-a.test"}, "name": {"页面"}, "roles": {"collector"}}
		res, err := c.PostForm(h.http.URL+"/people/invite", form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		link := linkIn.FindStringSubmatch(string(b))
		if res.StatusCode != http.StatusCreated || link == nil {
			t.Fatalf("invite form: %d", res.StatusCode)
		}
		form = url.Values{"_csrf": {c.csrf}, "roles": {"collector", "vendor_manager"}}
		agent := h.queryOne(`SELECT id FROM users WHERE email = 'agent@agency-a.test'`)
		res, _ = c.PostForm(h.http.URL+"/people/"+agent+"/roles", form)
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "sod.arrangement") || !strings.Contains(string(b), "职责分离") {
			t.Fatalf("separation of duties on the page: %d", res.StatusCode)
		}

		anon := h.pageClient("")
		res, body = anon.get(t, link[1])
		if res.StatusCode != 200 || !strings.Contains(body, "page.agent@agency-a.test") {
			t.Fatalf("invite page %q: %d %v %s", link[1], res.StatusCode, res.Header, body)
		}
		token := path.Base(link[1])
		res, _ = anon.PostForm(h.http.URL+"/invite/"+token, url.Values{"_csrf": {anon.csrf}, "password": {"qwerty123456"}, "password_again": {"qwerty123456"}})
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `data-testid="form-errors"`) {
			t.Fatalf("weak password on the page: %d", res.StatusCode)
		}
		res, _ = anon.PostForm(h.http.URL+"/invite/"+token, url.Values{"_csrf": {anon.csrf}, "password": {"harbour-lantern-meadow"}, "password_again": {"harbour-lantern-meadow"}})
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("set password on the page: %d", res.StatusCode)
		}
		res, _ = anon.PostForm(h.http.URL+"/invite/"+token, url.Values{"_csrf": {anon.csrf}, "password": {"harbour-lantern-meadow"}, "password_again": {"harbour-lantern-meadow"}})
		res.Body.Close()
		if res.StatusCode != http.StatusGone {
			t.Fatalf("second use on the page: %d", res.StatusCode)
		}
		t.Run("the platform invites Agency C's first administrator", func(t *testing.T) {
			p := h.pageClient(h.token("admin@platform.test"))
			res, body := p.get(t, h.http.URL+"/people")
			agencyC := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency C'`)
			if res.StatusCode != 200 || !strings.Contains(body, `data-testid="invite-org"`) || !strings.Contains(body, agencyC) {
				t.Fatalf("the platform's people page offers no organisation: %d", res.StatusCode)
			}
			res, _ = p.PostForm(h.http.URL+"/people/invite", url.Values{"_csrf": {p.csrf}, "organisation_id": {agencyC},
				"email": {"admin@agency-c.test"}, "name": {"丙管理员"}, "roles": {"org_admin"}})
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("first administrator: %d", res.StatusCode)
			}
			res, _ = p.PostForm(h.http.URL+"/people/invite", url.Values{"_csrf": {p.csrf}, "organisation_id": {agencyA},
				"email": {"second@agency-a.test"}, "name": {"X"}, "roles": {"org_admin"}})
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden || !strings.Contains(string(b), `data-testid="form-errors"`) {
				t.Fatalf("the platform invites into an organisation that has its administrator: %d", res.StatusCode)
			}
		})
		me, _, _ := h.formLogin("page.agent@agency-a.test", "harbour-lantern-meadow")
		res, body = me.get(t, h.http.URL+"/me/password", "Accept-Language", "en")
		if res.StatusCode != 200 || !strings.Contains(body, "Current password") {
			t.Fatalf("my password page: %d", res.StatusCode)
		}
	})
}

var linkIn = regexp.MustCompile(`data-testid="one-time-link-url">([^<]+)<`)

// The separation-of-duties rule's makers and approvers are those the policy
// grants making and approving arrangements: a policy change that lets one
// role do both, or moves either to another role, fails here.
func TestSeparatedDutiesMatchPolicy(t *testing.T) {
	t.Parallel()
	enf, err := policies.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range collect.SeparatedDuties {
		for _, role := range collect.Roles {
			makes, _ := enf.Enforce(role, d.Object, d.Make)
			approves, _ := enf.Enforce(role, d.Object, d.Approve)
			if makes && approves {
				t.Errorf("%s: the role %s may both %s and %s %s", d.Rule, role, d.Make, d.Approve, d.Object)
			}
			if makes != contains(d.Makers, role) {
				t.Errorf("%s: policy says %s makes %s: %v; the rule lists %v", d.Rule, role, d.Object, makes, d.Makers)
			}
			if approves != contains(d.Approvers, role) {
				t.Errorf("%s: policy says %s approves %s: %v; the rule lists %v", d.Rule, role, d.Object, approves, d.Approvers)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestPeopleAndOrganisationsPaged: the people and organisations pages show
// one page at a time with a pager, never every row of a large install.
func TestPeopleAndOrganisationsPaged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	person := regexp.MustCompile(`data-testid="person-([^"]+@[^"]+)"`)
	org := regexp.MustCompile(`data-testid="org-([0-9a-f-]{36})"`)
	for _, tt := range []struct {
		email, path string
		row         *regexp.Regexp
	}{
		{"orgadmin@agency-a.test", "/people", person},
		{"admin@platform.test", "/admin/organisations", org},
	} {
		c := h.pageClient(h.token(tt.email))
		seen := map[string]bool{}
		for page := 1; page <= 2; page++ {
			res, body := c.get(t, fmt.Sprintf("%s%s?per_page=1&page=%d", h.http.URL, tt.path, page))
			rows := tt.row.FindAllStringSubmatch(body, -1)
			if res.StatusCode != http.StatusOK || len(rows) != 1 || !strings.Contains(body, `data-testid="pagination"`) {
				t.Fatalf("%s page %d: %d, %d rows, pager %v", tt.path, page, res.StatusCode, len(rows), strings.Contains(body, `data-testid="pagination"`))
			}
			if seen[rows[0][1]] {
				t.Errorf("%s page %d repeats %s", tt.path, page, rows[0][1])
			}
			seen[rows[0][1]] = true
			if page == 1 && !strings.Contains(body, `href="`+tt.path+`?page=2&amp;per_page=1"`) {
				t.Errorf("%s: no link to page 2", tt.path)
			}
		}
	}
}
