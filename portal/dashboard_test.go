package portal_test

import (
	"html"
	"io"
	"net/http"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// TestDashboardSaysWhenTheChainWasChecked: the dashboard shows the last
// verification of the audit chain, never a stored answer without its time:
// before any check it says none has run; after one, its count and when, in
// both languages.
func TestDashboardSaysWhenTheChainWasChecked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		c := h.pageClient(h.token("auditor@demo-bank.test"))
		_, en := c.get(t, h.http.URL+"/dashboard", "Accept-Language", "en")
		_, zh := c.get(t, h.http.URL+"/dashboard", "Accept-Language", "zh-CN")
		if !strings.Contains(en, "Audit chain not verified yet") || !strings.Contains(zh, "审计链尚未校验") || strings.Contains(en, `data-testid="audit-checked-at"`) {
			t.Fatal("before any check the dashboard does not say the chain is unverified")
		}
		req, _ := http.NewRequest("POST", h.http.URL+"/audit/verify", nil)
		req.Header.Set("X-CSRF-Token", c.csrf)
		req.Header.Set("HX-Request", "true")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("verify: %d", res.StatusCode)
		}
		events := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM audit_events`)
		_, en = c.get(t, h.http.URL+"/dashboard", "Accept-Language", "en")
		_, zh = c.get(t, h.http.URL+"/dashboard", "Accept-Language", "zh-CN")
		line := checkedLine(en)
		if !strings.Contains(en, "Audit chain intact") || !strings.Contains(line, " events checked at 20") || !strings.Contains(strings.ReplaceAll(line, ",", ""), events+" events") {
			t.Fatalf("after a check of %s events the card says %q", events, line)
		}
		if zhLine := checkedLine(zh); !strings.Contains(zh, "审计链完整") || !strings.Contains(zhLine, "校验了") || !strings.Contains(zhLine, "20") {
			t.Fatalf("the Chinese card says %q", zhLine)
		}
	})
}

// checkedLine is the text of the card's checked-at line.
func checkedLine(page string) string {
	i := strings.Index(page, `data-testid="audit-checked-at"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	rest = rest[strings.Index(rest, ">")+1:]
	return html.UnescapeString(rest[:strings.Index(rest, "<")])
}
