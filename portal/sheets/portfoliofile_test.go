package sheets_test

import (
	"archive/zip"
	"bytes"
	"collect"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"collect/allocation"
	"collect/portal/sheets"
)

var asOf = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)

// open opens content as a row source (bytes.Reader is an io.ReaderAt).
func open(t *testing.T, content []byte) (sheets.RowSource, error) {
	t.Helper()
	src, err := sheets.OpenRowSource(bytes.NewReader(content), int64(len(content)))
	if err == nil {
		t.Cleanup(func() { _ = src.Close() })
	}
	return src, err
}

type readRow struct {
	line int
	rec  []string
}

// readAll drains src, copying records (they are reused).
func readAll(t *testing.T, src sheets.RowSource) []readRow {
	t.Helper()
	var out []readRow
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, readRow{line, append([]string(nil), rec...)})
	}
}

func wantCode(t *testing.T, err error, code string) *collect.Error {
	t.Helper()
	var e *collect.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want *Error %s", err, code)
	}
	return e
}

const enHeader = "external_ref,debtor_name,national_id,phone,province,principal,balance,currency,due_date,dpd,last_payment_date,emergency_contact_phone"
const zhHeader = "借据号,姓名,身份证号,手机号,省份,本金,欠款余额,币种,应还日期,逾期天数,最后还款日,紧急联系人电话"

// row1 is valid as of 2024-03-01: 2024-01-01 is 31 (January) + 29
// (February 2024, a leap year) = 60 days before.
const row1 = "L0001,张三,11010519491231002X,13800138000,北京市,12000.50,13000,CNY,2024-01-01,60,2023-12-15,13900139000"

