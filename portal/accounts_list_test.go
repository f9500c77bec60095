package portal_test

import (
	"net/url"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// The account list's answer keeps API.md's fields and adds total_exact and
// next; following next walks the agency's accounts once each; a search by
// national ID finds the account for its agency and nothing for another
// agency; the page's Next link carries the cursor.
func TestAccountListCursorAndSearchOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		tokA, tokB := h.token("agent@agency-a.test"), h.token("agent@agency-b.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		type listAnswer struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Total      int64   `json:"total"`
			Page       int     `json:"page"`
			PerPage    int     `json:"per_page"`
			TotalExact *bool   `json:"total_exact"`
			Next       *string `json:"next"`
		}
		seen := map[string]bool{}
		path := "/api/v1/accounts?per_page=7&sort=name"
		var total int64
		for page := 1; ; page++ {
			res, body := h.do("GET", path, tokA, nil)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, res.StatusCode, body)
			}
			var l listAnswer
			mustJSON(t, body, &l)
			if l.TotalExact == nil || !*l.TotalExact || l.PerPage != 7 {
				t.Fatalf("%s: %s", path, body)
			}
			total = l.Total
			for _, it := range l.Items {
				if seen[it.ID] {
					t.Fatalf("page %d repeats %s", page, it.ID)
				}
				seen[it.ID] = true
			}
			if l.Next == nil {
				break
			}
			path = "/api/v1/accounts?per_page=7&sort=name&after=" + url.QueryEscape(*l.Next)
		}
		if int64(len(seen)) != total || total == 0 {
			t.Fatalf("the cursor walked %d accounts of %d", len(seen), total)
		}
		res, body := h.do("GET", "/api/v1/accounts?after=forged", tokA, nil)
		if res.StatusCode != 422 || errorCode(t, body) != "invalid" {
			t.Fatalf("a forged cursor: %d %s", res.StatusCode, body)
		}

		id := h.queryOne(`SELECT id FROM accounts WHERE agency_id = $1 ORDER BY id LIMIT 1`, agencyA)
		nationalID := h.queryOne(`SELECT national_id FROM accounts WHERE id = $1`, id)
		for _, c := range []struct {
			tok  string
			want bool
		}{{tokA, true}, {tokB, false}, {h.token("vm@demo-bank.test"), true}} {
			res, body := h.do("GET", "/api/v1/accounts?q="+url.QueryEscape(nationalID), c.tok, nil)
			if res.StatusCode != 200 || strings.Contains(string(body), id) != c.want {
				t.Fatalf("search by national ID (found wanted %v): %d %s", c.want, res.StatusCode, body)
			}
		}

		c, _, _ := h.formLogin("agent@agency-a.test", "demo-password")
		res, page := c.get(t, h.http.URL+"/accounts?per_page=7&sort=name")
		if res.StatusCode != 200 || !strings.Contains(page, `data-testid="account-table"`) || !strings.Contains(page, "after=") {
			t.Fatalf("the page's Next link has no cursor: %d %.2000s", res.StatusCode, page)
		}
	})
}
