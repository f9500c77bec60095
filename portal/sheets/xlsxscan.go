package sheets

// The XLSX pre-scan: before excelize opens a workbook, every zip entry is
// inflated once through a byte scanner that counts the bytes actually
// inflated and measures what would make excelize (or its XML decoder) hold
// a lot of memory: a long text run, a long cell or shared-string item, the
// number of shared strings and of cells per row. excelize trusts the sizes
// the zip declares, decodes each XML token whole and indexes every shared
// string, so these are checked first, while streaming, at a cost of one
// inflate pass (about a second per 500 MB of XML).

import (
	"archive/zip"
	"bytes"
	"collect"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
)

// xlsxTempThreshold is excelize's UnzipXMLSizeLimit: worksheets and the
// shared-string table declared larger than this are inflated to temporary
// files and streamed from there instead of being held in memory.
const xlsxTempThreshold = 1 << 20

// xlsxMaxEntries caps the entries of the zip: Go's zip reader (and
// excelize, which opens the file again) keeps a few hundred bytes per entry
// of the central directory. A workbook has 10 to 100.
const xlsxMaxEntries = 1000

// xlsxMaxMemoryElements caps the XML elements of the parts excelize decodes
// into structs in memory (styles, workbook, relationships, small sheets):
// each costs it a hundred bytes or more. Excel allows 64,000 cell styles.
const xlsxMaxMemoryElements = 500_000

type xlsxPartKind int

const (
	partOther xlsxPartKind = iota
	partSheet
	partSharedStrings
)

// scanXLSX refuses a workbook that crosses a cap of lim (see FileLimits)
// before excelize reads it. A file that is not a readable zip is
// unsupported().
func scanXLSX(r io.ReaderAt, size int64, lim FileLimits) error {
	if n, ok := zipEntryCount(r, size); ok && n > xlsxMaxEntries {
		return limitError("err.file.zip_entries_cap", "parts", n, "max", xlsxMaxEntries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return unsupported()
	}
	if len(zr.File) > xlsxMaxEntries {
		return limitError("err.file.zip_entries_cap", "parts", len(zr.File), "max", xlsxMaxEntries)
	}
	sc := xmlScanner{lim: lim}
	var inMemory int64
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		kind := partOther
		switch {
		case name == "xl/sharedstrings.xml":
			kind = partSharedStrings
		case strings.HasPrefix(name, "xl/worksheets/sheet"):
			kind = partSheet
		}
		declared := int64(zf.UncompressedSize64)
		if zf.UncompressedSize64 > 1<<62 {
			declared = 1 << 62
		}
		memory := kind == partOther || declared <= xlsxTempThreshold
		if memory {
			// excelize allocates the declared size of each part it holds.
			if inMemory += declared; inMemory > lim.XLSXMemoryBytes {
				return limitError("err.file.workbook_memory_cap", "max", lim.XLSXMemoryBytes)
			}
		}
		if err := sc.scanPart(zf, kind, memory); err != nil {
			return err
		}
	}
	if sc.sharedStrings > sc.cells+1024 {
		return limitError("err.file.shared_strings_unused", "items", sc.sharedStrings, "cells", sc.cells)
	}
	return nil
}

// zipEntryCount reads the entry count from the zip's end-of-central-
// directory record, before Go's zip reader allocates an entry for each.
func zipEntryCount(r io.ReaderAt, size int64) (int, bool) {
	const eocdLen = 22
	n := min(size, eocdLen+0xFFFF)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	count := int(binary.LittleEndian.Uint16(buf[i+10:]))
	if count == 0xFFFF { // zip64: more entries than any workbook has
		return 1 << 16, true
	}
	return count, true
}

// xmlScanner measures XML as it streams. No text node or attribute value
// can hold a raw '<', so the longest run between two '<' bounds every token
// excelize's decoder builds; markup Excel never writes inside a sheet
// (comments, CDATA, DOCTYPE), which could hide a '<', is refused.
type xmlScanner struct {
	lim FileLimits

	total         int64 // bytes inflated, all parts
	sharedStrings int   // <si> items
	cells         int   // <c> elements, all sheets
	memElements   int   // elements of the parts excelize holds in memory

	// per part
	kind       xlsxPartKind
	memory     bool
	name       string
	part       int64 // bytes inflated
	run        int   // bytes since the last '<'
	span       int   // bytes since the current cell or item began
	row        int   // current sheet row number
	rowCells   int   // cells in the current row
	tag        []byte
	inTag      bool // collecting a tag's first bytes
	inPI       bool // inside <? ... ?>
	prev       byte
	maxRun     int
	maxSpan    int
	itemOpened bool
}

