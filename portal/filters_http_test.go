package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"collect/portal"
)

// rowIDs are the data-id of each row the page lists with the test id.
func rowIDs(t *testing.T, page, testid string) []string {
	t.Helper()
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(testid) + `"\s+data-id="([^"]+)"`)
	var ids []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// apiItems is the items of an API list answer, with the fields the tests
// compare.
type apiItem struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	AgencyID  string `json:"agency_id"`
}

func (h *harness) apiList(t *testing.T, path, token string) ([]apiItem, int64) {
	t.Helper()
	res, body := h.do("GET", path, token, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	var out struct {
		Items []apiItem `json:"items"`
		Total int64     `json:"total"`
	}
	mustJSON(t, body, &out)
	return out.Items, out.Total
}

func itemIDs(items []apiItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// TestPageAndAPIListTheSameRows sends one query to a list page and to its
// API endpoint and wants the same rows in the same order: the two read the
// query with the same parser.
func TestPageAndAPIListTheSameRows(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	page := h.pageClient(vm)
	agencies, _ := h.apiList(t, "/api/v1/agencies", vm)
	if len(agencies) < 2 {
		t.Fatalf("agencies %v", agencies)
	}
	placed, _ := h.apiList(t, "/api/v1/placements?status=active&per_page=5", vm)
	if len(placed) == 0 {
		t.Fatal("no active placement in the demo data")
	}
	account := placed[0].AccountID

	for _, tc := range []struct {
		name, path, api, testid string
	}{
		{"Accounts", "/accounts", "/api/v1/accounts", "account-row"},
		{"AccountsFiltered", "/accounts?bucket=M2&sort=balance&per_page=7&page=2", "/api/v1/accounts", "account-row"},
		{"AccountsByAgency", "/accounts?agency=" + agencies[0].ID + "&per_page=10", "/api/v1/accounts", "account-row"},
		{"Placements", "/placements", "/api/v1/placements", "placement-row"},
		{"PlacementsFiltered", "/placements?status=active&per_page=9&page=2", "/api/v1/placements", "placement-row"},
		{"PlacementsByAgency", "/placements?agency=" + agencies[1].ID, "/api/v1/placements", "placement-row"},
		{"PlacementsByAccount", "/placements?account=" + account, "/api/v1/placements", "placement-row"},
		{"Complaints", "/complaints", "/api/v1/complaints", "complaint-row"},
		{"ComplaintsFiltered", "/complaints?status=received&per_page=3", "/api/v1/complaints", "complaint-row"},
		{"ComplaintsByAgency", "/complaints?agency=" + agencies[0].ID, "/api/v1/complaints", "complaint-row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(tc.path)
			res, body := page.get(t, h.http.URL+tc.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", tc.path, res.StatusCode)
			}
			items, total := h.apiList(t, tc.api+"?"+u.RawQuery, vm)
			if len(items) == 0 || total == 0 {
				t.Fatalf("%s lists nothing: the comparison would say nothing", tc.api+"?"+u.RawQuery)
			}
			if got, want := rowIDs(t, body, tc.testid), itemIDs(items); !slices.Equal(got, want) {
				t.Fatalf("page %s lists %d rows %v, the API %d rows %v", tc.path, len(got), got, len(want), want)
			}
		})
	}

	t.Run("SameRefusal", func(t *testing.T) {
		for _, q := range []string{"stage=paid", "per_page=501", "page=0", "bucket=M9"} {
			res, _ := page.get(t, h.http.URL+"/accounts?"+q)
			ares, body := h.do("GET", "/api/v1/accounts?"+q, vm, nil)
			if ares.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" || res.StatusCode != ares.StatusCode {
				t.Errorf("?%s: page %d, API %d %s", q, res.StatusCode, ares.StatusCode, body)
			}
		}
	})
}

// TestListPagesHonourTheirFilters: the complaints page lists only the
// agency asked for, the placements page only the account asked for (both
// once dropped the parameter and listed everything).
func TestListPagesHonourTheirFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	page := h.pageClient(vm)

	t.Run("ComplaintsByAgency", func(t *testing.T) {
		all, total := h.apiList(t, "/api/v1/complaints?per_page=500", vm)
		if total == 0 {
			t.Fatal("no complaint in the demo data")
		}
		agencyOf := map[string]string{}
		for _, c := range all {
			agencyOf[c.ID] = c.AgencyID
		}
		agencies, _ := h.apiList(t, "/api/v1/agencies", vm)
		narrower := false
		for _, ag := range agencies {
			_, body := page.get(t, h.http.URL+"/complaints?agency="+ag.ID)
			ids := rowIDs(t, body, "complaint-row")
			for _, id := range ids {
				if agencyOf[id] != ag.ID {
					t.Errorf("agency=%s lists complaint %s of agency %q", ag.ID, id, agencyOf[id])
				}
			}
			want := 0
			for _, a := range agencyOf {
				if a == ag.ID {
					want++
				}
			}
			if len(ids) != min(want, 50) {
				t.Errorf("agency=%s lists %d complaints, want %d", ag.ID, len(ids), min(want, 50))
			}
			narrower = narrower || int64(len(ids)) < total
		}
		if !narrower {
			t.Fatal("no agency filter narrowed the list")
		}
	})

	t.Run("PlacementsByAccount", func(t *testing.T) {
		_, total := h.apiList(t, "/api/v1/placements", vm)
		placed, _ := h.apiList(t, "/api/v1/placements?status=active&per_page=3", vm)
		if len(placed) == 0 || total < 2 {
			t.Fatal("too few placements in the demo data")
		}
		for _, p := range placed {
			_, body := page.get(t, h.http.URL+"/placements?account="+p.AccountID)
			ids := rowIDs(t, body, "placement-row")
			if !slices.Contains(ids, p.ID) || int64(len(ids)) >= total {
				t.Fatalf("account=%s lists %v; want its placement %s and not all %d", p.AccountID, ids, p.ID, total)
			}
			mine, _ := h.apiList(t, "/api/v1/placements?account="+p.AccountID, vm)
			for _, m := range mine {
				if m.AccountID != p.AccountID {
					t.Fatalf("account=%s lists placement %s of account %s", p.AccountID, m.ID, m.AccountID)
				}
			}
			if !slices.Equal(ids, itemIDs(mine)) {
				t.Fatalf("page %v, API %v", ids, itemIDs(mine))
			}
		}
	})

	t.Run("PlacementsPageByTheSharedDefault", func(t *testing.T) {
		_, total := h.apiList(t, "/api/v1/placements", vm)
		_, body := page.get(t, h.http.URL+"/placements")
		if n := len(rowIDs(t, body, "placement-row")); int64(n) != min(total, 50) {
			t.Fatalf("the page lists %d of %d placements, want %d", n, total, min(total, 50))
		}
	})
}
