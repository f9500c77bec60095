package sheets

// Reading spreadsheet files (API.md "Portfolio files"): a CSV (UTF-8,
// GB18030/GBK, UTF-16) or XLSX export streamed record by record under hard
// caps. This is a file format, not a rule of the domain: allocation maps
// the header (MapColumns) and parses each row (ParseRow); the importer
// drives OpenRowSource, MapColumns and ParseRow.

import (
	"bufio"
	"bytes"
	"collect"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// RowSource streams the records of a CSV or XLSX file. Line numbers are the
// file's own (header = line 1 when it is the first row), so an error message
// points at the right row.
type RowSource interface {
	// Header is the header row as read (untrimmed).
	Header() []string
	// Next returns the next non-blank record and its line (CSV: the physical
	// line where the record starts; XLSX: the row number). Records may be
	// shorter than the header (missing trailing cells are empty) and are only
	// valid until the next call. io.EOF at the end. Any other error ends the
	// file: an *Error EINVALID for a malformed file, naming the line.
	Next() (record []string, line int, err error)
	Close() error
}

// unsupported is the refusal of a file that is neither CSV nor XLSX.
func unsupported() error {
	return collect.E(collect.EINVALID, "err.file.unsupported")
}

// sniffSize is how much of the file is inspected to detect its type and text
// encoding.
const sniffSize = 64 << 10

// OpenRowSource detects the file type from the content (not the name) and
// opens a RowSource positioned after the header.
//
//   - XLSX (a zip, PK\x03\x04): the first sheet, streamed with excelize's Rows
//     iterator, cells as displayed text ("12,000.50" for an amount formatted
//     #,##0.00), except that every date-formatted cell (built-in, zh-CN or
//     custom date format, with or without a time) comes out as YYYY-MM-DD.
//     Dates typed as text stay as typed. When r is an *os.File the workbook
//     is opened by its path (size is then not used), so only excelize's
//     working set is held in memory (large sheets spill to temporary files);
//     any other ReaderAt is read into memory first (excelize needs the whole
//     zip).
//   - CSV: UTF-8 with or without BOM; GB18030/GBK when the bytes are not valid
//     UTF-8; UTF-16 with a BOM (Excel's "Unicode text"). Comma-separated, or
//     tab/semicolon when the header line has no comma but has those.
//
// Anything else (PDF, images, other binaries, the old binary .xls) is an
// *Error EINVALID "unsupported file type: upload CSV or XLSX"; an empty file
// or one without a header row is EINVALID too. Close the source when done.
//
// The caps of DefaultFileLimits apply while the file streams (an XLSX is
// scanned before excelize reads it): crossing one refuses the file, from
// OpenRowSource or Next, with an *Error EINVALID naming the cap and the line
// and a FieldError on "file". A header cell with a NUL or invalid UTF-8 is
// refused too; in a record, such a cell comes out cleaned (␀ for a NUL,
// U+FFFD for a bad byte) so the record can be stored, and ParseRow rejects
// the row for it.
func OpenRowSource(r io.ReaderAt, size int64) (RowSource, error) {
	return OpenRowSourceLimits(r, size, DefaultFileLimits)
}

// OpenRowSourceLimits is OpenRowSource with other caps than
// DefaultFileLimits (tests lower them). Zero fields take the default.
func OpenRowSourceLimits(r io.ReaderAt, size int64, lim FileLimits) (RowSource, error) {
	lim = lim.withDefaults()
	if size <= 0 {
		return nil, collect.E(collect.EINVALID, "err.file.empty")
	}
	head := make([]byte, min(size, sniffSize))
	n, err := r.ReadAt(head, 0)
	if n < len(head) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("allocation: reading upload: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return openXLSX(r, size, lim)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}), // OLE2: old .xls, encrypted .xlsx
		bytes.HasPrefix(head, []byte("%PDF-")):
		return nil, unsupported()
	}
	// Well-known binary formats by their magic numbers: a short image has too
	// few odd bytes for the text sniff to call it binary.
	for _, magic := range binaryMagic {
		if bytes.HasPrefix(head, magic) {
			return nil, unsupported()
		}
	}
	return openCSV(r, size, head, lim)
}

// binaryMagic are the leading bytes of files that are surely not CSV: PNG,
// JPEG, GIF, WebP/RIFF, gzip, 7z, RAR and ELF (two-letter magics such as
// BMP's "BM" could begin a real header, so they are left to the sniff).
var binaryMagic = [][]byte{
	[]byte("\x89PNG\r\n\x1a\n"), {0xFF, 0xD8, 0xFF}, []byte("GIF87a"), []byte("GIF89a"), []byte("RIFF"),
	{0x1F, 0x8B}, []byte("7z\xBC\xAF\x27\x1C"), []byte("Rar!\x1A\x07"), []byte("\x7FELF"),
}

// textEncoding is the detected encoding of a CSV file.
type textEncoding int

const (
	encUTF8 textEncoding = iota
	encUTF8BOM
	encGB18030
	encUTF16
)

func openCSV(r io.ReaderAt, size int64, head []byte, lim FileLimits) (RowSource, error) {
	truncated := int64(len(head)) < size
	enc := encUTF8
	var text string
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		enc = encUTF8BOM
		text = string(cutSniff(head[3:], truncated))
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc = encUTF16
		h := head
		if truncated {
			h = h[:len(h)&^1]
		}
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(h)
		if err != nil {
			return nil, unsupported()
		}
		text = string(out)
	default:
		h := cutSniff(head, truncated)
		text = string(h)
		if utf8.Valid(h) {
			break
		}
		// Not UTF-8: GB18030 unless UTF-8 explains the bytes better (a
		// UTF-8 file with a stray bad byte, whose cell ParseRow rejects).
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(h)
		if err != nil {
			return nil, unsupported()
		}
		if gb := string(out); badRunes(gb) < badRunes(text) {
			enc, text = encGB18030, gb
		}
	}
	// A text file has few control characters or undecodable bytes; a
	// binary one (image, archive, executable) has many. A few are a cell's
	// problem (ParseRow rejects its row), not the file's.
	if n, runes := badRunes(text), utf8.RuneCountInString(text); n > 8 && n*50 > runes {
		return nil, unsupported()
	}

	var base io.Reader = io.NewSectionReader(r, 0, size)
	switch enc {
	case encUTF8BOM:
		base = io.NewSectionReader(r, 3, size-3)
	case encGB18030:
		base = transform.NewReader(base, simplifiedchinese.GB18030.NewDecoder())
	case encUTF16:
		base = transform.NewReader(base, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder())
	}
	// The guard counts decoded bytes (after any transform, whose buffers are
	// fixed), so the record cap is in UTF-8 bytes whatever the encoding.
	g := &recordGuard{r: base, limit: lim.RecordBytes + csvReadAhead}
	cr := csv.NewReader(bufio.NewReaderSize(g, csvReadAhead))
	cr.Comma = detectDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = cr.Comma != '\t'
	s := &csvSource{r: cr, g: g, lim: lim}
	rec, _, err := s.Next()
	if err == io.EOF {
		return nil, collect.E(collect.EINVALID, "err.file.no_header_csv")
	}
	if err != nil {
		return nil, err
	}
	if err := checkHeader(rec); err != nil {
		return nil, err
	}
	s.header = append([]string(nil), rec...)
	return s, nil
}

