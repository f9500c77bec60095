package portal_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// The agency directory counts an agency's open placements of the viewing
// lender's book only: Other Bank's placement with Agency C is not Demo
// Bank's business. Agency C itself sees its whole book.
func TestAgencyDirectoryShowsOnlyTheViewersFigures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		f := addForeignLender(t, h)
		var one struct {
			Open int64 `json:"open_placements"`
		}
		res, body := h.do("GET", "/api/v1/agencies/"+f.agencyC, h.token("vm@demo-bank.test"), nil)
		mustJSON(t, body, &one)
		if res.StatusCode != http.StatusOK || one.Open != 0 {
			t.Fatalf("Demo Bank sees Agency C with %d open placements (%d), want 0: Other Bank's count leaked", one.Open, res.StatusCode)
		}
		var list struct {
			Items []struct {
				ID   string `json:"id"`
				Open int64  `json:"open_placements"`
			} `json:"items"`
		}
		_, body = h.do("GET", "/api/v1/agencies", h.token("vm@demo-bank.test"), nil)
		mustJSON(t, body, &list)
		seen := false
		for _, a := range list.Items {
			if a.ID == f.agencyC {
				seen = true
				if a.Open != 0 {
					t.Fatalf("the directory list shows Agency C with %d open placements for Demo Bank", a.Open)
				}
			}
		}
		if !seen {
			t.Fatalf("Agency C is not in the directory: %s", body)
		}
		// Demo Bank's own placements with Agency A still count.
		want := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM placements p JOIN organisations o ON o.id = p.agency_id
			WHERE o.name = 'Agency A' AND p.status IN ('offered', 'active')`)
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		_, body = h.do("GET", "/api/v1/agencies/"+agencyA, h.token("vm@demo-bank.test"), nil)
		mustJSON(t, body, &one)
		if want == "0" || strconv.FormatInt(one.Open, 10) != want {
			t.Fatalf("Demo Bank's own count of Agency A: %d (want %s)", one.Open, want)
		}
		// Agency A sees its whole book, counted the same way.
		_, body = h.do("GET", "/api/v1/agencies/"+agencyA, h.token("supervisor@agency-a.test"), nil)
		mustJSON(t, body, &one)
		if strconv.FormatInt(one.Open, 10) != want {
			t.Fatalf("Agency A's own count: %d (want %s)", one.Open, want)
		}
	})
}

// A contract from year 1 to 9999 is refused naming the field; a real one is
// kept.
func TestContractDatesBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	agencyC := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency C'`)
	body := func(starts, ends string) map[string]any {
		return map[string]any{"fee_schedule": map[string]int{"M1": 1500, "M2": 1800}, "term_days": 90, "accept_days": 3,
			"max_settlement_discount_bp": 2000, "max_instalments": 12, "min_down_payment_bp": 1000,
			"starts_on": starts, "ends_on": ends, "status": "active"}
	}
	res, b := h.do("PUT", "/api/v1/agencies/"+agencyC+"/contract", vm, body("0001-01-01", "9999-12-31"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"field":"starts_on"`) {
		t.Fatalf("year 1 to 9999: %d %s", res.StatusCode, b)
	}
	if res, b := h.do("PUT", "/api/v1/agencies/"+agencyC+"/contract", vm, body("2026-01-01", "2027-12-31")); res.StatusCode != http.StatusOK {
		t.Fatalf("a two-year contract: %d %s", res.StatusCode, b)
	}
}
