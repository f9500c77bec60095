package portal_test

import (
	"net/http"
	"testing"
	"time"

	"collect/portal"
)

// The figures over HTTP: the answer names the period it used (the last 12
// months by default), each organisation sees its own, and a bad or
// centuries-long period is 422.
func TestOversightKPIsAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	var out struct {
		From, To string
		Items    []struct {
			AgencyName           string   `json:"agency_name"`
			RPCRate              *float64 `json:"rpc_rate"`
			PeriodRecoveredCents int64    `json:"period_recovered_cents"`
		}
	}
	res, body := h.do("GET", "/api/v1/oversight/kpis", h.token("auditor@demo-bank.test"), nil)
	mustJSON(t, body, &out)
	now := time.Now().UTC()
	if res.StatusCode != http.StatusOK || out.To != now.Format("2006-01") || out.From != now.AddDate(0, -11, 0).Format("2006-01") {
		t.Fatalf("default period: %d %s..%s", res.StatusCode, out.From, out.To)
	}
	if len(out.Items) < 2 {
		t.Fatalf("the lender's auditor sees %d agencies, want its agencies", len(out.Items))
	}
	for _, k := range out.Items {
		if k.RPCRate == nil || *k.RPCRate < 0 || *k.RPCRate > 1 || k.PeriodRecoveredCents <= 0 {
			t.Errorf("%s: rpc rate %v, period recovered %d", k.AgencyName, k.RPCRate, k.PeriodRecoveredCents)
		}
	}
	res, body = h.do("GET", "/api/v1/oversight/kpis", h.token("supervisor@agency-a.test"), nil)
	mustJSON(t, body, &out)
	if res.StatusCode != http.StatusOK || len(out.Items) != 1 || out.Items[0].AgencyName != "Agency A" {
		t.Fatalf("agency A's figures: %d %s", res.StatusCode, body)
	}
	for _, q := range []string{"?from=2026-13", "?from=0000-01&to=9999-12", "?from=2026-06&to=2026-01"} {
		if res, body := h.do("GET", "/api/v1/oversight/kpis"+q, h.token("vm@demo-bank.test"), nil); res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" {
			t.Errorf("%s: %d %s", q, res.StatusCode, body)
		}
	}
}
