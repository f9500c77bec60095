package sheets_test

// The attacker's reproductions (hostile CSV and XLSX files), each refused
// while streaming with bounded memory and time. The files are generated on
// the fly (a synthetic ReaderAt for CSV, a streamed, compressed zip for
// XLSX), so the test itself stays small. This file uses only OpenRowSource,
// so it also runs against the code before the caps (that is how the bounds
// were checked to fail there).

import (
	"archive/zip"
	"bytes"
	"collect"
	"collect/portal/sheets"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// patternFile is a ReaderAt of prefix, then fill repeated up to size-len(suffix), then suffix.
type patternFile struct {
	prefix, fill, suffix []byte
	size                 int64
}

func (p *patternFile) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && off < p.size {
		switch {
		case off < int64(len(p.prefix)):
			b[n] = p.prefix[off]
		case off >= p.size-int64(len(p.suffix)):
			b[n] = p.suffix[off-(p.size-int64(len(p.suffix)))]
		default:
			b[n] = p.fill[(off-int64(len(p.prefix)))%int64(len(p.fill))]
		}
		n++
		off++
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// usage is what a call cost: the peak of HeapInuse above the start
// (sampled every 2 ms), the bytes allocated, and the time.
type usage struct {
	peak, alloc uint64
	took        time.Duration
}

func (u usage) String() string {
	return fmt.Sprintf("peak heap +%.1f MB, allocated %.1f MB, %v", float64(u.peak)/1e6, float64(u.alloc)/1e6, u.took.Round(time.Millisecond))
}

func measure(f func()) usage {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, alloc0 := ms.HeapInuse, ms.TotalAlloc
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	f()
	took := time.Since(start)
	close(stop)
	peak := <-done
	runtime.ReadMemStats(&ms)
	u := usage{alloc: ms.TotalAlloc - alloc0, took: took}
	if peak > base {
		u.peak = peak - base
	}
	return u
}

// openAndDrain opens a file and reads every row, returning the first error.
func openAndDrain(r io.ReaderAt, size int64) error {
	src, err := sheets.OpenRowSource(r, size)
	if err != nil {
		return err
	}
	defer src.Close()
	for {
		_, _, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// xlsxPart is one zip entry of a generated workbook.
type xlsxPart struct {
	name  string
	write func(w io.Writer) error
}

func xlsxStatic(name, body string) xlsxPart {
	return xlsxPart{name, func(w io.Writer) error { _, err := io.WriteString(w, body); return err }}
}

// buildXLSX writes a minimal workbook (one sheet, optional shared strings)
// whose sheet and shared-string XML are streamed by the given writers, so
// a 200 MB cell costs the test only its compressed size.
func buildXLSX(t testing.TB, sheet func(w io.Writer) error, sst func(w io.Writer) error) []byte {
	t.Helper()
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	wbRels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	if sst != nil {
		wbRels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	}
	wbRels += `</Relationships>`
	types += `</Types>`
	wb := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	parts := []xlsxPart{
		xlsxStatic("[Content_Types].xml", types),
		xlsxStatic("_rels/.rels", rels),
		xlsxStatic("xl/workbook.xml", wb),
		xlsxStatic("xl/_rels/workbook.xml.rels", wbRels),
		{"xl/worksheets/sheet1.xml", func(w io.Writer) error {
			if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`); err != nil {
				return err
			}
			if err := sheet(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</sheetData></worksheet>`)
			return err
		}},
	}
	if sst != nil {
		parts = append(parts, xlsxPart{"xl/sharedStrings.xml", func(w io.Writer) error {
			if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`); err != nil {
				return err
			}
			if err := sst(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</sst>`)
			return err
		}})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.write(w); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repeatWrite writes s n times, in chunks.
func repeatWrite(w io.Writer, s string, n int) error {
	chunk := strings.Repeat(s, max(1, (64<<10)/len(s)))
	per := len(chunk) / len(s)
	for n > 0 {
		k := min(n, per)
		if _, err := io.WriteString(w, chunk[:k*len(s)]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// headerRow writes row 1 with a two-column header.
func headerRow(w io.Writer) error {
	_, err := io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>external_ref</t></is></c><c r="B1" t="inlineStr"><is><t>debtor_name</t></is></c></row>`)
	return err
}

func TestHostileFilesRefusedWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates files of hundreds of MB (streamed)")
	}
	hugeCell := func(n int) func(w io.Writer) error {
		return func(w io.Writer) error {
			if err := headerRow(w); err != nil {
				return err
			}
			if _, err := io.WriteString(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>`); err != nil {
				return err
			}
			if err := repeatWrite(w, "a", n); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</t></is></c></row>`)
			return err
		}
	}
	sstBomb := buildXLSX(t, func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `<row r="2"><c r="A2" t="s"><v>9999999</v></c></row>`)
		return err
	}, func(w io.Writer) error { return repeatWrite(w, "<si><t>a</t></si>", 10_000_000) })
	cell200MB := buildXLSX(t, hugeCell(200<<20), nil)
	t.Logf("XLSX with a 200 MB cell: %d bytes; shared-string bomb: %d bytes", len(cell200MB), len(sstBomb))

	csvHeader := []byte("external_ref,debtor_name\n")
	tests := []struct {
		name     string
		r        io.ReaderAt
		size     int64
		want     []string // substrings of the message
		maxHeap  uint64
		maxAlloc uint64
		maxTime  time.Duration
	}{
		{"XLSX 200 MB cell", bytes.NewReader(cell200MB), int64(len(cell200MB)), []string{"row 2", "cell size cap"}, 48 << 20, 128 << 20, 5 * time.Second},
		{"XLSX 10 million shared strings", bytes.NewReader(sstBomb), int64(len(sstBomb)), []string{"shared strings", "shared strings cap"}, 48 << 20, 128 << 20, 3 * time.Second},
		{"CSV 50 MB single line", &patternFile{prefix: csvHeader, fill: []byte("a"), size: 50 << 20}, 50 << 20, []string{"line 2", "record length cap"}, 32 << 20, 64 << 20, 5 * time.Second},
		{"CSV unterminated quote", &patternFile{prefix: append(append([]byte(nil), csvHeader...), "L1,\"open quote\n"...), fill: []byte("L2,name\n"), size: 50 << 20}, 50 << 20, []string{"line 2", "record length cap", "never closed"}, 32 << 20, 64 << 20, 5 * time.Second},
		{"CSV 200 MB line", &patternFile{prefix: csvHeader, fill: []byte("a,"), size: 200 << 20}, 200 << 20, []string{"line 2", "record length cap"}, 32 << 20, 64 << 20, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			u := measure(func() { err = openAndDrain(tt.r, tt.size) })
			t.Logf("%s: %v; error: %v", tt.name, u, err)
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("error = %v, want *Error EINVALID", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Text(), w) {
					t.Errorf("message %q should contain %q", e.Text(), w)
				}
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Errorf("fields = %+v, want one on file", e.Fields)
			}
			if u.peak > tt.maxHeap || u.alloc > tt.maxAlloc {
				t.Errorf("memory: %v, want peak under %d MB and allocations under %d MB", u, tt.maxHeap>>20, tt.maxAlloc>>20)
			}
			if u.took > tt.maxTime {
				t.Errorf("took %v, want under %v", u.took, tt.maxTime)
			}
		})
	}
}