// csvReadAhead is the csv.Reader's buffer: how far the guard may read past
// the current record.
const csvReadAhead = 64 << 10

// recordGuard sits under the csv.Reader's buffer and fails a read once the
// bytes read since the last record boundary pass the record cap plus the
// read-ahead: encoding/csv collects a whole record however long (a 200 MB
// line, or an unterminated quote that makes the rest of the file one field),
// so this is what bounds its memory. It keeps the bytes since the boundary
// (bounded the same way) to number the line of the record that fails.
type recordGuard struct {
	r       io.Reader
	limit   int    // bytes allowed past the boundary
	read    int64  // bytes handed out
	base    int64  // offset of the boundary
	pending []byte // bytes from base to read
	lines   int    // newlines before base
	tripped bool
}

var errRecordTooLong = errors.New("allocation: CSV record over the cap")

func (g *recordGuard) Read(p []byte) (int, error) {
	room := int64(g.limit) + 1 - (g.read - g.base)
	if room <= 0 {
		g.tripped = true
		return 0, errRecordTooLong
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.pending = append(g.pending, p[:n]...)
	g.read += int64(n)
	return n, err
}

// boundary records that the reader consumed everything before off.
func (g *recordGuard) boundary(off int64) {
	k := int(off - g.base)
	if k <= 0 || k > len(g.pending) {
		return
	}
	g.lines += bytes.Count(g.pending[:k], []byte{'\n'})
	g.pending = g.pending[:copy(g.pending, g.pending[k:])]
	g.base = off
}

// startLine is the line where the record after the boundary starts (the
// blank lines encoding/csv skips are skipped).
func (g *recordGuard) startLine() int {
	line := g.lines + 1
	for _, c := range g.pending {
		if c == '\n' {
			line++
		} else if c != '\r' {
			break
		}
	}
	return line
}

// badRunes counts what a text file should not hold: control characters
// other than tab and line breaks, DEL, and undecodable bytes (U+FFFD).
func badRunes(text string) int {
	n := 0
	for _, c := range text {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F || c == utf8.RuneError {
			n++
		}
	}
	return n
}

// cutSniff drops a possibly cut character at the end of a truncated sniff:
// it ends the sample at its last newline (a newline byte never occurs inside
// a UTF-8 or GB18030 character) or, without one, drops the last 3 bytes.
func cutSniff(b []byte, truncated bool) []byte {
	if !truncated {
		return b
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	if len(b) > 3 {
		return b[:len(b)-3]
	}
	return b
}

// detectDelimiter looks at the first non-blank line: comma if it has one,
// else tab or semicolon (the more frequent), else comma.
func detectDelimiter(text string) rune {
	line, _, _ := strings.Cut(strings.TrimLeft(text, "\r\n"), "\n")
	if strings.Contains(line, ",") {
		return ','
	}
	tabs, semis := strings.Count(line, "\t"), strings.Count(line, ";")
	switch {
	case tabs > 0 && tabs >= semis:
		return '\t'
	case semis > 0:
		return ';'
	}
	return ','
}

type csvSource struct {
	r       *csv.Reader
	g       *recordGuard
	lim     FileLimits
	header  []string
	records int
}

func (s *csvSource) Header() []string { return s.header }

// Next also applies the caps (refusing the file) and cleans each cell to
// storable text (see cleanCellText), so ParseRow rejects a row with a NUL
// or invalid UTF-8 while what it returns can be stored.
func (s *csvSource) Next() ([]string, int, error) {
	for {
		start := s.g.startLine()
		prev := s.r.InputOffset()
		rec, err := s.r.Read()
		if s.g.tripped {
			return nil, start, s.recordTooLong(start)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if s.r.InputOffset()-prev > int64(s.lim.RecordBytes) {
					return nil, pe.StartLine, s.recordTooLong(pe.StartLine)
				}
				return nil, pe.StartLine, collect.E(collect.EINVALID, "err.file.malformed_csv", "line", pe.StartLine, "detail", pe.Err.Error())
			}
			return nil, 0, err
		}
		off := s.r.InputOffset()
		line, _ := s.r.FieldPos(0)
		if n := off - prev; n > int64(s.lim.RecordBytes) {
			return nil, line, limitError("err.file.record_long", "line", line, "max", s.lim.RecordBytes)
		}
		s.g.boundary(off)
		s.records++
		if s.records > s.lim.CSVRows {
			return nil, line, limitError("err.file.csv_rows_cap", "line", line, "max", s.lim.CSVRows)
		}
		if err := s.lim.checkRecord(rec, "line", line); err != nil {
			return nil, line, err
		}
		if blankRecord(rec) {
			continue
		}
		return rec, line, nil
	}
}

// recordTooLong is the refusal of a record over the cap; when it holds a
// quote, it says how an unterminated one makes the rest of the file one
// record.
func (s *csvSource) recordTooLong(line int) error {
	if bytes.IndexByte(s.g.pending, '"') >= 0 {
		return limitError("err.file.record_long_quote", "line", line, "max", s.lim.RecordBytes)
	}
	return limitError("err.file.record_long", "line", line, "max", s.lim.RecordBytes)
}

func (s *csvSource) Close() error { return nil }

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimFunc(f, collect.IsTrimRune) != "" {
			return false
		}
	}
	return true
}

