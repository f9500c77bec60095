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
		res, _ := get(h.pageClient(h.token("vm@demo-bank.test")), h.http.URL+"/admin/jobs")
		if res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("non-admin got %d", res.StatusCode)
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
