package portal_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal"
	"collect/portal/sheets"
	"collect/portal/store/storetest"
)

// postFile sends a multipart import to the API.
func (h *harness) postFile(token, filename string, content io.Reader, fields map[string]string) (*http.Response, []byte) {
	h.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", filename)
		io.Copy(fw, content)
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/portfolios", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type importAnswer struct {
	ID       string                `json:"id"`
	ImportID string                `json:"import_id"`
	Status   string                `json:"status"`
	Accepted int                   `json:"accepted"`
	Rejected int                   `json:"rejected"`
	Errors   []allocation.RowError `json:"errors"`
}

func csvOf(t *testing.T, n int, header string) []byte {
	var buf bytes.Buffer
	if err := sheets.WritePortfolioCSV(&buf, n, 7, time.Now().UTC(), header); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		t.Run("ChineseHeader", func(t *testing.T) {
			res, body := h.postFile(vm, "portfolio.csv", bytes.NewReader(csvOf(t, 300, "zh")), map[string]string{"name": "十一月"})
			var a importAnswer
			mustJSON(t, body, &a)
			if res.StatusCode != http.StatusCreated || a.Accepted != 300 || a.ID == "" {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			// The new portfolio is there, in the lender's scope.
			if r, _ := h.do("GET", "/api/v1/portfolios/"+a.ID, vm, nil); r.StatusCode != 200 {
				t.Fatalf("portfolio %d", r.StatusCode)
			}
			if r, _ := h.do("GET", "/api/v1/portfolios/"+a.ID, h.token("supervisor@agency-a.test"), nil); r.StatusCode != http.StatusForbidden {
				t.Fatalf("an agency reading the lender's portfolio: %d", r.StatusCode)
			}
		})
		t.Run("XLSX", func(t *testing.T) {
			var buf bytes.Buffer
			if err := sheets.WritePortfolioXLSX(&buf, 50, 9, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			res, body := h.postFile(vm, "portfolio.xlsx", &buf, map[string]string{"name": "xlsx"})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
		})
		cases := []struct {
			name, file string
			content    []byte
			fields     map[string]string
			status     int
			want       string
		}{
			{"WrongType", "report.pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), nil, 422, "unsupported file type"},
			{"Image", "photo.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), nil, 422, "unsupported file type"},
			{"Empty", "empty.csv", nil, nil, 422, "empty"},
			{"MissingColumns", "odd.csv", []byte("a,b,c\n1,2,3\n"), nil, 422, "external_ref"},
			{"BrokenRow", "broken.csv", append(csvOf(t, 5, "en"), []byte("X-1,张三,123,abc,北京市,-5,1,2026-13-40,x\n")...), nil, 422, `"line":7`},
			{"BadMapping", "a.csv", csvOf(t, 2, "en"), map[string]string{"mapping": "{not json"}, 422, "mapping"},
			{"UnknownSavedMapping", "a.csv", csvOf(t, 2, "en"), map[string]string{"mapping": "no such"}, 422, "no saved mapping"},
			{"BadPartial", "a.csv", csvOf(t, 2, "en"), map[string]string{"partial": "maybe"}, 422, "partial"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, body := h.postFile(vm, c.file, bytes.NewReader(c.content), c.fields)
				if res.StatusCode != c.status || !strings.Contains(string(body), c.want) {
					t.Fatalf("%d %s; want %d with %q", res.StatusCode, body, c.status, c.want)
				}
			})
		}
		t.Run("BrokenRowPartialKeepsTheRest", func(t *testing.T) {
			data := append(csvOf(t, 5, "en"), []byte("X-1,张三,123,abc,北京市,-5,1,2026-13-40,x\n")...)
			res, body := h.postFile(vm, "broken.csv", bytes.NewReader(data), map[string]string{"partial": "true"})
			var a importAnswer
			mustJSON(t, body, &a)
			if res.StatusCode != http.StatusCreated || a.Accepted != 5 || a.Rejected != 1 || len(a.Errors) < 4 {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			r, csv := h.do("GET", "/api/v1/imports/"+a.ImportID+"/rejects.csv", vm, nil)
			if r.StatusCode != 200 || !strings.Contains(string(csv), "X-1") {
				t.Fatalf("rejects download %d %s", r.StatusCode, csv)
			}
			// The rejected rows hold ID numbers and phones: the vendor
			// manager's, not the auditor's (who sees the import's counts).
			if r, _ := h.do("GET", "/api/v1/imports/"+a.ImportID+"/rejects.csv", h.token("auditor@demo-bank.test"), nil); r.StatusCode != http.StatusForbidden {
				t.Fatalf("the auditor downloads the rejected rows: %d", r.StatusCode)
			}
			if r, _ := h.do("GET", "/api/v1/imports/"+a.ImportID, h.token("auditor@demo-bank.test"), nil); r.StatusCode != 200 {
				t.Fatalf("the auditor reads the import: %d", r.StatusCode)
			}
			if r, _ := h.do("GET", "/api/v1/imports/"+a.ImportID, h.token("supervisor@agency-a.test"), nil); r.StatusCode != http.StatusForbidden {
				t.Fatalf("an agency reads the lender's import: %d", r.StatusCode)
			}
		})
		t.Run("AnotherLendersReferenceIsNotTouched", func(t *testing.T) {
			f := addForeignLender(t, h)
			_ = f
			line := "OB-1,新客户,11010519491231002X,13800138000,北京市,500.00,400.00," + time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02") + ",40\n"
			data := "external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" + line
			res, body := h.postFile(vm, "ob.csv", strings.NewReader(data), nil)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			if name := h.queryOne(`SELECT debtor_name FROM accounts WHERE id = 'other-account'`); name != "外人" {
				t.Fatalf("the other lender's account was changed: %s", name)
			}
		})
		t.Run("AuditorCannotImport", func(t *testing.T) {
			res, _ := h.postFile(h.token("auditor@demo-bank.test"), "a.csv", bytes.NewReader(csvOf(t, 2, "en")), nil)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("auditor import: %d", res.StatusCode)
			}
		})
	})
}

// TestImportHundredMegabytes sends a 100 MB file through the API: it is
// streamed to disk, validated row by row, and refused whole because one row
// is broken (all or nothing), without the server holding it in memory.
func TestImportHundredMegabytes(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB upload skipped in -short mode")
	}
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	sample := csvOf(t, 1000, "en")
	perRow := len(sample) / 1000
	n := (100<<20)/perRow + 1
	path := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// The broken row comes first: all or nothing, the rest is only validated.
	header := sample[:bytes.IndexByte(sample, '\n')+1]
	f.Write(header)
	f.WriteString("BROKEN,x,1,2,3,4,5,6,7\n")
	if err := sheets.WritePortfolioCSV(skipLine{w: f, done: new(bool)}, n, 3, time.Now().UTC(), "en"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)
	if fi.Size() < 100<<20 {
		t.Fatalf("the file is %d bytes", fi.Size())
	}
	big, _ := os.Open(path)
	defer big.Close()
	res, body := h.postFile(vm, "big.csv", big, nil)
	var a importAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%d %.300s", res.StatusCode, body)
	}
	if res.StatusCode != http.StatusUnprocessableEntity || a.Rejected != 1 || a.Status != "failed" || a.Errors[0].Line != 2 {
		t.Fatalf("%d: rejected %d, first errors %+v", res.StatusCode, a.Rejected, a.Errors[:min(3, len(a.Errors))])
	}
}

// skipLine drops what is written up to the first newline (the generator's
// header).
type skipLine struct {
	w    io.Writer
	done *bool
}

func (s skipLine) Write(p []byte) (int, error) {
	if s.done == nil || !*s.done {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return len(p), nil
		}
		if s.done != nil {
			*s.done = true
		}
		_, err := s.w.Write(p[i+1:])
		return len(p), err
	}
	_, err := s.w.Write(p)
	return len(p), err
}
