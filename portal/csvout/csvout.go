// Package csvout writes CSV that is safe to open in a spreadsheet: a cell
// that Excel, LibreOffice or Numbers would read as a formula (it begins with
// = + - @, a tab or a carriage return, or their full-width forms) is written
// with a leading apostrophe, so it shows as text and runs nothing. Every CSV
// the portal sends goes through this writer: loan references, names, notes
// and mapping names come from people and files we do not control.
package csvout

import (
	"encoding/csv"
	"io"
	"strings"
)

// Cell returns s as a spreadsheet will show it as text. Plain numbers
// ("-12.50", "+86") are left alone: a spreadsheet reads them as numbers, not
// formulas.
func Cell(s string) string {
	if s == "" || !startsFormula(s) || isPlainNumber(s) {
		return s
	}
	return "'" + s
}

// startsFormula reports whether s begins with a character that makes a
// spreadsheet evaluate the cell.
func startsFormula(s string) bool {
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return true
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isPlainNumber reports whether s is an optionally signed decimal such as
// -12.50: nothing a formula could hide in.
func isPlainNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && s[len(s)-1] != '.'
}

// Writer is a csv.Writer whose every cell goes through Cell.
type Writer struct {
	w   *csv.Writer
	rec []string
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell made safe.
func (w *Writer) Write(record []string) error {
	w.rec = w.rec[:0]
	for _, c := range record {
		w.rec = append(w.rec, Cell(c))
	}
	return w.w.Write(w.rec)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