func (sc *xmlScanner) scanPart(zf *zip.File, kind xlsxPartKind, memory bool) error {
	rc, err := zf.Open()
	if err != nil {
		return unsupported()
	}
	defer rc.Close()
	sc.kind, sc.memory, sc.name = kind, memory, zf.Name
	sc.part, sc.run, sc.span, sc.row, sc.rowCells = 0, 0, 0, 0, 0
	sc.tag, sc.inTag, sc.inPI, sc.prev, sc.itemOpened = sc.tag[:0], false, false, 0, false
	// A cell's text may be XML-escaped (&quot; is 6 bytes for 1); a cell or
	// shared-string item may be rich text, with formatting markup per run.
	sc.maxRun = 6*sc.lim.CellBytes + 256
	sc.maxSpan = 8*sc.lim.CellBytes + 16<<10
	xml := kind != partOther || strings.HasSuffix(strings.ToLower(zf.Name), ".xml") || strings.HasSuffix(strings.ToLower(zf.Name), ".rels")
	buf := make([]byte, 32<<10)
	for {
		n, rerr := rc.Read(buf)
		if n > 0 {
			sc.part += int64(n)
			sc.total += int64(n)
			if kind != partOther && sc.part > sc.lim.XLSXPartBytes {
				return limitError("err.file.part_cap", "at", sc.where(), "part", zf.Name, "max", sc.lim.XLSXPartBytes)
			}
			if sc.total > sc.lim.XLSXTotalBytes {
				return limitError("err.file.total_cap", "max", sc.lim.XLSXTotalBytes)
			}
			if xml && (kind != partOther || memory) {
				if err := sc.scan(buf[:n]); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return unsupported() // corrupt or longer than declared (zip.ErrFormat)
		}
	}
}

// where names the position for a message: the sheet row, or "shared
// strings", in the reader's language.
func (sc *xmlScanner) where() *collect.Error {
	switch sc.kind {
	case partSheet:
		if sc.row > 0 {
			return at("row", sc.row)
		}
		return collect.E(collect.EINVALID, "err.file.at_sheet", "sheet", sc.name)
	case partSharedStrings:
		return collect.E(collect.EINVALID, "err.file.at_shared_string", "item", sc.sharedStrings)
	}
	return collect.E(collect.EINVALID, "err.file.at_part", "part", sc.name)
}

func (sc *xmlScanner) scan(b []byte) error {
	if sc.kind == partOther {
		// Held in memory (bounded by XLSXMemoryBytes): only its elements
		// are counted, for the structs excelize decodes them into.
		n := bytes.Count(b, []byte{'<'})
		if sc.memElements += n; sc.memElements > xlsxMaxMemoryElements {
			return limitError("err.file.elements_cap", "max", xlsxMaxMemoryElements)
		}
		return nil
	}
	for _, c := range b {
		sc.run++
		sc.span++
		if sc.inPI {
			if c == '>' && sc.prev == '?' {
				sc.inPI = false
			}
			sc.prev = c
			if sc.run > sc.maxRun {
				return limitError("err.file.xml_instruction", "at", sc.where(), "max", sc.maxRun)
			}
			continue
		}
		sc.prev = c
		if c == '<' {
			if sc.inTag {
				if err := sc.tagDone(); err != nil {
					return err
				}
			}
			sc.run = 0
			sc.inTag, sc.tag = true, sc.tag[:0]
			if sc.memory {
				if sc.memElements++; sc.memElements > xlsxMaxMemoryElements {
					return limitError("err.file.elements_cap", "max", xlsxMaxMemoryElements)
				}
			}
			continue
		}
		if sc.inTag {
			if c == '>' || len(sc.tag) >= 600 {
				sc.inTag = false
				if err := sc.tagDone(); err != nil {
					return err
				}
			} else {
				sc.tag = append(sc.tag, c)
				if len(sc.tag) == 1 {
					switch c {
					case '!':
						return limitError("err.file.xml_markup", "at", sc.where(), "part", sc.name)
					case '?':
						sc.inTag, sc.inPI = false, true
					}
				}
			}
		}
		if sc.run > sc.maxRun {
			return limitError("err.file.cell_text_cap", "at", sc.where(), "bytes", sc.maxRun, "max", sc.lim.CellBytes)
		}
		if sc.span > sc.maxSpan && sc.itemOpened {
			return limitError("err.file.cell_span_cap", "at", sc.where(), "bytes", sc.maxSpan, "max", sc.lim.CellBytes)
		}
	}
	return nil
}

// tagDone acts on a tag's first bytes (name and attributes, at most 600).
func (sc *xmlScanner) tagDone() error {
	tag := sc.tag
	end := len(tag)
	for i, c := range tag {
		if c == ' ' || c == '/' || c == '\t' || c == '\r' || c == '\n' {
			end = i
			break
		}
	}
	name, attrs := tag[:end], tag[end:]
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case sc.kind == partSharedStrings && string(name) == "si":
		if sc.sharedStrings++; sc.sharedStrings > sc.lim.SharedStrings {
			return limitError("err.file.shared_strings_cap", "max", sc.lim.SharedStrings)
		}
		sc.span, sc.itemOpened = 0, true
	case sc.kind == partSheet && string(name) == "row":
		next := sc.row + 1
		if i := bytes.Index(attrs, []byte(` r="`)); i >= 0 {
			v := attrs[i+4:]
			if j := bytes.IndexByte(v, '"'); j > 0 && j < 10 {
				if n, err := strconv.Atoi(string(v[:j])); err == nil && n > 0 {
					next = n
				}
			}
		}
		sc.row, sc.rowCells, sc.itemOpened = next, 0, false
		if sc.row > sc.lim.XLSXRows {
			return limitError("err.file.xlsx_rows_cap", "row", sc.row, "max", sc.lim.XLSXRows)
		}
	case sc.kind == partSheet && string(name) == "c":
		sc.cells++
		if sc.rowCells++; sc.rowCells > sc.lim.Columns {
			return limitError("err.file.row_cells_cap", "row", sc.row, "max", sc.lim.Columns)
		}
		sc.span, sc.itemOpened = 0, true
	}
	return nil
}