type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	lim    FileLimits
	header []string
	row    int
}

func openXLSX(r io.ReaderAt, size int64, lim FileLimits) (RowSource, error) {
	if err := scanXLSX(r, size, lim); err != nil {
		return nil, err
	}
	opts := excelize.Options{
		ShortDatePattern:  "yyyy-mm-dd",
		CultureInfo:       excelize.CultureNameZhCN,
		UnzipSizeLimit:    lim.XLSXTotalBytes,
		UnzipXMLSizeLimit: xlsxTempThreshold,
	}
	var (
		f   *excelize.File
		err error
	)
	if osf, ok := r.(*os.File); ok {
		f, err = excelize.OpenFile(osf.Name(), opts)
		var pe *fs.PathError
		if errors.As(err, &pe) { // unlinked temp file: fall back to reading it
			f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), opts)
		}
	} else {
		f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), opts)
	}
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, collect.E(collect.EINVALID, "err.file.xlsx_too_large")
		}
		return nil, unsupported()
	}
	isoDateFormats(f)
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, unsupported()
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, unsupported()
	}
	s := &xlsxSource{f: f, rows: rows, lim: lim}
	rec, _, err := s.Next()
	if err != nil {
		_ = s.Close()
		if err == io.EOF {
			return nil, collect.E(collect.EINVALID, "err.file.no_header_xlsx")
		}
		return nil, err
	}
	if err := checkHeader(rec); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.header = rec
	return s, nil
}

