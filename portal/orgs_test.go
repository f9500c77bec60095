package portal_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store/storetest"
)

type orgJSON struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	NameEN     string   `json:"name_en"`
	CreditCode string   `json:"credit_code"`
	TimeZone   string   `json:"time_zone"`
	Status     string   `json:"status"`
	Licences   []string `json:"licences"`
}

type errJSON struct {
	Error struct {
		Code   string `json:"code"`
		Key    string `json:"key"`
		Fields []struct {
			Field, Message string
		} `json:"fields"`
	} `json:"error"`
}

// The platform administrator onboards, edits, suspends and reactivates
// organisations through the API of issue 13; nobody else learns the
// routes exist; a suspended organisation's users cannot sign in.
func TestOrganisationsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		admin := h.token("admin@platform.test")

		res, body := h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "lender", "name": "华信银行股份有限公司",
			"name_en": "Huaxin Bank", "credit_code": "91350100M000100Y43"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		var bank orgJSON
		mustJSON(t, body, &bank)
		if bank.ID == "" || bank.Kind != "lender" || bank.Name != "华信银行股份有限公司" || bank.NameEN != "Huaxin Bank" ||
			bank.CreditCode != "91350100M000100Y43" || bank.TimeZone != "Asia/Shanghai" || bank.Status != "active" || bank.Licences == nil {
			t.Fatalf("created %s", body)
		}

		// A wrong check character: 422 naming the field; a taken code: 409.
		res, body = h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "agency", "name": "某催收公司", "credit_code": "91350100M000100Y44"})
		var e errJSON
		mustJSON(t, body, &e)
		if res.StatusCode != http.StatusUnprocessableEntity || e.Error.Code != "invalid" || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "credit_code" ||
			!strings.Contains(e.Error.Fields[0].Message, "check character") {
			t.Fatalf("bad credit code: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "agency", "name": "某催收公司", "credit_code": "91350100m000100y43"})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("duplicate credit code: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "agency", "name": "某催收公司", "credit_code": "9144030071526726XG", "time_zone": "Asia/Nowhere"})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"time_zone"`) {
			t.Fatalf("bad zone: %d %s", res.StatusCode, body)
		}

		// Read, list, edit only what the PATCH names.
		res, body = h.do("GET", "/api/v1/organisations/"+bank.ID, admin, nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), "Huaxin Bank") {
			t.Fatalf("read: %d %s", res.StatusCode, body)
		}
		items, total := h.apiList(t, "/api/v1/organisations?kind=lender", admin)
		if total != 2 || len(items) != 2 {
			t.Fatalf("lenders: %d %v", total, items)
		}
		res, body = h.do("PATCH", "/api/v1/organisations/"+bank.ID, admin, map[string]any{"name_en": "Huaxin Bank Co., Ltd.", "licences": []string{"金融许可证 B0001H"}})
		var edited orgJSON
		mustJSON(t, body, &edited)
		if res.StatusCode != 200 || edited.NameEN != "Huaxin Bank Co., Ltd." || edited.Name != bank.Name || edited.CreditCode != bank.CreditCode || len(edited.Licences) != 1 {
			t.Fatalf("patch: %d %s", res.StatusCode, body)
		}
		res, body = h.do("PATCH", "/api/v1/organisations/"+bank.ID, admin, map[string]any{"kind": "agency"})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("kind change: %d %s", res.StatusCode, body)
		}

		// Everybody else: the routes do not exist.
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		for _, email := range []string{"vm@demo-bank.test", "auditor@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test"} {
			tok := h.token(email)
			for _, r := range []struct{ method, path string }{{"GET", "/api/v1/organisations"}, {"GET", "/api/v1/organisations/" + agencyA},
				{"PATCH", "/api/v1/organisations/" + agencyA}, {"POST", "/api/v1/organisations/" + agencyA + "/suspend"}, {"POST", "/api/v1/organisations"}} {
				var b any
				if r.method != "GET" {
					b = map[string]any{}
				}
				if res, body := h.do(r.method, r.path, tok, b); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s as %s: %d %s, want 404", r.method, r.path, email, res.StatusCode, body)
				}
			}
		}

		// Suspending Agency A signs its people out and keeps them out.
		agent := h.token("agent@agency-a.test")
		if res, body := h.do("POST", "/api/v1/organisations/"+agencyA+"/suspend", admin, nil); res.StatusCode != 200 || !strings.Contains(string(body), `"suspended"`) {
			t.Fatalf("suspend: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("GET", "/api/v1/me", agent, nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a suspended agency's token still works: %d", res.StatusCode)
		}
		res, body = h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "agent@agency-a.test", "password": demo.Password})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a suspended agency's user signs in: %d %s", res.StatusCode, body)
		}
		if res, body := h.do("POST", "/api/v1/organisations/"+agencyA+"/reactivate", admin, nil); res.StatusCode != 200 || !strings.Contains(string(body), `"active"`) {
			t.Fatalf("reactivate: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "agent@agency-a.test", "password": demo.Password})
		if res.StatusCode != 200 {
			t.Fatalf("reactivated agency's user: %d %s", res.StatusCode, body)
		}
		platform := h.queryOne(`SELECT id FROM organisations WHERE kind = 'platform'`)
		if res, _ := h.do("POST", "/api/v1/organisations/"+platform+"/suspend", admin, nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("suspending the platform: %d", res.StatusCode)
		}
		n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action LIKE 'organisation.%'`)
		if n != "4" {
			t.Fatalf("organisation audit events: %s, want 4 (create, update, suspend, reactivate)", n)
		}
	})
}

