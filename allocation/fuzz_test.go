package allocation_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"collect"
	"collect/allocation"
)

// FuzzParseRow validates arbitrary cells (tab-separated in the input): it
// never panics, is deterministic, and an accepted row holds only storable
// text within the caps.
//
//	go test ./allocation -run '^$' -fuzz FuzzParseRow -fuzztime 20s
func FuzzParseRow(f *testing.F) {
	f.Add(strings.ReplaceAll(row1, ",", "\t"))
	f.Add("L1\t张\x00三\t11010519491231002X\t13800138000\t北京市\t1\t1\tCNY\t2024-01-01\t60\t\t")
	f.Add("L1\t\xff\t11010519491231002X\t+86 138 0013 8000\t北京市\t１２,０００.５\t¥13,000\t人民币\t2024年1月1日\t60天\t20231215\t")
	f.Add("=\"L1\"\t\u2400\t\ufffd\t\t\t-1\t1e9\tXYZ\t2024-02-30\t-5\t9999-99-99\t0086")
	f.Add(strings.Repeat("9", 10000) + "\t" + strings.Repeat("名", 200))
	idx := allocation.ColumnIndex{}
	for i, c := range allocation.Columns {
		idx[c] = i
	}
	f.Fuzz(func(t *testing.T, cells string) {
		rec := strings.Split(cells, "\t")
		row, errs := allocation.ParseRow(rec, 2, idx, asOf)
		row2, errs2 := allocation.ParseRow(rec, 2, idx, asOf)
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
		for _, s := range []string{row.ExternalRef, row.DebtorName, row.NationalID, row.Phone, row.Province, row.Currency,
			row.DueDate, row.Bucket, row.LastPaymentDate, row.EmergencyContactPhone} {
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
		if !allocation.ValidNationalID(row.NationalID) || !allocation.ValidMobile(row.Phone) {
			t.Fatalf("id %q / phone %q accepted", row.NationalID, row.Phone)
		}
		if row.PrincipalCents < 0 || row.PrincipalCents > allocation.MaxAmountCents || row.BalanceCents < 0 || row.BalanceCents > allocation.MaxAmountCents {
			t.Fatalf("amounts %d / %d accepted", row.PrincipalCents, row.BalanceCents)
		}
		if row.DPD < 0 || row.DPD > allocation.MaxDPD || len(row.DueDate) != 10 || len(row.Currency) != 3 {
			t.Fatalf("row %+v accepted", row)
		}
	})
}
