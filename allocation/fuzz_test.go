package allocation_test

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"collect"
	"collect/allocation"
)

// FuzzParseRow validates arbitrary cells (tab-separated in the input, in
// the order of allocation.Columns) with each default conduct profile: it
// never panics, is deterministic, and an accepted row holds only storable
// text within the caps and the values of its profile's rules.
//
//	go test ./allocation -run '^$' -fuzz FuzzParseRow -fuzztime 20s
func FuzzParseRow(f *testing.F) {
	f.Add(strings.ReplaceAll(row1, ",", "\t"))
	f.Add("L1\t张\x00三\t11010519491231002X\t13800138000\t北京市\t1\t1\tCNY\t2024-01-01\t60\t\t")
	f.Add("L1\t\xff\t11010519491231002X\t+86 138 0013 8000\t北京市\t１２,０００.５\t¥13,000\t人民币\t2024年1月1日\t60天\t20231215\t")
	f.Add("=\"L1\"\t\u2400\t\ufffd\t\t\t-1\t1e9\tXYZ\t2024-02-30\t-5\t9999-99-99\t0086")
	f.Add(strings.Repeat("9", 10000) + "\t" + strings.Repeat("名", 200))
	// US rows: the cells after emergency_contact_phone are conduct_profile,
	// state, zip, ssn_last4, time_zone, consent_out_of_hours, guarantor_allowed.
	f.Add("U1\tJohn Smith\t\t(212) 555-0100\t\t$1,200.50\t1300\tUSD\t2024-01-01\t60\t\t+1 646 555 0199\tus_regf\tny\t10001-1234\t0123\t\ttrue\t否")
	f.Add("U2\tAna\t\t1-850-555-0100\tFL\t1\t1\t\t2024-01-01\t60\t\t\tUS_REGF\tFL\t32401\t9999\tAmerica/Chicago\t1\tyes")
	f.Add("U3\tB\t11010519491231002X\t+12125550100\t\t1\t1\tCNY\t2024-01-01\t60\t\t\tus_regf\tHI\t96799\t0000\tLocal\tmaybe\t2")
	f.Add("L1\t张三\t11010519491231002X\t13800138000\t北京市\t1\t1\t\t2024-01-01\t60\t\t\tchina\t\t\t\tAsia/Urumqi\t是\t0")
	idx := allocation.ColumnIndex{}
	for i, c := range allocation.Columns {
		idx[c] = i
	}
	f.Fuzz(func(t *testing.T, cells string) {
		rec := strings.Split(cells, "\t")
		for _, profile := range []string{allocation.ConductProfileChina, allocation.ConductProfileUSRegF} {
			checkParsedRow(t, rec, idx, profile)
		}
	})
}

// checkParsedRow parses rec with the default profile and checks the result.
func checkParsedRow(t *testing.T, rec []string, idx allocation.ColumnIndex, profile string) {
	t.Helper()
	row, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, profile)
	row2, errs2 := allocation.ParseRowProfile(rec, 2, idx, asOf, profile)
	if !reflect.DeepEqual(row, row2) || !reflect.DeepEqual(errs, errs2) {
		t.Fatal("ParseRow is not deterministic")
	}
	for _, e := range errs {
		if collect.ValidText(e.Message) != nil || e.Field == "" {
			t.Fatalf("row error %+v: not storable", e)
		}
	}
	if len(errs) > 0 {
		return
	}
	for _, s := range append([]string{row.ExternalRef, row.DebtorName, row.NationalID, row.Phone, row.Province, row.Currency,
		row.DueDate, row.Bucket, row.LastPaymentDate, row.EmergencyContactPhone, row.ConductProfile, row.State, row.ZIP,
		row.SSNLast4}, row.TimeZones...) {
		if err := collect.ValidText(s); err != nil || strings.ContainsAny(s, "\u2400\ufffd") {
			t.Fatalf("accepted row holds %q: %v", s, err)
		}
		if len(s) > collect.MaxCellBytes {
			t.Fatalf("accepted row holds a %d-byte value", len(s))
		}
	}
	if n := utf8.RuneCountInString(row.ExternalRef); n == 0 || n > allocation.MaxExternalRefLen {
		t.Fatalf("external_ref %q accepted", row.ExternalRef)
	}
	if n := utf8.RuneCountInString(row.DebtorName); n == 0 || n > allocation.MaxDebtorNameRunes {
		t.Fatalf("debtor_name %q accepted", row.DebtorName)
	}
	if len(row.TimeZones) == 0 {
		t.Fatalf("row %+v accepted without a time zone", row)
	}
	for _, z := range row.TimeZones {
		if _, err := time.LoadLocation(z); err != nil || z == "Local" {
			t.Fatalf("time zone %q accepted", z)
		}
	}
	switch row.ConductProfile {
	case allocation.ConductProfileChina:
		if !allocation.ValidNationalID(row.NationalID) || !allocation.ValidMobile(row.Phone) || row.State != "" || row.ZIP != "" || row.SSNLast4 != "" {
			t.Fatalf("China row %+v accepted", row)
		}
	case allocation.ConductProfileUSRegF:
		e164, ok := allocation.ValidUSPhone(row.Phone)
		if !ok || e164 != row.Phone || row.NationalID != "" || row.Currency != "USD" || len(row.State) != 2 || row.Province != row.State ||
			len(row.ZIP) != 5 || len(row.SSNLast4) != 4 || row.SSNLast4 == "0000" || !strings.HasPrefix(allocation.DebtorIdentity(row), "us:"+row.SSNLast4+":") {
			t.Fatalf("US row %+v accepted", row)
		}
		if row.EmergencyContactPhone != "" {
			if p, ok := allocation.ValidUSPhone(row.EmergencyContactPhone); !ok || p != row.EmergencyContactPhone {
				t.Fatalf("US row %+v accepted", row)
			}
		}
	default:
		t.Fatalf("row %+v accepted with profile %q", row, row.ConductProfile)
	}
	if row.PrincipalCents < 0 || row.PrincipalCents > allocation.MaxAmountCents || row.BalanceCents < 0 || row.BalanceCents > allocation.MaxAmountCents {
		t.Fatalf("amounts %d / %d accepted", row.PrincipalCents, row.BalanceCents)
	}
	if row.DPD < 0 || row.DPD > allocation.MaxDPD || len(row.DueDate) != 10 || len(row.Currency) != 3 {
		t.Fatalf("row %+v accepted", row)
	}
}
