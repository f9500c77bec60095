package portal_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// A validation error reads in the reader's language: a plan submitted
// without its portfolio shows the message in Chinese to a Chinese reader
// and in English to an English one; the API answers the same bad input
// with its code, the English message and the catalogue key, field by field.
func TestValidationErrorInReadersLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		submit := func(c pageClient, header ...string) (int, string) {
			t.Helper()
			form := url.Values{"portfolio_id": {""}, "strategy": {"capacity_balanced"}}
			req, _ := http.NewRequest("POST", h.http.URL+"/allocations", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", c.csrf)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, html.UnescapeString(string(b))
		}

		status, page := submit(h.pageClient(vm), "Accept-Language", "zh-CN,zh;q=0.9")
		if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Fatalf("plan without a portfolio (zh): status %d", status)
		}
		if !strings.Contains(page, "请指定资产包") || strings.Contains(page, "name the portfolio") {
			t.Errorf("the Chinese page does not say the error in Chinese:\n%s", page)
		}

		en := h.pageClient(vm)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")
		_, page = submit(en, "Accept-Language", "zh-CN")
		if !strings.Contains(page, "name the portfolio") || strings.Contains(page, "请指定资产包") {
			t.Errorf("the page in English (lang cookie over Accept-Language) does not say the error in English:\n%s", page)
		}

		res, body := h.do("POST", "/api/v1/allocations", vm, map[string]any{"portfolio_id": "", "strategy": "capacity_balanced"})
		if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("API plan without a portfolio: %d %s", res.StatusCode, body)
		}
		var out struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Key     string `json:"key"`
				Fields  []struct {
					Field   string `json:"field"`
					Message string `json:"message"`
					Key     string `json:"key"`
				} `json:"fields"`
			} `json:"error"`
		}
		mustJSON(t, body, &out)
		e := out.Error
		if e.Code != "invalid" || e.Message != "name the portfolio" || e.Key != "err.plan.portfolio_required" {
			t.Errorf("API error: %s", body)
		}
		if len(e.Fields) != 1 || e.Fields[0].Field != "portfolio_id" || e.Fields[0].Message != "required" || e.Fields[0].Key != "err.form.required" {
			t.Errorf("API error fields: %s", body)
		}
	})
}
