package sheets_test

import (
	"bytes"
	"collect"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"

	"collect/allocation"
	"collect/portal/sheets"
)

// drain opens content with lim and reads every row: the rows read and the
// first error.
func drain(content []byte, lim sheets.FileLimits) ([]readRow, error) {
	src, err := sheets.OpenRowSourceLimits(bytes.NewReader(content), int64(len(content)), lim)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []readRow
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, readRow{line, append([]string(nil), rec...)})
	}
}

func csvRows(header string, rows ...string) []byte {
	return []byte(header + "\n" + strings.Join(rows, "\n") + "\n")
}

// xlsxRows is a workbook whose sheet holds the header row and then the
// given rows (raw <c> XML each), and optionally shared strings.
func xlsxRows(t *testing.T, rows []string, sst []string) []byte {
	var sstWrite func(w io.Writer) error
	if sst != nil {
		sstWrite = func(w io.Writer) error {
			for _, s := range sst {
				if _, err := fmt.Fprintf(w, "<si><t>%s</t></si>", s); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return buildXLSX(t, func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		for i, r := range rows {
			if _, err := fmt.Fprintf(w, `<row r="%d">%s</row>`, i+2, r); err != nil {
				return err
			}
		}
		return nil
	}, sstWrite)
}

func inline(col string, row int, text string) string {
	return fmt.Sprintf(`<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, col, row, text)
}

func TestFileCaps(t *testing.T) {
	def := sheets.DefaultFileLimits
	small := sheets.FileLimits{RecordBytes: 100, CellBytes: 60, Columns: 5, CSVRows: 10, XLSXRows: 10, SharedStrings: 50}
	h := "external_ref,debtor_name"
	manyRows := make([]string, 20)
	for i := range manyRows {
		manyRows[i] = fmt.Sprintf("L%d,x", i)
	}
	xlsxMany := make([]string, 20)
	for i := range xlsxMany {
		xlsxMany[i] = inline("A", i+2, "L")
	}
	cols := func(n int) string { return strings.TrimSuffix(strings.Repeat("x,", n), ",") }
	xlsxCols := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, `<c t="inlineStr"><is><t>x</t></is></c>`)
		}
		return b.String()
	}
	sst := make([]string, 60)
	for i := range sst {
		sst[i] = "s"
	}
	tests := []struct {
		name    string
		content []byte
		lim     sheets.FileLimits
		want    []string // substrings of the refusal; nil = read to the end
	}{
		{"CSV cell at the cap", csvRows(h, "L1,"+strings.Repeat("a", def.CellBytes)), def, nil},
		{"CSV cell over the cap", csvRows(h, "L1,"+strings.Repeat("a", def.CellBytes+1)), def, []string{"line 2", "column 2", "cell size cap"}},
		// "L1," + 55 + "," + 40 + "\n" = 100 bytes, line break included: at the cap.
		{"CSV record at the cap", csvRows(h, "L1,"+strings.Repeat("a", 55)+","+strings.Repeat("a", 40)), small, nil},
		{"CSV record over the cap", csvRows(h, "L1,"+strings.Repeat("a", 56)+","+strings.Repeat("a", 40)), small, []string{"line 2", "record length cap"}},
		{"CSV record over the cap after good lines", csvRows(h, "L1,x", "", "L2,y", "L3,"+strings.Repeat("a", 500)), small, []string{"line 5", "record length cap"}},
		{"CSV unterminated quote spanning lines", csvRows(h, "L1,x", `L2,"open`, "L3,y", "L4,y", "L5,y", "L6,y", "L7,y", "L8,y", "L9,y", "L10,y", "L11,y", "L12,y", "L13,y", "L14,y", "L15,y", "L16,y", "L17,y", "L18,y", "L19,y", "L20,y", "L21,y", "L22,y", "L23,y"), sheets.FileLimits{RecordBytes: 40}, []string{"line 3", "record length cap", "never closed"}},
		{"CSV columns at the cap", csvRows(h, cols(5)), small, nil},
		{"CSV too many columns", csvRows(h, cols(6)), small, []string{"line 2", "6 columns", "columns cap"}},
		{"CSV too many columns, default cap", csvRows(h, cols(def.Columns+1)), def, []string{"line 2", "columns cap"}},
		{"CSV rows at the cap", csvRows(h, manyRows[:9]...), small, nil},
		{"CSV too many rows", csvRows(h, manyRows...), small, []string{"line 11", "rows cap"}},
		{"XLSX cell at the cap", xlsxRows(t, []string{inline("A", 2, "L1") + inline("B", 2, strings.Repeat("a", def.CellBytes))}, nil), def, nil},
		{"XLSX cell over the cap", xlsxRows(t, []string{inline("A", 2, "L1") + inline("B", 2, strings.Repeat("a", def.CellBytes+1))}, nil), def, []string{"row 2", "column 2", "cell size cap"}},
		{"XLSX escaped cell over the cap", xlsxRows(t, []string{inline("A", 2, strings.Repeat("&quot;", def.CellBytes+1))}, nil), def, []string{"row 2", "cell size cap"}},
		{"XLSX shared string over the cap", xlsxRows(t, []string{`<c r="A2" t="s"><v>0</v></c>`}, []string{strings.Repeat("b", def.CellBytes+1)}), def, []string{"row 2", "cell size cap"}},
		{"XLSX rich-text shared string over the cap", xlsxRows(t, []string{`<c r="A2" t="s"><v>0</v></c>`}, []string{"x</t></si><si><r><t>" + strings.Repeat("b</t></r><r><t>b", 20_000)}), def, []string{"shared strings (item 2)", "cell size cap"}},
		{"XLSX row with too many cells", xlsxRows(t, []string{xlsxCols(6)}, nil), small, []string{"row 2", "columns cap"}},
		{"XLSX cell far right", xlsxRows(t, []string{`<c r="XFD2" t="inlineStr"><is><t>x</t></is></c>`}, nil), def, []string{"row 2", "16384 columns", "columns cap"}},
		{"XLSX too many rows", xlsxRows(t, xlsxMany, nil), small, []string{"row 11", "rows cap"}},
		{"XLSX sparse row number past the cap", xlsxRows(t, []string{`<c r="A2" t="inlineStr"><is><t>x</t></is></c></row><row r="11">`}, nil), small, []string{"row 11", "rows cap"}},
		{"XLSX shared strings at the cap", xlsxRows(t, []string{`<c r="A2" t="s"><v>0</v></c>`}, sst[:50]), small, nil},
		{"XLSX more shared strings than cells", xlsxRows(t, []string{`<c r="A2" t="s"><v>0</v></c>`}, slices.Repeat([]string{"s"}, 1028)), def, []string{"shared strings", "1028 items but the sheets only 3 cells"}},
		{"XLSX too many shared strings", xlsxRows(t, []string{`<c r="A2" t="s"><v>0</v></c>`}, sst), small, []string{"shared strings", "shared strings cap"}},
		{"XLSX part over the cap", xlsxRows(t, []string{strings.Repeat(inline("A", 2, "x"), 1)}, nil), sheets.FileLimits{XLSXPartBytes: 200}, []string{"part size cap"}},
		{"XLSX total over the cap", xlsxRows(t, []string{inline("A", 2, "x")}, nil), sheets.FileLimits{XLSXTotalBytes: 1000}, []string{"unpacked size cap"}},
		{"XLSX comment in the sheet", xlsxRows(t, []string{"<!-- " + strings.Repeat("<a>", 10) + " -->"}, nil), def, []string{"<!"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := drain(tt.content, tt.lim)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("error %v, want the file read", err)
				}
				return
			}
			e := wantCode(t, err, collect.EINVALID)
			for _, w := range tt.want {
				if !strings.Contains(e.Text(), w) {
					t.Errorf("message %q should contain %q", e.Text(), w)
				}
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Errorf("fields = %+v, want one on file", e.Fields)
			}
		})
	}
}