func TestOpenRowSourceCSV(t *testing.T) {
	tests := []struct {
		name       string
		content    []byte
		wantHeader string // joined with |
		wantRows   []readRow
	}{
		{"English header", []byte(enHeader + "\n" + row1 + "\n"),
			strings.ReplaceAll(enHeader, ",", "|"),
			[]readRow{{2, strings.Split(row1, ",")}}},
		{"Chinese header", []byte(zhHeader + "\n" + row1 + "\n"),
			strings.ReplaceAll(zhHeader, ",", "|"),
			[]readRow{{2, strings.Split(row1, ",")}}},
		{"BOM and CRLF", []byte("\xEF\xBB\xBF" + zhHeader + "\r\n" + row1 + "\r\n"),
			strings.ReplaceAll(zhHeader, ",", "|"),
			[]readRow{{2, strings.Split(row1, ",")}}},
		{"semicolon", []byte("借据号;姓名;本金\nL1;张三;\"1,234.50\"\n"),
			"借据号|姓名|本金",
			[]readRow{{2, []string{"L1", "张三", "1,234.50"}}}},
		{"tab", []byte("借据号\t姓名\t本金\nL1\t张三\t1,234.50\nL2\t\t5\n"),
			"借据号|姓名|本金",
			[]readRow{{2, []string{"L1", "张三", "1,234.50"}}, {3, []string{"L2", "", "5"}}}},
		{"quoted fields, blank rows skipped, file line numbers", []byte("a,b,c\n\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\n  , \t,\nlast,1\n"),
			"a|b|c",
			[]readRow{{3, []string{"x, y", `say "hi"`, "two\nlines"}}, {7, []string{"last", "1"}}}},
		{"ragged rows", []byte("a,b,c\n1\n1,2,3,4\n"),
			"a|b|c",
			[]readRow{{2, []string{"1"}}, {3, []string{"1", "2", "3", "4"}}}},
		{"header only", []byte(enHeader + "\n"), strings.ReplaceAll(enHeader, ",", "|"), nil},
		{"header only without newline", []byte("a,b"), "a|b", nil},
		{"blank lines before the header", []byte("\n\na,b\n1,2"), "a|b", []readRow{{4, []string{"1", "2"}}}},
		{"blank lines before a tab header", []byte("\r\n\r\na\tb\r\n1\t2\r\n"), "a|b", []readRow{{4, []string{"1", "2"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := open(t, tt.content)
			if err != nil {
				t.Fatalf("OpenRowSource: %v", err)
			}
			if got := strings.Join(src.Header(), "|"); got != tt.wantHeader {
				t.Errorf("Header = %q, want %q", got, tt.wantHeader)
			}
			got := readAll(t, src)
			if !reflect.DeepEqual(got, tt.wantRows) {
				t.Errorf("rows = %+v, want %+v", got, tt.wantRows)
			}
			// io.EOF again after the end.
			if _, _, err := src.Next(); err != io.EOF {
				t.Errorf("Next after end = %v, want io.EOF", err)
			}
		})
	}
}

func TestOpenRowSourceEncodings(t *testing.T) {
	text := zhHeader + "\r\n" + row1 + "\r\n"
	t.Run("GBK-encoded Chinese CSV", func(t *testing.T) {
		gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(gbk) {
			t.Fatal("test data: GB18030 bytes should not be valid UTF-8")
		}
		src, err := open(t, gbk)
		if err != nil {
			t.Fatalf("OpenRowSource: %v", err)
		}
		if got := strings.Join(src.Header(), ","); got != zhHeader {
			t.Errorf("Header = %q, want %q", got, zhHeader)
		}
		idx, err := allocation.MapColumns(src.Header(), nil)
		if err != nil {
			t.Fatalf("MapColumns: %v", err)
		}
		rows := readAll(t, src)
		if len(rows) != 1 {
			t.Fatalf("%d rows, want 1", len(rows))
		}
		r, errs := allocation.ParseRow(rows[0].rec, rows[0].line, idx, asOf)
		if len(errs) > 0 {
			t.Fatalf("ParseRow errors: %v", errs)
		}
		if r.DebtorName != "张三" || r.Province != "北京市" || r.Line != 2 {
			t.Errorf("row = %+v", r)
		}
	})
	t.Run("UTF-16LE with BOM (Excel Unicode text)", func(t *testing.T) {
		tsv := strings.ReplaceAll(text, ",", "\t")
		b, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(tsv))
		if err != nil {
			t.Fatal(err)
		}
		src, err := open(t, b)
		if err != nil {
			t.Fatalf("OpenRowSource: %v", err)
		}
		if got := strings.Join(src.Header(), ","); got != zhHeader {
			t.Errorf("Header = %q, want %q", got, zhHeader)
		}
		rows := readAll(t, src)
		if len(rows) != 1 || strings.Join(rows[0].rec, ",") != row1 {
			t.Errorf("rows = %+v", rows)
		}
	})
	t.Run("long UTF-8 file, sniff cut inside a character", func(t *testing.T) {
		// 70,000 bytes of Chinese text: the 64 KiB sniff ends mid-character.
		var b strings.Builder
		b.WriteString("姓名\n")
		for b.Len() < 70000 {
			b.WriteString("张三李四王五\n")
		}
		src, err := open(t, []byte(b.String()))
		if err != nil {
			t.Fatalf("OpenRowSource: %v", err)
		}
		rows := readAll(t, src)
		if rows[0].rec[0] != "张三李四王五" {
			t.Errorf("first row = %q", rows[0].rec)
		}
	})
}

func TestOpenRowSourceRefuses(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	xls := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var otherZip bytes.Buffer
	zw := zip.NewWriter(&otherZip)
	w, _ := zw.Create("notes.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	const unsupported = "unsupported file type: upload CSV or XLSX"
	tests := []struct {
		name    string
		content []byte
		message string // "" = any EINVALID
	}{
		{"PDF", []byte("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), unsupported},
		{"PDF all text", []byte("%PDF-1.4\n1 0 obj << >> endobj\n"), unsupported},
		{"PNG", png, unsupported},
		{"JPEG", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 32)...), unsupported},
		{"random binary", random, unsupported},
		{"old binary XLS", xls, unsupported},
		{"zip that is not a workbook", otherZip.Bytes(), unsupported},
		{"truncated zip", []byte("PK\x03\x04\x14\x00\x00\x00"), unsupported},
		{"empty file", nil, ""},
		{"only blank lines", []byte("\r\n\n\n"), ""},
		{"only empty cells", []byte(",,,\n,,\n"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := open(t, tt.content)
			e := wantCode(t, err, collect.EINVALID)
			if tt.message != "" && e.Text() != tt.message {
				t.Errorf("message = %q, want %q", e.Text(), tt.message)
			}
		})
	}
}

func TestRowSourceMalformedCSV(t *testing.T) {
	src, err := open(t, []byte("a,b\n1,2\n3,\"unclosed\n4,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, line, err := src.Next(); err != nil || line != 2 {
		t.Fatalf("first record: line %d err %v", line, err)
	}
	_, _, err = src.Next()
	e := wantCode(t, err, collect.EINVALID)
	if !strings.Contains(e.Text(), "line 3") {
		t.Errorf("message %q should name line 3", e.Text())
	}
}

// parseAll reads a whole source into ImportRows, failing on any row error.
func parseAll(t *testing.T, src sheets.RowSource) []allocation.ImportRow {
	t.Helper()
	idx, err := allocation.MapColumns(src.Header(), nil)
	if err != nil {
		t.Fatalf("MapColumns(%q): %v", src.Header(), err)
	}
	var out []allocation.ImportRow
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		r, errs := allocation.ParseRow(rec, line, idx, asOf)
		if len(errs) > 0 {
			t.Fatalf("line %d %q: %v", line, rec, errs)
		}
		out = append(out, r)
	}
}

func TestGeneratorRoundTrip(t *testing.T) {
	const n = 300
	var csvEN, csvZH, xlsx bytes.Buffer
	if err := sheets.WritePortfolioCSV(&csvEN, n, 42, asOf, "en"); err != nil {
		t.Fatal(err)
	}
	if err := sheets.WritePortfolioCSV(&csvZH, n, 42, asOf, "zh"); err != nil {
		t.Fatal(err)
	}
	if err := sheets.WritePortfolioXLSX(&xlsx, n, 42, asOf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csvEN.Bytes(), []byte(enHeader+"\n")) || !bytes.HasPrefix(csvZH.Bytes(), []byte(zhHeader+"\n")) {
		t.Fatalf("headers: %q / %q", csvEN.String()[:80], csvZH.String()[:80])
	}
	read := func(b []byte) []allocation.ImportRow {
		src, err := open(t, b)
		if err != nil {
			t.Fatal(err)
		}
		return parseAll(t, src)
	}
	en, zh, xl := read(csvEN.Bytes()), read(csvZH.Bytes()), read(xlsx.Bytes())
	if len(en) != n {
		t.Fatalf("%d rows, want %d", len(en), n)
	}
	if en[0].ExternalRef != "GEN000000001" || en[n-1].ExternalRef != "GEN000000300" || en[0].Line != 2 || en[n-1].Line != n+1 {
		t.Errorf("first/last = %+v / %+v", en[0], en[n-1])
	}
	seen := map[string]bool{}
	withLast := 0
	for _, r := range en {
		if seen[r.ExternalRef] {
			t.Errorf("duplicate ref %s", r.ExternalRef)
		}
		seen[r.ExternalRef] = true
		if r.LastPaymentDate != "" {
			withLast++
		}
	}
	if withLast == 0 || withLast == n {
		t.Errorf("%d of %d rows with a last payment date: the optional column should vary", withLast, n)
	}
	if !reflect.DeepEqual(en, zh) {
		t.Error("English and Chinese CSV differ")
	}
	if !reflect.DeepEqual(en, xl) {
		for i := range en {
			if !reflect.DeepEqual(en[i], xl[i]) {
				t.Fatalf("row %d: CSV %+v\nXLSX %+v", i, en[i], xl[i])
			}
		}
		t.Fatalf("XLSX has %d rows, CSV %d", len(xl), len(en))
	}
	// Same seed, same file.
	var again bytes.Buffer
	_ = sheets.WritePortfolioCSV(&again, n, 42, asOf, "en")
	if !bytes.Equal(again.Bytes(), csvEN.Bytes()) {
		t.Error("generator is not deterministic")
	}
	if err := sheets.WritePortfolioCSV(io.Discard, 1, 1, asOf, "fr"); collect.ErrorCode(err) != collect.EINVALID {
		t.Errorf("header fr: %v", err)
	}
}

func TestXLSXFromFile(t *testing.T) {
	// An *os.File is opened by path (not read into memory); same rows.
	path := filepath.Join(t.TempDir(), "p.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sheets.WritePortfolioXLSX(f, 50, 7, asOf); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	src, err := sheets.OpenRowSource(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := parseAll(t, src)
	var csvBuf bytes.Buffer
	_ = sheets.WritePortfolioCSV(&csvBuf, 50, 7, asOf, "zh")
	csvSrc, _ := open(t, csvBuf.Bytes())
	if want := parseAll(t, csvSrc); !reflect.DeepEqual(rows, want) {
		t.Errorf("XLSX file rows differ from CSV rows")
	}
}

func TestXLSXCells(t *testing.T) {
	// Date cells hold serial numbers; whatever their date format, the source
	// gives YYYY-MM-DD. Phones typed as numbers and formatted amounts come out
	// as displayed.
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	custom := func(code string) int {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	builtin, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	zhBuiltin, _ := f.NewStyle(&excelize.Style{NumFmt: 31}) // zh-CN yyyy"年"m"月"d"日"
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4})
	_ = f.SetSheetRow(sh, "A1", &[]any{"借据号", "姓名", "身份证号", "手机号", "省份", "本金", "欠款余额", "应还日期", "逾期天数", "最后还款日"})
	cases := []struct {
		name  string
		row   int
		value any
		style int // 0: excelize's default for a time.Time
	}{
		{"built-in short date", 2, day, builtin},
		{"yyyy/m/d", 3, day, custom("yyyy/m/d")},
		// row 4 left empty
		{"Chinese custom", 5, day, custom(`yyyy"年"m"月"d"日"`)},
		{"Chinese built-in", 6, day, zhBuiltin},
		{"default time.Time format", 7, day, 0},
		{"day first", 8, day, custom("dd/mm/yyyy")},
		{"date and time", 9, day.Add(13 * time.Hour), custom("yyyy-mm-dd hh:mm")},
		{"locale prefix", 10, day, custom("[$-804]yyyy-mm-dd;@")},
		{"serial number in a date cell", 11, 45292, builtin},
		{"text date", 12, "2024/1/1", 0},
	}
	for _, c := range cases {
		cell, _ := excelize.CoordinatesToCellName(1, c.row)
		_ = f.SetSheetRow(sh, cell, &[]any{"L" + strconv.Itoa(c.row), "张三", "11010519491231002X", 13800138000, "北京市", 12000.5, 13000, c.value, 60})
		dc, _ := excelize.CoordinatesToCellName(8, c.row)
		if c.style != 0 {
			_ = f.SetCellStyle(sh, dc, dc, c.style)
		}
		mc, _ := excelize.CoordinatesToCellName(6, c.row)
		_ = f.SetCellStyle(sh, mc, mc, money)
	}
	_ = f.SetCellValue(sh, "J11", day.AddDate(0, 0, -17)) // last payment 2023-12-15
	_ = f.SetCellStyle(sh, "J11", "J11", custom("d-mmm-yy"))
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	src, err := open(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	raw := readAll(t, src)
	if len(raw) != len(cases) {
		t.Fatalf("rows = %+v", raw)
	}
	for i, r := range raw {
		c := cases[i]
		t.Run(c.name, func(t *testing.T) {
			if r.line != c.row {
				t.Errorf("line = %d, want %d", r.line, c.row)
			}
			want := "2024-01-01"
			if c.name == "text date" {
				want = "2024/1/1"
			}
			if r.rec[7] != want {
				t.Errorf("due cell = %q, want %q", r.rec[7], want)
			}
			if r.rec[3] != "13800138000" || r.rec[5] != "12,000.50" || r.rec[6] != "13000" {
				t.Errorf("phone/principal/balance cells = %q, %q, %q", r.rec[3], r.rec[5], r.rec[6])
			}
		})
	}
	src2, _ := open(t, buf.Bytes())
	rows := parseAll(t, src2)
	for _, r := range rows {
		if r.DueDate != "2024-01-01" || r.PrincipalCents != 1200050 || r.BalanceCents != 1300000 || r.Phone != "13800138000" || r.DPD != 60 {
			t.Errorf("line %d: %+v", r.Line, r)
		}
	}
	if got := rows[len(rows)-2].LastPaymentDate; got != "2023-12-15" {
		t.Errorf("last payment = %q", got)
	}
}

func TestXLSXHeaderOnlyAndEmpty(t *testing.T) {
	t.Run("header only", func(t *testing.T) {
		f := excelize.NewFile()
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"借据号", "姓名"})
		var buf bytes.Buffer
		_ = f.Write(&buf)
		src, err := open(t, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := src.Next(); err != io.EOF {
			t.Errorf("Next = %v, want io.EOF", err)
		}
	})
	t.Run("empty sheet", func(t *testing.T) {
		f := excelize.NewFile()
		var buf bytes.Buffer
		_ = f.Write(&buf)
		_, err := open(t, buf.Bytes())
		wantCode(t, err, collect.EINVALID)
	})
}

// TestImportStreamsCSV reads a generated 200,000-row CSV (about 25 MB)
// through OpenRowSource, MapColumns and ParseRow and checks the heap stays
// small: the file is streamed, not loaded.
func TestImportStreamsCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	const n = 200_000
	path := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sheets.WritePortfolioCSV(f, n, 9, asOf, "zh"); err != nil {
		t.Fatal(err)
	}
	size, _ := f.Seek(0, io.SeekEnd)
	if size < 20<<20 {
		t.Fatalf("file is %d bytes, expected over 20 MB", size)
	}

	var before, now runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse

	src, err := sheets.OpenRowSource(f, size)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := allocation.MapColumns(src.Header(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var count int
	var balance int64
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r, errs := allocation.ParseRow(rec, line, idx, asOf)
		if len(errs) > 0 {
			t.Fatalf("line %d: %v", line, errs)
		}
		count++
		balance += r.BalanceCents
		if count%10_000 == 0 {
			runtime.ReadMemStats(&now)
			peak = max(peak, now.HeapInuse)
		}
	}
	_ = src.Close()
	_ = f.Close()
	if count != n || balance <= 0 {
		t.Fatalf("read %d rows (balance %d), want %d", count, balance, n)
	}
	growth := int64(peak) - int64(before.HeapInuse)
	t.Logf("file %d MB, heap in use grew by at most %.1f MB", size>>20, float64(growth)/(1<<20))
	if growth > 30<<20 {
		t.Errorf("heap grew by %d MB reading a %d MB file: not streaming", growth>>20, size>>20)
	}
}

func BenchmarkImportCSV(b *testing.B) {
	var buf bytes.Buffer
	if err := sheets.WritePortfolioCSV(&buf, 100_000, 3, asOf, "zh"); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		src, err := sheets.OpenRowSource(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		idx, _ := allocation.MapColumns(src.Header(), nil)
		for {
			rec, line, err := src.Next()
			if err != nil {
				break
			}
			if _, errs := allocation.ParseRow(rec, line, idx, asOf); errs != nil {
				b.Fatal(errs)
			}
		}
		_ = src.Close()
	}
}

func BenchmarkWritePortfolioCSV(b *testing.B) {
	for range b.N {
		if err := sheets.WritePortfolioCSV(io.Discard, 100_000, 3, asOf, "en"); err != nil {
			b.Fatal(err)
		}
	}
}
