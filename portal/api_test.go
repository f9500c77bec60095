package portal_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	tok := h.token("vm@demo-bank.test")
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"MalformedJSON", "POST", "/api/v1/auth/token", "", `{"email": "vm@demo-bank.test",`, 400, "invalid"},
		{"NotAnObject", "POST", "/api/v1/auth/token", "", `[1,2]`, 400, "invalid"},
		{"UnknownField", "POST", "/api/v1/auth/token", "", `{"email":"vm@demo-bank.test","password":"x","admin":true}`, 400, "invalid"},
		{"WrongType", "POST", "/api/v1/auth/token", "", `{"email":42,"password":"x"}`, 400, "invalid"},
		{"EmptyBody", "POST", "/api/v1/auth/token", "", ``, 400, "invalid"},
		{"TwoObjects", "POST", "/api/v1/auth/token", "", `{"email":"a@b.c","password":"x"} {}`, 400, "invalid"},
		{"MissingPassword", "POST", "/api/v1/auth/token", "", map[string]string{"email": "vm@demo-bank.test"}, 422, "invalid"},
		{"OverlongEmail", "POST", "/api/v1/auth/token", "", map[string]string{"email": strings.Repeat("a", 300) + "@x.test", "password": "x"}, 422, "invalid"},
		{"OverlongPassword", "POST", "/api/v1/auth/token", "", map[string]string{"email": "vm@demo-bank.test", "password": strings.Repeat("p", 100)}, 422, "invalid"},
		{"BadPage", "GET", "/api/v1/accounts?page=abc", tok, nil, 422, "invalid"},
		{"NegativePage", "GET", "/api/v1/accounts?page=-1", tok, nil, 422, "invalid"},
		{"PerPageTooLarge", "GET", "/api/v1/accounts?per_page=501", tok, nil, 422, "invalid"},
		{"UnknownSort", "GET", "/api/v1/accounts?sort=password", tok, nil, 422, "invalid"},
		{"UnknownStage", "GET", "/api/v1/accounts?stage=jail", tok, nil, 422, "invalid"},
		{"UnknownBucket", "GET", "/api/v1/accounts?bucket=M9", tok, nil, 422, "invalid"},
		{"OverlongSearch", "GET", "/api/v1/accounts?q=" + strings.Repeat("x", 101), tok, nil, 422, "invalid"},
		{"UnknownRoute", "GET", "/api/v1/nothing-here", tok, nil, 404, "not_found"},
		{"MissingAccount", "GET", "/api/v1/accounts/does-not-exist", tok, nil, 404, "not_found"},
		{"WrongMethod", "DELETE", "/api/v1/me", tok, nil, 405, "invalid"},
		{"BadCredentials", "POST", "/api/v1/auth/token", "", map[string]string{"email": "vm@demo-bank.test", "password": "nope"}, 401, "unauthorized"},
		{"UnknownUser", "POST", "/api/v1/auth/token", "", map[string]string{"email": "who@nowhere.test", "password": "nope"}, 401, "unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := h.do(c.method, c.path, c.token, c.body)
			if res.StatusCode != c.status || errorCode(t, body) != c.code {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, c.status, c.code)
			}
		})
	}
	t.Run("FieldsNamed", func(t *testing.T) {
		_, body := h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "vm@demo-bank.test"})
		if !strings.Contains(string(body), `"field":"password"`) {
			t.Fatalf("the missing field is not named: %s", body)
		}
	})
}

func TestListsAndDetail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		var list struct {
			Items []struct {
				ID           string `json:"id"`
				BalanceCents int64  `json:"balance_cents"`
				DPD          int    `json:"dpd"`
				Bucket       string `json:"bucket"`
				Stage        string `json:"stage"`
				Phone        string `json:"phone"`
				Placement    *struct {
					ID       string `json:"id"`
					AgencyID string `json:"agency_id"`
					Status   string `json:"status"`
					EndsAt   string `json:"ends_at"`
				} `json:"placement"`
			} `json:"items"`
			Total   int64 `json:"total"`
			Page    int   `json:"page"`
			PerPage int   `json:"per_page"`
		}
		tok := h.token("agent@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		res, body := h.do("GET", "/api/v1/accounts?per_page=10&sort=-balance", tok, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		mustJSON(t, body, &list)
		want := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM placements WHERE status = 'active' AND agency_id = $1`, agencyA)
		if list.PerPage != 10 || list.Page != 1 || len(list.Items) != 10 || want != strconv.FormatInt(list.Total, 10) {
			t.Fatalf("page %d per %d items %d total %d (want %s)", list.Page, list.PerPage, len(list.Items), list.Total, want)
		}
		for i, it := range list.Items {
			if it.Placement == nil || it.Placement.AgencyID != agencyA || it.Placement.Status != "active" || it.Placement.EndsAt == "" {
				t.Fatalf("item %s placement %+v", it.ID, it.Placement)
			}
			if !strings.Contains(it.Phone, "****") {
				t.Fatalf("list phone not masked: %s", it.Phone)
			}
			if i > 0 && list.Items[i-1].BalanceCents < it.BalanceCents {
				t.Fatalf("not sorted by balance descending")
			}
		}
		// The collector's detail view is unmasked and audited.
		res, body = h.do("GET", "/api/v1/accounts/"+list.Items[0].ID, tok, nil)
		if res.StatusCode != 200 || strings.Contains(string(body), "****") || !strings.Contains(string(body), `"masked":false`) {
			t.Fatalf("collector detail: %d %s", res.StatusCode, body)
		}
		// The auditor's is masked.
		res, body = h.do("GET", "/api/v1/accounts/"+list.Items[0].ID, h.token("auditor@demo-bank.test"), nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"masked":true`) {
			t.Fatalf("auditor detail: %d %s", res.StatusCode, body)
		}
		// Another agency's collector: not found.
		res, _ = h.do("GET", "/api/v1/accounts/"+list.Items[0].ID, h.token("agent@agency-b.test"), nil)
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("agency B reading agency A's account: %d", res.StatusCode)
		}
		// The audit verify endpoint answers ok.
		res, body = h.do("GET", "/api/v1/audit/verify", h.token("auditor@demo-bank.test"), nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) || !strings.Contains(string(body), `"first_bad":null`) {
			t.Fatalf("verify: %d %s", res.StatusCode, body)
		}
	})
}

func TestOperations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	for _, p := range []string{"/healthz", "/readyz"} {
		if res, body := h.do("GET", p, "", nil); res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, res.StatusCode, body)
		}
	}
	h.do("GET", "/api/v1/me", "", nil)
	res, body := h.do("GET", "/metrics", "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `portal_http_requests_total{method="GET",route="/api/v1/me",status="401"}`) {
		t.Fatalf("metrics: %d %.400s", res.StatusCode, body)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatal("no request id header")
	}
}