// A zip entry larger than it declares is refused (Go's zip reader stops at
// the declared size, and the scan counts what it inflates).
func TestXLSXEntryLargerThanDeclared(t *testing.T) {
	good := xlsxRows(t, []string{inline("A", 2, strings.Repeat("x", 5000))}, nil)
	// Patch the declared uncompressed size of the sheet in the central
	// directory and local header to 100 bytes.
	b := append([]byte(nil), good...)
	patched := 0
	for _, sig := range [][]byte{[]byte("PK\x01\x02"), []byte("PK\x03\x04")} {
		for i := 0; ; {
			j := bytes.Index(b[i:], sig)
			if j < 0 {
				break
			}
			i += j
			nameLen, sizeAt, nameAt := 0, 0, 0
			if sig[2] == 1 {
				nameLen, sizeAt, nameAt = int(b[i+28])|int(b[i+29])<<8, i+24, i+46
			} else {
				nameLen, sizeAt, nameAt = int(b[i+26])|int(b[i+27])<<8, i+22, i+30
			}
			if string(b[nameAt:nameAt+nameLen]) == "xl/worksheets/sheet1.xml" {
				b[sizeAt], b[sizeAt+1], b[sizeAt+2], b[sizeAt+3] = 100, 0, 0, 0
				patched++
			}
			i += 4
		}
	}
	if patched == 0 {
		t.Fatal("test data: sheet entry not found")
	}
	_, err := drain(b, sheets.DefaultFileLimits)
	wantCode(t, err, collect.EINVALID)
}

