package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/store/storetest"
)

// Pages show times in the reader's organisation's zone, named, and read the
// times typed into forms in it: a lender in New York sees its audit trail in
// Eastern time and records a complaint received at 09:30 New York time.
func TestPagesInTheOrganisationsZone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		if _, err := h.store.DB().Exec(`UPDATE organisations SET time_zone = 'America/New_York' WHERE name = 'Demo Bank'`); err != nil {
			t.Fatal(err)
		}
		ny, _ := time.LoadLocation("America/New_York")
		_, page := h.pageClient(h.token("auditor@demo-bank.test")).get(t, h.http.URL+"/audit")
		abbr := time.Now().In(ny).Format("MST") // EST or EDT
		if !strings.Contains(page, " "+abbr+"<") && !strings.Contains(page, " "+abbr+" ") {
			t.Errorf("the audit page does not show New York times (%s)", abbr)
		}
		if strings.Contains(page, " CST<") {
			t.Errorf("the audit page shows China times to a New York lender")
		}
		c := h.pageClient(h.token("vm@demo-bank.test"))
		ref := h.queryOne(`SELECT a.external_ref FROM accounts a JOIN organisations o ON o.id = a.lender_id WHERE o.name = 'Demo Bank' LIMIT 1`)
		day := time.Now().In(ny).AddDate(0, 0, -1).Format(time.DateOnly)
		form := url.Values{"_csrf": {c.csrf}, "external_ref": {ref}, "category": {"other"}, "description": {"zone check"}, "source": {"phone"},
			"received_at": {day + "T09:30"}}
		res, err := c.PostForm(h.http.URL+"/complaints", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
			t.Fatalf("complaint form: %d", res.StatusCode)
		}
		var got time.Time
		if err := h.store.DB().QueryRow(`SELECT received_at FROM complaints WHERE description = 'zone check'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want, _ := time.ParseInLocation("2006-01-02T15:04", day+"T09:30", ny)
		if !got.Equal(want) {
			t.Errorf("received at %s, want %s (09:30 in New York)", got.UTC(), want.UTC())
		}
	})
}