// The organisations pages: the platform administrator lists, onboards,
// edits and suspends; a bad credit code re-renders the form with the
// reason; others get 404.
func TestOrganisationsPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	c := h.pageClient(h.token("admin@platform.test"))
	base := h.http.URL
	res, page := c.get(t, base+"/admin/organisations")
	if res.StatusCode != 200 || !strings.Contains(page, "机构管理") || !strings.Contains(page, "甲信催收服务有限公司") {
		t.Fatalf("list page: %d", res.StatusCode)
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("_csrf", c.csrf)
		res, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, page = post("/admin/organisations", url.Values{"kind": {"agency"}, "name": {"丁信催收服务有限公司"}, "credit_code": {"914403001922038217"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "校验码不符") || !strings.Contains(page, "丁信催收服务有限公司") {
		t.Fatalf("bad code: %d", res.StatusCode)
	}
	res, _ = post("/admin/organisations", url.Values{"kind": {"agency"}, "name": {"丁信催收服务有限公司"}, "credit_code": {"914403001922038216"},
		"provinces": {"广东、福建"}, "licences": {"营业执照\r\n催收备案 2026-01"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/organisations/") {
		t.Fatalf("create: %d %s", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/admin/organisations/")
	res, page = c.get(t, base+loc)
	if res.StatusCode != 200 || !strings.Contains(page, "机构已入驻") || !strings.Contains(page, "广东、福建") || !strings.Contains(page, "催收备案 2026-01") {
		t.Fatalf("edit page: %d", res.StatusCode)
	}
	res, _ = post("/admin/organisations/"+id, url.Values{"name": {"丁信催收服务有限公司"}, "name_en": {"Dingxin Collections"}, "credit_code": {"914403001922038216"}, "time_zone": {"Asia/Shanghai"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	res, _ = post("/admin/organisations/"+id+"/status", url.Values{"status": {"suspended"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", res.StatusCode)
	}
	if got := h.queryOne(`SELECT status || ' ' || name_en FROM organisations WHERE id = $1`, id); got != "suspended Dingxin Collections" {
		t.Fatalf("after edit and suspend: %q", got)
	}
	res, page = c.get(t, base+"/admin/organisations/"+id, "Accept-Language", "en")
	if res.StatusCode != 200 || !strings.Contains(page, "Reactivate") {
		t.Fatalf("suspended page in English: %d", res.StatusCode)
	}
	vm := h.pageClient(h.token("vm@demo-bank.test"))
	for _, p := range []string{"/admin/organisations", "/admin/organisations/" + id} {
		if res, _ := vm.get(t, base+p); res.StatusCode != http.StatusNotFound {
			t.Errorf("vendor manager GET %s: %d, want 404", p, res.StatusCode)
		}
	}
}
