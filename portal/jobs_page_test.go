package portal_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/jobs"
	"collect/portal/store/storetest"
)

// The platform admin sees every job kind with its last run; others don't.
func TestJobsPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		r := h.srv.Jobs()
		if err := r.Start(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Client().Insert(t.Context(), jobs.ExpirePlacementsArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		var body string
		for time.Now().Before(deadline) {
			res, b := get(h.pageClient(h.token("admin@platform.test")), h.http.URL+"/admin/jobs")
			if res.StatusCode != 200 {
				t.Fatalf("admin: %d %s", res.StatusCode, b)
			}
			body = string(b)
			if strings.Contains(body, "completed") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, k := range jobs.Kinds {
			if !strings.Contains(body, `data-testid="job-`+k+`"`) {
				t.Errorf("kind %s missing", k)
			}
		}
		if !strings.Contains(body, "completed") {
			t.Errorf("expire_placements' last run not shown:\n%s", body)
		}
		// To everyone else the page does not exist: the same 404 as a row
		// outside their scope.
		for _, login := range []string{"vm@demo-bank.test", "agent@agency-a.test", "auditor@demo-bank.test", "supervisor@agency-a.test"} {
			res, b := get(h.pageClient(h.token(login)), h.http.URL+"/admin/jobs")
			_, nowhere := get(h.pageClient(h.token(login)), h.http.URL+"/accounts/no-such-account")
			if res.StatusCode != http.StatusNotFound || mainPart(b) != mainPart(nowhere) {
				t.Errorf("%s: /admin/jobs answered %d, not the 404 of an account outside the scope:\n%s\n%s", login, res.StatusCode, mainPart(b), mainPart(nowhere))
			}
		}
	})
}

func get(c pageClient, u string) (*http.Response, []byte) {
	res, err := c.Get(u)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// mainPart is a page's <main> element: what it says, without the header's
// per-page form token and language links.
func mainPart(page []byte) string {
	s := string(page)
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if i := strings.Index(s, "</main>"); i >= 0 {
		s = s[:i]
	}
	return s
}