// isoDateFormats makes every date-formatted cell display as YYYY-MM-DD,
// whatever its format ("mmm-yy", "dd/mm/yyyy", "yyyy年m月d日", a date-time):
// it points each cell style with a date number format at a "yyyy-mm-dd"
// format, in the opened workbook's memory only (nothing is saved). The
// streaming Rows iterator gives text, not styles, so this is how the serial
// number behind a date cell reaches ParseRow as an ISO date. Time-only formats
// are left alone.
func isoDateFormats(f *excelize.File) {
	if _, err := f.GetStyle(0); err != nil || f.Styles == nil || f.Styles.CellXfs == nil {
		return // no styles: nothing is formatted
	}
	custom := map[int]string{}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	isDate := make([]bool, len(f.Styles.CellXfs.Xf))
	found := false
	for i, xf := range f.Styles.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		id := *xf.NumFmtID
		if code, ok := custom[id]; ok {
			isDate[i] = isDateFormatCode(code)
		} else {
			isDate[i] = isBuiltinDateFormat(id)
		}
		found = found || isDate[i]
	}
	if !found {
		return
	}
	// The locale tag spares excelize a scan of its language table per cell.
	code := "[$-409]yyyy-mm-dd"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil || style >= len(f.Styles.CellXfs.Xf) || f.Styles.CellXfs.Xf[style].NumFmtID == nil {
		return
	}
	iso := *f.Styles.CellXfs.Xf[style].NumFmtID
	for i, d := range isDate {
		if d {
			f.Styles.CellXfs.Xf[i].NumFmtID = &iso
		}
	}
}

// isBuiltinDateFormat reports the built-in number formats that show a date
// (with or without a time): 14-17 and 22, and the East Asian date formats
// 27-31, 36, 50-54, 57 and 58 (zh-CN: yyyy"年"m"月"d"日" and the like; 32-35,
// 55 and 56 are times of day).
func isBuiltinDateFormat(id int) bool {
	switch {
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return true
	}
	return false
}

// isDateFormatCode reports whether a custom number format shows a date: it
// has a year or day token (y, d; also e, the East Asian era year, and b, the
// Buddhist year) outside quoted text, escapes and [brackets].
func isDateFormatCode(code string) bool {
	code = strings.ToLower(code)
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++ // escaped, padding or fill character
		case '[':
			if j := strings.IndexByte(code[i+1:], ']'); j >= 0 {
				i += j + 1
			}
		case 'y', 'd':
			return true
		case ';':
			return false // only the first (positive) section matters
		}
	}
	return false
}

func (s *xlsxSource) Header() []string { return s.header }

func (s *xlsxSource) Next() ([]string, int, error) {
	for s.rows.Next() {
		// Rows.Next visits every row number, empty ones included, so
		// counting calls gives the sheet's row number.
		s.row++
		if s.row > s.lim.XLSXRows {
			return nil, s.row, limitError("err.file.xlsx_rows_cap", "row", s.row, "max", s.lim.XLSXRows)
		}
		rec, err := s.rows.Columns()
		if err != nil {
			return nil, s.row, collect.E(collect.EINVALID, "err.file.xlsx_unreadable", "row", s.row, "detail", err.Error())
		}
		if err := s.lim.checkRecord(rec, "row", s.row); err != nil {
			return nil, s.row, err
		}
		if blankRecord(rec) {
			continue
		}
		return rec, s.row, nil
	}
	if err := s.rows.Error(); err != nil {
		return nil, s.row, collect.E(collect.EINVALID, "err.file.xlsx_unreadable", "row", s.row, "detail", err.Error())
	}
	return nil, s.row, io.EOF
}

func (s *xlsxSource) Close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
