package collect

// Storable text: what every boundary (HTTP fields, file cells, feeds) lets
// into the database. PostgreSQL refuses NUL bytes and invalid UTF-8, so
// both are refused everywhere, by this one rule.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxCellBytes caps one cell of an imported file (after decoding). 8 KiB is
// 2,700 Chinese characters: names, addresses and IDs are under 300 bytes;
// the margin is for a free-text remark column.
const MaxCellBytes = 8 << 10

// The messages of text that cannot be stored.
const (
	msgNUL     = "contains a NUL byte"
	msgBadUTF8 = "is not valid UTF-8 text"
)

// ValidText reports whether s can be stored as text: valid UTF-8 without a
// NUL byte (PostgreSQL refuses both). The *Error (EINVALID) message is
// "contains a NUL byte" or "is not valid UTF-8 text", to follow a field name.
func ValidText(s string) error {
	switch TextFlaw(s) {
	case "":
		return nil
	case msgNUL:
		return E(EINVALID, "err.text.nul")
	default:
		return E(EINVALID, "err.text.bad_utf8")
	}
}

// TextFlaw is ValidText's message, "" when s is storable.
func TextFlaw(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return msgNUL
	}
	if !utf8.ValidString(s) {
		return msgBadUTF8
	}
	return ""
}

// CellProblemKey is CellProblem as a catalogue key: "err.text.nul",
// "err.text.bad_utf8", or "" when the cell is storable.
func CellProblemKey(s string) string {
	switch CellProblem(s) {
	case "":
		return ""
	case msgNUL:
		return "err.text.nul"
	default:
		return "err.text.bad_utf8"
	}
}

// Markers a RowSource leaves in a cleaned cell (see CleanCellText).
const (
	nulMarker     = "\u2400" // ␀ SYMBOL FOR NULL
	invalidMarker = "\ufffd" // the replacement character
)

// cellFlaw is textFlaw for a cell that may have been cleaned: a marker
// counts as the flaw it replaced. A genuine ␀ or U+FFFD in a file is
// reported the same way: neither belongs in a loan file (U+FFFD means an
// earlier conversion already lost the text).
func CellProblem(s string) string {
	if msg := TextFlaw(s); msg != "" {
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

// CleanCellText returns s as storable text: each NUL becomes ␀ and each
// invalid byte U+FFFD, so what a RowSource hands out (and the importer keeps
// of a rejected row) is valid UTF-8 without NUL, the markers show where the
// bad bytes were, and ParseRow still rejects the row (CellProblem). ok is false
// when s was changed.
func CleanCellText(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean || TextFlaw(s) == "" {
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

// IsTrimRune reports runes trimmed from cells: Unicode spaces (including the
// full-width space and NBSP), a BOM and zero-width characters.
func IsTrimRune(r rune) bool {
	return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060'
}
