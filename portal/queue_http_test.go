package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store/storetest"
)

// The queue over HTTP: the API's pages by number and by next_cursor are
// the same rows in the same order, and /queue shows that order (in either
// language), each row with its priority and reason; a bad cursor is 422.
func TestQueueOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		sup := h.token("supervisor@agency-a.test")
		type page struct {
			Items []struct {
				ID             string  `json:"id"`
				Priority       float64 `json:"priority"`
				PriorityReason string  `json:"priority_reason"`
			} `json:"items"`
			Total      int64  `json:"total"`
			TotalExact bool   `json:"total_exact"`
			NextCursor string `json:"next_cursor"`
			Page       int    `json:"page"`
			PerPage    int    `json:"per_page"`
		}
		get := func(q string) page {
			t.Helper()
			res, body := h.do("GET", "/api/v1/queue?"+q, sup, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("queue?%s: %d %s", q, res.StatusCode, body)
			}
			var p page
			mustJSON(t, body, &p)
			return p
		}
		var byNumber, byCursor []string
		first := get("per_page=5")
		if !first.TotalExact || first.Total < 12 || first.PerPage != 5 || first.Page != 1 || first.NextCursor == "" {
			t.Fatalf("first page: %+v", first)
		}
		for n := 1; n <= 3; n++ {
			for _, it := range get(fmt.Sprintf("per_page=5&page=%d", n)).Items {
				byNumber = append(byNumber, it.ID)
			}
		}
		cursor := ""
		for n := 1; n <= 3; n++ {
			p := get(fmt.Sprintf("per_page=5&page=%d&cursor=%s", n, url.QueryEscape(cursor)))
			for i, it := range p.Items {
				if it.PriorityReason == "" || (i > 0 && p.Items[i-1].Priority < it.Priority) {
					t.Fatalf("page %d row %d: %+v", n, i, it)
				}
				byCursor = append(byCursor, it.ID)
			}
			cursor = p.NextCursor
		}
		if len(byNumber) != 15 || !slices.Equal(byNumber, byCursor) {
			t.Fatalf("pages by number %v, by cursor %v", byNumber, byCursor)
		}
		res, body := h.do("GET", "/api/v1/queue?cursor=nonsense", sup, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" {
			t.Fatalf("bad cursor: %d %s", res.StatusCode, body)
		}

		// The page: the same order, and a next link that carries the cursor.
		c, _, _ := h.formLogin("supervisor@agency-a.test", demo.Password)
		rowID := regexp.MustCompile(`data-testid="queue-row" data-id="([^"]+)"`)
		for _, lang := range []string{"en", "zh"} {
			res, html := c.get(t, h.http.URL+"/queue?per_page=5&lang="+lang, "Accept-Language", lang)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("/queue %s: %d", lang, res.StatusCode)
			}
			var shown []string
			for _, m := range rowID.FindAllStringSubmatch(html, -1) {
				shown = append(shown, m[1])
			}
			if !slices.Equal(shown, byNumber[:5]) {
				t.Fatalf("/queue (%s) shows %v, the API %v", lang, shown, byNumber[:5])
			}
			if !strings.Contains(html, "cursor=") {
				t.Fatalf("/queue (%s): the next link carries no cursor", lang)
			}
		}
		res, html := c.get(t, h.http.URL+"/queue?per_page=5&page=2&cursor="+url.QueryEscape(first.NextCursor))
		var shown []string
		for _, m := range rowID.FindAllStringSubmatch(html, -1) {
			shown = append(shown, m[1])
		}
		if res.StatusCode != http.StatusOK || !slices.Equal(shown, byNumber[5:10]) {
			t.Fatalf("/queue page 2 by cursor: %d %v, want %v", res.StatusCode, shown, byNumber[5:10])
		}
	})
}
