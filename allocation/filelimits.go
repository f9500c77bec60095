package allocation

// Hard caps on portfolio files, checked while the file streams, so a
// hostile file (one huge cell, an unterminated quote, a zip bomb, millions
// of shared strings) is refused after reading at most a cap's worth of it
// and memory stays bounded whatever the upload. The values fit real lender
// exports with a wide margin: their cells are references, names, IDs,
// phones, amounts, dates and at most a remark column.

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// FileLimits are the caps of one portfolio file. A file crossing one is
// refused as a whole (*Error EINVALID naming the cap and the line, with a
// FieldError on "file").
type FileLimits struct {
	// CellBytes caps one cell's text (after decoding). 8 KiB is 2,700
	// Chinese characters: names, addresses and IDs are under 300 bytes;
	// the margin is for a free-text remark column.
	CellBytes int
	// RecordBytes caps one CSV record as read (quotes, delimiters and line
	// breaks included), which also bounds an unterminated quote that runs
	// over many lines; for XLSX it caps the sum of a row's cells.
	RecordBytes int
	// Columns caps the cells of one row. Exports have 12 to 60 columns.
	Columns int
	// CSVRows and XLSXRows cap the records of a file (header included).
	// The product imports 1,000,000-row files; XLSX cannot hold more than
	// 1,048,576 rows anyway.
	CSVRows, XLSXRows int
	// SharedStrings caps the items of an XLSX shared-string table.
	// excelize indexes every item however few the sheet uses, about 100
	// bytes each at its peak (measured: 1,000,000 items, +102 MB), so this
	// cap is what bounds an XLSX's memory. 1 Mi fits an Excel export of
	// about 250,000 rows with four distinct text columns (reference, name,
	// ID, phone); larger books come as CSV, which has no such table, or
	// from tools that write inline strings (excelize's StreamWriter, our
	// generator). The table may also not hold more items than the
	// worksheets have cells (plus a little slack): a real workbook stores
	// only strings its cells use.
	SharedStrings int
	// XLSXPartBytes caps the inflated size of each worksheet and of the
	// shared-string table, counted while inflating (the zip header's
	// declared size is not trusted). A 1,000,000-row, 12-column sheet is
	// about 500 MB of XML; it is streamed from a temporary file, not held.
	XLSXPartBytes int64
	// XLSXTotalBytes caps the inflated size of all the entries together.
	XLSXTotalBytes int64
	// XLSXMemoryBytes caps the declared size of the entries excelize
	// holds in memory (workbook, styles, theme, relationships and any
	// other part, plus worksheets and shared strings smaller than
	// xlsxTempThreshold): excelize allocates each entry's declared size.
	XLSXMemoryBytes int64
}

// DefaultFileLimits are the caps OpenRowSource applies.
var DefaultFileLimits = FileLimits{
	CellBytes:       8 << 10,
	RecordBytes:     64 << 10,
	Columns:         256,
	CSVRows:         2_000_000,
	XLSXRows:        1_048_576,
	SharedStrings:   1 << 20,
	XLSXPartBytes:   1 << 30,
	XLSXTotalBytes:  2 << 30,
	XLSXMemoryBytes: 32 << 20,
}

// limitError is the refusal of a file that crosses a cap: message names
// the cap and where.
func limitError(format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Fields: []FieldError{{Field: "file", Message: msg}}}
}

// The messages of text that cannot be stored.
const (
	msgNUL     = "contains a NUL byte"
	msgBadUTF8 = "is not valid UTF-8 text"
)

// ValidText reports whether s can be stored as text: valid UTF-8 without a
// NUL byte (PostgreSQL refuses both). The *Error (EINVALID) message is
// "contains a NUL byte" or "is not valid UTF-8 text", to follow a field name.
func ValidText(s string) error {
	if msg := textFlaw(s); msg != "" {
		return &Error{Code: EINVALID, Message: msg}
	}
	return nil
}

// textFlaw is ValidText's message, "" when s is storable.
func textFlaw(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return msgNUL
	}
	if !utf8.ValidString(s) {
		return msgBadUTF8
	}
	return ""
}

// Markers a RowSource leaves in a cleaned cell (see cleanCellText).
const (
	nulMarker     = "\u2400" // ␀ SYMBOL FOR NULL
	invalidMarker = "\ufffd" // the replacement character
)

// cellFlaw is textFlaw for a cell that may have been cleaned: a marker
// counts as the flaw it replaced. A genuine ␀ or U+FFFD in a file is
// reported the same way: neither belongs in a loan file (U+FFFD means an
// earlier conversion already lost the text).
func cellFlaw(s string) string {
	if msg := textFlaw(s); msg != "" {
		return msg
	}
	if strings.Contains(s, nulMarker) {
		return msgNUL
	}
	if strings.Contains(s, invalidMarker) {
		return msgBadUTF8
	}
	return ""
}

// CellProblem says what makes a cell a RowSource handed out unfit to keep
// ("contains a NUL byte", "is not valid UTF-8 text"), or "" when it is fine;
// for readers of other files than portfolios (the payment feed).
func CellProblem(s string) string { return cellFlaw(s) }

// cleanCellText returns s as storable text: each NUL becomes ␀ and each
// invalid byte U+FFFD, so what a RowSource hands out (and the importer keeps
// of a rejected row) is valid UTF-8 without NUL, the markers show where the
// bad bytes were, and ParseRow still rejects the row (cellFlaw). ok is false
// when s was changed.
func cleanCellText(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean || textFlaw(s) == "" {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			b.WriteString(nulMarker)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString(invalidMarker)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String(), false
}

// withDefaults fills the zero fields from DefaultFileLimits.
func (l FileLimits) withDefaults() FileLimits {
	d := DefaultFileLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.CellBytes, d.CellBytes)
	pick(&l.RecordBytes, d.RecordBytes)
	pick(&l.Columns, d.Columns)
	pick(&l.CSVRows, d.CSVRows)
	pick(&l.XLSXRows, d.XLSXRows)
	pick(&l.SharedStrings, d.SharedStrings)
	pick64(&l.XLSXPartBytes, d.XLSXPartBytes)
	pick64(&l.XLSXTotalBytes, d.XLSXTotalBytes)
	pick64(&l.XLSXMemoryBytes, d.XLSXMemoryBytes)
	return l
}

// checkRecord applies the per-row caps to a record and cleans its cells in
// place. kind and n say where: "line 12" (CSV) or "row 12" (XLSX).
func (l FileLimits) checkRecord(rec []string, kind string, n int) error {
	if len(rec) > l.Columns {
		return limitError("%s %d has %d columns: at most %d are allowed (columns cap)", kind, n, len(rec), l.Columns)
	}
	total := 0
	for i, c := range rec {
		if len(c) > l.CellBytes {
			return limitError("%s %d: the cell in column %d is %d bytes long: at most %d are allowed (cell size cap)", kind, n, i+1, len(c), l.CellBytes)
		}
		total += len(c)
		if cl, ok := cleanCellText(c); !ok {
			rec[i] = cl
		}
	}
	if total > l.RecordBytes {
		return limitError("%s %d is %d bytes long: at most %d are allowed (record length cap)", kind, n, total, l.RecordBytes)
	}
	return nil
}

// checkHeader refuses a header cell that is not storable text (it runs on
// the cleaned header, so it looks for the markers too).
func checkHeader(header []string) error {
	for i, h := range header {
		if msg := cellFlaw(h); msg != "" {
			return limitError("the header row: column %d %s; save the file as UTF-8 or GBK text", i+1, msg)
		}
	}
	return nil
}
