// Package evidence is what the portal decides about the evidence kept with
// each contact: which files a kind of attachment may be (judged from the
// content, never the file name), how large, whether an audio file is whole,
// and how long each object must be kept under the portfolio's conduct
// profile. It imports no storage; the blob stores are in evidence/blob.
package evidence

import (
	"bytes"
	"encoding/binary"
	"time"

	"collect"
)

// Attachment kinds (API.md: kind recording|document|photo).
const (
	KindRecording = "recording"
	KindDocument  = "document"
	KindPhoto     = "photo"
)

// Kinds lists the attachment kinds, in the forms' order.
var Kinds = []string{KindRecording, KindDocument, KindPhoto}

// Content types the portal recognises from a file's first bytes.
const (
	TypeWAV  = "audio/wav"
	TypeMP3  = "audio/mpeg"
	TypeAMR  = "audio/amr"
	TypeM4A  = "audio/mp4"
	TypeAAC  = "audio/aac"
	TypeOGG  = "audio/ogg"
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeHEIC = "image/heic"
)

// Extension is the file name extension for a content type Sniff names.
func Extension(contentType string) string {
	return map[string]string{TypeWAV: ".wav", TypeMP3: ".mp3", TypeAMR: ".amr", TypeM4A: ".m4a", TypeAAC: ".aac", TypeOGG: ".ogg",
		TypePDF: ".pdf", TypeJPEG: ".jpg", TypePNG: ".png", TypeWebP: ".webp", TypeHEIC: ".heic"}[contentType]
}

// Limit is what one kind of attachment may be.
type Limit struct {
	Types    []string // content types allowed, as Sniff names them
	MaxBytes int64
}

// Limits per kind. A call of two hours as 8 kHz 16-bit WAV is about 115 MB;
// a scanned letter or a photo is a few MB.
var Limits = map[string]Limit{
	KindRecording: {Types: []string{TypeWAV, TypeMP3, TypeAMR, TypeM4A, TypeAAC, TypeOGG}, MaxBytes: 512 << 20},
	KindDocument:  {Types: []string{TypePDF, TypeJPEG, TypePNG, TypeWebP, TypeHEIC}, MaxBytes: 50 << 20},
	KindPhoto:     {Types: []string{TypeJPEG, TypePNG, TypeWebP, TypeHEIC}, MaxBytes: 25 << 20},
}

// MaxBytes is the largest attachment of any kind: the upload routes' body
// limit is this plus the multipart framing.
const MaxBytes = 512 << 20

// HeadBytes is how much of a file Sniff and Inspect read: enough for every
// signature and a WAV header with a few chunks before its data.
const HeadBytes = 4096

