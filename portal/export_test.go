package portal_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/portal"
)

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// assertNoFormulaCells fails when any cell of the CSV would be run by a
// spreadsheet: every such cell must have been written with csvout.Cell.
func assertNoFormulaCells(t *testing.T, name string, data []byte, mustContain string) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", name, err)
	}
	found := false
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !plainNumber.MatchString(cell) {
				t.Errorf("%s: cell %q would run as a formula", name, cell)
			}
			if strings.Contains(cell, mustContain) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("%s: the hostile value %q is not in the file at all (the test proves nothing)", name, mustContain)
	}
}

// Every CSV the portal sends (commissions, rejected rows, the audit export,
// the evidence bundle's files) shows a hostile cell as text.
func TestExportsEscapeFormulaCells(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	agent, vm, sup := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test"), h.token("supervisor@agency-a.test")
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	const ref = `=HYPERLINK("http://evil.example","x")`
	if _, err := h.store.DB().Exec(`UPDATE accounts SET external_ref = $1 WHERE id = $2`, ref, acc); err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/payments", agent, map[string]any{"amount_cents": 10_000, "paid_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "reference": "@SUM(1+1)"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("payment: %d %s", res.StatusCode, body)
	}
	h.confirmReported(acc) // commission accrues once the lender confirms
	res, body := h.do("GET", "/api/v1/commissions.csv?month="+today.Format("2006-01"), vm, nil)
	if res.StatusCode != 200 {
		t.Fatalf("commissions.csv: %d %s", res.StatusCode, body)
	}
	assertNoFormulaCells(t, "commissions.csv", body, ref)

	if res, body := h.do("POST", "/api/v1/mappings", vm, map[string]any{"name": "+cmd|' /C calc'!A0", "mapping": map[string]string{"external_ref": "ref"}}); res.StatusCode != http.StatusCreated {
		t.Fatalf("mapping: %d %s", res.StatusCode, body)
	}
	res, body = h.do("GET", "/api/v1/audit/export.csv", h.token("auditor@demo-bank.test"), nil)
	if res.StatusCode != 200 {
		t.Fatalf("audit export: %d %s", res.StatusCode, body)
	}
	assertNoFormulaCells(t, "audit export", body, "+cmd|")

	file := "external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" +
		"-2+3+cmd|' /C calc'!A0,@SUM(A1),not-an-id,13800138000,广东,1000,1000,2026-01-01,30\n"
	res, body = h.postFile(vm, "hostile.csv", strings.NewReader(file), map[string]string{"name": "hostile"})
	var imp importAnswer
	json.Unmarshal(body, &imp)
	if imp.ImportID == "" || imp.Rejected != 1 {
		t.Fatalf("import: %d %s", res.StatusCode, body)
	}
	res, body = h.do("GET", "/api/v1/imports/"+imp.ImportID+"/rejects.csv", vm, nil)
	if res.StatusCode != 200 {
		t.Fatalf("rejects.csv: %d %s", res.StatusCode, body)
	}
	assertNoFormulaCells(t, "rejects.csv", body, "+cmd|")

	if res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "letter", "party": "debtor",
		"direction": "outbound", "outcome": "no_answer", "note": "=1+2"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("contact: %d %s", res.StatusCode, body)
	}
	res, body = h.do("POST", "/api/v1/accounts/"+acc+"/legal-referrals", agent, map[string]string{"note": "-1+1"})
	var lc struct{ ID string }
	json.Unmarshal(body, &lc)
	if res.StatusCode != http.StatusCreated || lc.ID == "" {
		t.Fatalf("referral: %d %s", res.StatusCode, body)
	}
	res, body = h.do("GET", "/api/v1/legal-cases/"+lc.ID+"/evidence.zip", sup, nil)
	if res.StatusCode != 200 {
		t.Fatalf("evidence: %d %s", res.StatusCode, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".csv") {
			continue
		}
		rc, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		want := "=HYPERLINK" // the loan reference is in every file about the account
		if strings.Contains(f.Name, "contact") {
			want = "=1+2"
		}
		if strings.Contains(buf.String(), "HYPERLINK") || strings.Contains(buf.String(), "=1+2") {
			assertNoFormulaCells(t, "evidence "+f.Name, buf.Bytes(), want)
		}
	}
}
