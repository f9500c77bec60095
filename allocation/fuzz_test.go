package allocation_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"collect/allocation"
)

// fuzzLimits are low caps, so a fuzzer's small inputs reach them.
var fuzzLimits = allocation.FileLimits{CellBytes: 64, RecordBytes: 256, Columns: 8, CSVRows: 40, XLSXRows: 40, SharedStrings: 64,
	XLSXPartBytes: 1 << 20, XLSXTotalBytes: 4 << 20, XLSXMemoryBytes: 1 << 20}

// FuzzOpenRowSource reads arbitrary bytes as a portfolio file: it never
// panics, refuses only with *Error EINVALID, and whatever it hands out is
// within the caps and storable text, on increasing lines.
//
//	go test ./allocation -run '^$' -fuzz FuzzOpenRowSource -fuzztime 20s
func FuzzOpenRowSource(f *testing.F) {
	csvText := enHeader + "\n" + row1 + "\n"
	f.Add([]byte(csvText))
	f.Add([]byte(strings.ReplaceAll(csvText, ",", ";")))
	f.Add([]byte(strings.ReplaceAll(csvText, ",", "\t")))
	f.Add([]byte("\xef\xbb\xbf" + csvText))
	if gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(zhHeader + "\r\n" + row1 + "\r\n")); err == nil {
		f.Add(gbk)
	}
	if u16, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(strings.ReplaceAll(csvText, ",", "\t"))); err == nil {
		f.Add(u16)
	}
	f.Add([]byte("a,b\n1,\"unclosed\n2,3\n"))
	f.Add([]byte("a,b\nx\x00y,z\n\xff,\xfe\n"))
	f.Add([]byte("a\x00,b\n1,2\n"))
	f.Add([]byte("a,b\n" + strings.Repeat("x", 300) + "\n"))
	f.Add([]byte("a,b\n" + strings.Repeat("x,", 20) + "\n"))
	f.Add([]byte(strings.Repeat("a,b\n", 60)))
	var xl bytes.Buffer
	if err := allocation.WritePortfolioXLSX(&xl, 3, 1, asOf); err == nil {
		f.Add(xl.Bytes())
	}
	f.Add(buildXLSX(f, func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><t>a_x0000_b</t></is></c></row><row r="1048577"><c r="A1048577"/></row>`)
		return err
	}, func(w io.Writer) error { return repeatWrite(w, "<si><t>a</t></si>", 100) }))
	f.Add([]byte("PK\x03\x04\x14\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []allocation.FileLimits{fuzzLimits, allocation.DefaultFileLimits} {
			checkSource(t, data, lim)
		}
	})
}

func checkSource(t *testing.T, data []byte, lim allocation.FileLimits) {
	t.Helper()
	isInvalid := func(err error) bool {
		var e *allocation.Error
		return errors.As(err, &e) && e.Code == allocation.EINVALID
	}
	src, err := allocation.OpenRowSourceLimits(bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		if !isInvalid(err) {
			t.Fatalf("OpenRowSource: %v, want *Error EINVALID", err)
		}
		return
	}
	defer src.Close()
	checkCells := func(what string, rec []string) {
		if len(rec) > lim.Columns {
			t.Fatalf("%s: %d cells, over the cap %d", what, len(rec), lim.Columns)
		}
		for _, c := range rec {
			if len(c) > lim.CellBytes {
				t.Fatalf("%s: a %d-byte cell, over the cap %d", what, len(c), lim.CellBytes)
			}
			if err := allocation.ValidText(c); err != nil {
				t.Fatalf("%s: cell %q: %v", what, c, err)
			}
		}
	}
	checkCells("header", src.Header())
	last, n := 0, 0
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if !isInvalid(err) {
				t.Fatalf("Next: %v, want *Error EINVALID", err)
			}
			return
		}
		if n++; n > max(lim.CSVRows, lim.XLSXRows) {
			t.Fatalf("%d rows, over the cap", n)
		}
		if line <= last {
			t.Fatalf("line %d after line %d", line, last)
		}
		last = line
		checkCells("record", rec)
	}
}

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
			if allocation.ValidText(e.Message) != nil || e.Field == "" {
				t.Fatalf("row error %+v: not storable", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		for _, s := range []string{row.ExternalRef, row.DebtorName, row.NationalID, row.Phone, row.Province, row.Currency,
			row.DueDate, row.Bucket, row.LastPaymentDate, row.EmergencyContactPhone} {
			if err := allocation.ValidText(s); err != nil || strings.ContainsAny(s, "\u2400\ufffd") {
				t.Fatalf("accepted row holds %q: %v", s, err)
			}
			if len(s) > allocation.DefaultFileLimits.CellBytes {
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