// Sniff names the content type of a file from its first bytes, or "" when
// it is none the portal keeps. A program (PE, ELF, Mach-O, a script) is
// never anything, whatever it is called.
func Sniff(head []byte) string {
	has := func(off int, sig string) bool {
		return len(head) >= off+len(sig) && string(head[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "#!AMR"): // before the script check: AMR's magic starts with #!
		return TypeAMR
	case isProgram(head):
		return ""
	case has(0, "RIFF") && has(8, "WAVE"):
		return TypeWAV
	case has(0, "RIFF") && has(8, "WEBP"):
		return TypeWebP
	case has(0, "OggS"):
		return TypeOGG
	case has(0, "%PDF-"):
		return TypePDF
	case has(0, "\xFF\xD8\xFF"):
		return TypeJPEG
	case has(0, "\x89PNG\r\n\x1a\n"):
		return TypePNG
	case has(4, "ftyp"):
		brand := ""
		if len(head) >= 12 {
			brand = string(head[8:12])
		}
		switch brand {
		case "M4A ", "M4B ", "mp42", "isom", "mp41", "iso2", "dash":
			return TypeM4A
		case "heic", "heix", "mif1", "msf1", "heim", "heis":
			return TypeHEIC
		}
		return ""
	case has(0, "ID3"):
		return TypeMP3
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xF6 == 0xF0: // ADTS: sync, layer 00
		return TypeAAC
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 != 0: // MPEG audio frame, layer set
		return TypeMP3
	}
	return ""
}

func isProgram(head []byte) bool {
	for _, sig := range [][]byte{
		[]byte("MZ"),             // Windows PE
		[]byte("\x7fELF"),        // ELF
		{0xCF, 0xFA, 0xED, 0xFE}, // Mach-O 64
		{0xCE, 0xFA, 0xED, 0xFE}, // Mach-O 32
		{0xCA, 0xFE, 0xBA, 0xBE}, // Mach-O universal, Java class
		[]byte("#!"),             // a script
		[]byte("PK\x03\x04"),     // a ZIP (jar, apk, docm): not evidence here
		{0xD0, 0xCF, 0x11, 0xE0}, // OLE (old Office, with macros)
	} {
		if bytes.HasPrefix(head, sig) {
			return true
		}
	}
	return false
}

// Info is what Inspect read from a whole file.
type Info struct {
	ContentType string
	// DurationMS is a recording's length when its header says it (WAV);
	// nil when it cannot be told without decoding.
	DurationMS *int64
}

// Inspect judges a file of kind from its first bytes (up to HeadBytes) and
// its full size: a content type the kind allows, within the kind's size,
// and, for WAV, whole (its RIFF header's sizes fit the bytes received).
// Errors name the field "file" or "kind" in the catalogue's words.
func Inspect(kind string, head []byte, size int64) (Info, error) {
	lim, ok := Limits[kind]
	if !ok {
		return Info{}, collect.Invalid("kind", "err.evidence.kind")
	}
	if size == 0 {
		return Info{}, collect.Invalid("file", "err.evidence.empty")
	}
	if size > lim.MaxBytes {
		return Info{}, collect.Invalid("file", "err.evidence.too_large", "max", humanBytes(lim.MaxBytes))
	}
	t := Sniff(head)
	if t == "" {
		if isProgram(head) {
			return Info{}, collect.Invalid("file", "err.evidence.program")
		}
		return Info{}, collect.Invalid("file", "err.evidence.type_unknown")
	}
	allowed := false
	for _, a := range lim.Types {
		allowed = allowed || a == t
	}
	if !allowed {
		return Info{}, collect.Invalid("file", "err.evidence.type_not_allowed", "type", t, "kind", kind)
	}
	info := Info{ContentType: t}
	if t == TypeWAV {
		d, err := wavDuration(head, size)
		if err != nil {
			return Info{}, err
		}
		info.DurationMS = d
	}
	return info, nil
}

// wavDuration walks the RIFF chunks in head: the RIFF size must cover the
// file, the fmt chunk must come before data, and the data chunk must fit in
// the bytes received (a recording cut off in transfer is refused, not kept).
func wavDuration(head []byte, size int64) (*int64, error) {
	truncated := collect.Invalid("file", "err.evidence.wav_truncated")
	if len(head) < 12 {
		return nil, truncated
	}
	// The RIFF chunk is the whole file (a pad byte at most after it):
	// bytes beyond it would be another file riding along (a polyglot).
	riff := int64(binary.LittleEndian.Uint32(head[4:8])) + 8
	if riff > size {
		return nil, truncated
	}
	if size > riff+1 {
		return nil, collect.Invalid("file", "err.evidence.wav_trailing")
	}
	var byteRate int64
	off := int64(12)
	for off+8 <= int64(len(head)) {
		id := string(head[off : off+4])
		n := int64(binary.LittleEndian.Uint32(head[off+4 : off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if n < 16 || body+16 > int64(len(head)) {
				return nil, collect.Invalid("file", "err.evidence.wav_header")
			}
			byteRate = int64(binary.LittleEndian.Uint32(head[body+8 : body+12]))
		case "data":
			if byteRate <= 0 {
				return nil, collect.Invalid("file", "err.evidence.wav_header")
			}
			if body+n > size || body+n > riff {
				return nil, truncated
			}
			if n == 0 {
				return nil, collect.Invalid("file", "err.evidence.empty")
			}
			ms := n * 1000 / byteRate
			return &ms, nil
		}
		off = body + n + n%2 // chunks are padded to even sizes
	}
	return nil, collect.Invalid("file", "err.evidence.wav_header")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return itoa(n>>30) + " GB"
	case n >= 1<<20:
		return itoa(n>>20) + " MB"
	}
	return itoa(n>>10) + " KB"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// RequiresRecording reports whether a contact must have a recording: a call
// that connected (DESIGN.md §3: record and keep all calls). A call that
// reached no line leaves nothing to record.
func RequiresRecording(channel string, connected bool) bool {
	return channel == "call" && connected
}

// RecordingGrace is how long after a call its recording may arrive before
// its absence is a finding.
const RecordingGrace = 24 * time.Hour