func TestCellTextValidity(t *testing.T) {
	h := enHeader
	pad := make([]string, 0, 30)
	for i := 0; i < 30; i++ {
		pad = append(pad, strings.Replace(row1, "L0001", fmt.Sprintf("P%04d", i), 1))
	}
	withName := func(name string) []byte {
		return csvRows(h, append([]string{strings.Replace(row1, "张三", name, 1)}, pad...)...)
	}
	utf16 := func(b []byte) []byte {
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name    string
		content []byte
		msg     string
	}{
		{"NUL in a name", withName("张\x00三"), "contains a NUL byte"},
		{"invalid UTF-8 in a name", withName("张\xff三"), "is not valid UTF-8 text"},
		{"lone continuation byte", withName("\x80"), "is not valid UTF-8 text"},
		{"NUL in a small file", csvRows(h, strings.Replace(row1, "张三", "\x00", 1)), "contains a NUL byte"},
		{"UTF-16 NUL", utf16(withName("张\x00三")), "contains a NUL byte"},
		{"XLSX _x0000_ escape", xlsxRows(t, []string{inline("A", 2, "L1") + inline("B", 2, "a_x0000_b")}, nil), "contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := drain(tt.content, sheets.DefaultFileLimits)
			if err != nil {
				t.Fatalf("the file should be read (the row is rejected): %v", err)
			}
			var header []string
			if bytes.HasPrefix(tt.content, []byte("PK")) {
				header = []string{"external_ref", "debtor_name"}
			} else {
				header = strings.Split(h, ",")
			}
			idx, err := allocation.MapColumns(header, allocation.Mapping{allocation.ColExternalRef: "external_ref", allocation.ColDebtorName: "debtor_name"})
			if err != nil && !bytes.HasPrefix(tt.content, []byte("PK")) {
				t.Fatal(err)
			}
			if idx == nil {
				idx = allocation.ColumnIndex{allocation.ColExternalRef: 0, allocation.ColDebtorName: 1}
			}
			for _, r := range rows {
				for _, c := range r.rec {
					if collect.ValidText(c) != nil {
						t.Errorf("line %d: Next returned %q, not storable", r.line, c)
					}
				}
			}
			_, errs := allocation.ParseRow(rows[0].rec, rows[0].line, idx, asOf)
			found := false
			for _, e := range errs {
				if e.Field == string(allocation.ColDebtorName) && strings.Contains(e.Message, tt.msg) && e.Line == 2 {
					found = true
				}
			}
			if !found {
				t.Errorf("row errors %+v, want debtor_name %q on line 2", errs, tt.msg)
			}
			for _, r := range rows[1:] {
				if _, errs := allocation.ParseRow(r.rec, r.line, idx, asOf); hasField(errs, allocation.ColDebtorName) {
					t.Errorf("line %d: %+v", r.line, errs)
				}
			}
		})
	}
}

func hasField(errs []allocation.RowError, c allocation.Column) bool {
	for _, e := range errs {
		if e.Field == string(c) {
			return true
		}
	}
	return false
}

func TestHeaderTextRefused(t *testing.T) {
	for _, tt := range []struct {
		name    string
		content []byte
		msg     string
	}{
		{"NUL", []byte("external_ref,debtor\x00name\nL1,x\n"), "the header row: column 2 contains a NUL byte"},
		{"invalid UTF-8", []byte("external_ref,debtor\xffname\nL1,x\n"), "the header row: column 2 is not valid UTF-8 text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := drain(tt.content, sheets.DefaultFileLimits)
			e := wantCode(t, err, collect.EINVALID)
			if !strings.HasPrefix(e.Text(), tt.msg) || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Errorf("error %q %+v, want %q on file", e.Text(), e.Fields, tt.msg)
			}
		})
	}
}

func TestValidText(t *testing.T) {
	for _, tt := range []struct {
		in, msg string
	}{
		{"", ""},
		{"张三 O'Brien", ""},
		{"a\x00b", "err.text.nul"},
		{"a\xffb", "err.text.bad_utf8"},
		{"\xed\xa0\x80", "err.text.bad_utf8"}, // a UTF-16 surrogate
		{"\u2400", ""},                        // only a RowSource's marker for NUL inside ParseRow
	} {
		err := collect.ValidText(tt.in)
		got := ""
		var e *collect.Error
		if errors.As(err, &e) {
			got = e.Key
		}
		if got != tt.msg {
			t.Errorf("ValidText(%q) = %q, want %q", tt.in, got, tt.msg)
		}
	}
	_ = utf8.RuneError
}
