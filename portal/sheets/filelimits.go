package sheets

// Hard caps on portfolio files, checked while the file streams, so a
// hostile file (one huge cell, an unterminated quote, a zip bomb, millions
// of shared strings) is refused after reading at most a cap's worth of it
// and memory stays bounded whatever the upload. The values fit real lender
// exports with a wide margin: their cells are references, names, IDs,
// phones, amounts, dates and at most a remark column.

import (
	"collect"
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
	CellBytes:       collect.MaxCellBytes,
	RecordBytes:     64 << 10,
	Columns:         256,
	CSVRows:         2_000_000,
	XLSXRows:        1_048_576,
	SharedStrings:   1 << 20,
	XLSXPartBytes:   1 << 30,
	XLSXTotalBytes:  2 << 30,
	XLSXMemoryBytes: 32 << 20,
}

// limitError is the refusal of a file that crosses a cap: the message key
// (with its arguments as name, value pairs) names the cap and where, on the
// file field too.
func limitError(key string, kv ...any) *collect.Error {
	return collect.E(collect.EINVALID, key, kv...).WithFields(collect.Field("file", key, kv...))
}

// at names a place in the file for a message, in the reader's language:
// "line 12" of a CSV (kind "line") or "row 12" of a sheet (kind "row").
func at(kind string, n int) *collect.Error {
	if kind == "row" {
		return collect.E(collect.EINVALID, "err.file.at_row", "n", n)
	}
	return collect.E(collect.EINVALID, "err.file.at_line", "n", n)
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
		return limitError("err.file.columns_cap", "at", at(kind, n), "columns", len(rec), "max", l.Columns)
	}
	total := 0
	for i, c := range rec {
		if len(c) > l.CellBytes {
			return limitError("err.file.cell_cap", "at", at(kind, n), "column", i+1, "bytes", len(c), "max", l.CellBytes)
		}
		total += len(c)
		if cl, ok := collect.CleanCellText(c); !ok {
			rec[i] = cl
		}
	}
	if total > l.RecordBytes {
		return limitError("err.file.record_cap", "at", at(kind, n), "bytes", total, "max", l.RecordBytes)
	}
	return nil
}

// checkHeader refuses a header cell that is not storable text (it runs on
// the cleaned header, so it looks for the markers too).
func checkHeader(header []string) error {
	for i, h := range header {
		switch collect.CellProblemKey(h) {
		case "":
		case "err.text.nul":
			return limitError("err.file.header_nul", "column", i+1)
		default:
			return limitError("err.file.header_bad_utf8", "column", i+1)
		}
	}
	return nil
}
