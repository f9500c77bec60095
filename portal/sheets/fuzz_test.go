package sheets_test

import (
	"bytes"
	"collect"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"collect/portal/sheets"
)

// fuzzLimits are low caps, so a fuzzer's small inputs reach them.
var fuzzLimits = sheets.FileLimits{CellBytes: 64, RecordBytes: 256, Columns: 8, CSVRows: 40, XLSXRows: 40, SharedStrings: 64,
	XLSXPartBytes: 1 << 20, XLSXTotalBytes: 4 << 20, XLSXMemoryBytes: 1 << 20}

// FuzzOpenRowSource reads arbitrary bytes as a portfolio file: it never
// panics, refuses only with *Error EINVALID, and whatever it hands out is
// within the caps and storable text, on increasing lines.
//
//	go test ./portal/sheets -run "^$" -fuzz FuzzOpenRowSource -fuzztime 20s
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
	if err := sheets.WritePortfolioXLSX(&xl, 3, 1, asOf); err == nil {
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
		for _, lim := range []sheets.FileLimits{fuzzLimits, sheets.DefaultFileLimits} {
			checkSource(t, data, lim)
		}
	})
}

func checkSource(t *testing.T, data []byte, lim sheets.FileLimits) {
	t.Helper()
	isInvalid := func(err error) bool {
		var e *collect.Error
		return errors.As(err, &e) && e.Code == collect.EINVALID
	}
	src, err := sheets.OpenRowSourceLimits(bytes.NewReader(data), int64(len(data)), lim)
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
			if err := collect.ValidText(c); err != nil {
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
