package portal_test

import (
	"bytes"
	"html"
	"net/http"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/store/storetest"
)

// A rejected line of an import reads in the reader's language on the
// import's page, from the problems' keys stored with it; the API answers
// each problem with its English message and its key. A line stored before
// the keys were kept shows its English message as stored, and so does a
// failed import's reason.
func TestImportRowErrorsInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		broken := append(csvOf(t, 5, "en"), []byte("X-1,张三,123,abc,北京市,-5,1,2026-13-40,x\n")...)

		res, body := h.postFile(vm, "broken.csv", bytes.NewReader(broken), map[string]string{"partial": "true"})
		var a importAnswer
		mustJSON(t, body, &a)
		if res.StatusCode != http.StatusCreated || a.Rejected != 1 || len(a.Errors) == 0 {
			t.Fatalf("partial import: %d %s", res.StatusCode, body)
		}
		var phone bool
		for _, e := range a.Errors {
			if e.Key == "" || e.Message == "" || strings.HasPrefix(e.Message, "err.") {
				t.Errorf("API row error without its key or English message: %+v", e)
			}
			if e.Field == "phone" {
				phone = e.Key == "err.row.mobile" && strings.HasPrefix(e.Message, "is not a mainland mobile number")
			}
		}
		if !phone || !strings.Contains(string(body), `"message_key":"err.row.mobile"`) {
			t.Errorf("API: the phone problem is not answered with its key and English message: %s", body)
		}

		page := func(c pageClient, path string, header ...string) string {
			t.Helper()
			r, b := c.get(t, h.http.URL+path, header...)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.StatusCode, b)
			}
			return html.UnescapeString(b)
		}
		zh := h.pageClient(vm)
		got := page(zh, "/imports/"+a.ImportID, "Accept-Language", "zh-CN,zh;q=0.9")
		for _, want := range []string{"不是中国大陆手机号", "为负数：金额应为 0 或以上", "不是日期"} {
			if !strings.Contains(got, want) {
				t.Errorf("the Chinese import page lacks %q", want)
			}
		}
		if strings.Contains(got, "is not a mainland mobile number") || strings.Contains(got, "err.row.") {
			t.Errorf("the Chinese import page shows the row error in English or as a key:\n%s", got)
		}

		en := h.pageClient(vm)
		en.get(t, h.http.URL+"/lang/en?next=/dashboard")
		got = page(en, "/imports/"+a.ImportID, "Accept-Language", "zh-CN")
		if !strings.Contains(got, "phone: is not a mainland mobile number") || strings.Contains(got, "不是中国大陆手机号") {
			t.Errorf("the English import page does not show the row error in English:\n%s", got)
		}

		// A line stored before the problems were keyed: its English message.
		if err := h.store.DB().QueryRow(`INSERT INTO import_rejects (import_id, line, field, message, raw) VALUES ($1, 99, 'phone', 'phone: an old message', '') RETURNING line`,
			a.ImportID).Scan(new(int)); err != nil {
			t.Fatal(err)
		}
		if got := page(zh, "/imports/"+a.ImportID, "Accept-Language", "zh-CN"); !strings.Contains(got, "phone: an old message") {
			t.Errorf("the page does not show an old line's stored message")
		}

		// All or nothing: the import's reason, in Chinese.
		res, body = h.postFile(vm, "broken.csv", bytes.NewReader(broken), nil)
		mustJSON(t, body, &a)
		if res.StatusCode != http.StatusUnprocessableEntity || a.Status != "failed" {
			t.Fatalf("all-or-nothing import: %d %s", res.StatusCode, body)
		}
		if !strings.Contains(string(body), `"message":"1 rows were rejected, so nothing was imported`) || !strings.Contains(string(body), `"message_key":"err.import.all_or_nothing"`) {
			t.Errorf("API: the reason is not answered in English with its key: %s", body)
		}
		got = page(zh, "/imports/"+a.ImportID, "Accept-Language", "zh-CN")
		if !strings.Contains(got, "有 1 行被拒绝") || strings.Contains(got, "rows were rejected") {
			t.Errorf("the Chinese import page does not give the reason in Chinese:\n%s", got)
		}
	})
}
