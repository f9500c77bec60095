package evidence_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"collect"
	"collect/evidence"
)

// wav is a RIFF/WAVE file: 8 kHz mono 16-bit, n data bytes (zeros), with
// the sizes its header declares given apart so a test can lie.
func wav(riffSize, dataSize uint32, n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, riffSize)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataSize)
	b.Write(make([]byte, n))
	return b.Bytes()
}

func goodWAV(n int) []byte { return wav(uint32(36+n), uint32(n), n) }

func TestSniff(t *testing.T) {
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"wav", goodWAV(16), evidence.TypeWAV},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), evidence.TypeWebP},
		{"ogg", []byte("OggS\x00\x02"), evidence.TypeOGG},
		{"amr", []byte("#!AMR\n\x3c"), evidence.TypeAMR},
		{"amr-wb", []byte("#!AMR-WB\n"), evidence.TypeAMR},
		{"pdf", []byte("%PDF-1.7\n"), evidence.TypePDF},
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), evidence.TypeJPEG},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00"), evidence.TypePNG},
		{"m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00"), evidence.TypeM4A},
		{"mp4 brand isom", []byte("\x00\x00\x00\x20ftypisom"), evidence.TypeM4A},
		{"heic", []byte("\x00\x00\x00\x18ftypheic"), evidence.TypeHEIC},
		{"unknown ftyp brand", []byte("\x00\x00\x00\x18ftypqt  "), ""},
		{"mp3 id3", []byte("ID3\x04\x00"), evidence.TypeMP3},
		{"mp3 frame", []byte{0xFF, 0xFB, 0x90, 0x64}, evidence.TypeMP3},
		{"aac adts", []byte{0xFF, 0xF1, 0x50, 0x80}, evidence.TypeAAC},
		{"pe", []byte("MZ\x90\x00"), ""},
		{"elf", []byte("\x7fELF\x02"), ""},
		{"script", []byte("#!/bin/sh\n"), ""},
		{"zip", []byte("PK\x03\x04"), ""},
		{"ole", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1}, ""},
		{"mach-o", []byte{0xCF, 0xFA, 0xED, 0xFE}, ""},
		{"text", []byte("hello"), ""},
		{"empty", nil, ""},
		{"one byte", []byte{0xFF}, ""},
	}
	for _, c := range cases {
		if got := evidence.Sniff(c.head); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestInspect(t *testing.T) {
	ok := goodWAV(16000) // one second
	cases := []struct {
		name, kind string
		file       []byte
		size       int64 // the file's length when 0
		wantErr    string
		wantField  string
		wantType   string
		wantMS     int64
	}{
		{name: "a one-second WAV", kind: evidence.KindRecording, file: ok, wantType: evidence.TypeWAV, wantMS: 1000},
		{name: "a pad byte after the RIFF chunk", kind: evidence.KindRecording, file: append(goodWAV(16000), 0), wantType: evidence.TypeWAV, wantMS: 1000},
		{name: "cut short", kind: evidence.KindRecording, file: ok[:8000], wantErr: "err.evidence.wav_truncated"},
		{name: "data past the RIFF chunk", kind: evidence.KindRecording, file: wav(36+100, 16000, 16000), wantErr: "err.evidence.wav_trailing"},
		{name: "RIFF size 0xFFFFFFFF", kind: evidence.KindRecording, file: wav(0xFFFFFFFF, 16, 16), wantErr: "err.evidence.wav_truncated"},
		{name: "data size 0xFFFFFFFF", kind: evidence.KindRecording, file: wav(36+16, 0xFFFFFFFF, 16), wantErr: "err.evidence.wav_truncated"},
		{name: "no audio", kind: evidence.KindRecording, file: wav(36, 0, 0), wantErr: "err.evidence.empty"},
		{name: "a polyglot: a ZIP after the audio", kind: evidence.KindRecording, file: append(goodWAV(160), []byte("PK\x05\x06"+string(make([]byte, 18)))...), wantErr: "err.evidence.wav_trailing"},
		{name: "no data chunk", kind: evidence.KindRecording, file: wav(28, 0, 0)[:36], wantErr: "err.evidence.wav_header"},
		{name: "no format chunk", kind: evidence.KindRecording, file: append([]byte("RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00"), 0, 0, 0, 0), wantErr: "err.evidence.wav_header"},
		{name: "a program named .wav", kind: evidence.KindRecording, file: []byte("MZ\x90\x00\x03"), wantErr: "err.evidence.program"},
		{name: "text", kind: evidence.KindRecording, file: []byte("not audio at all"), wantErr: "err.evidence.type_unknown"},
		{name: "a PDF as a recording", kind: evidence.KindRecording, file: []byte("%PDF-1.4\n"), wantErr: "err.evidence.type_not_allowed"},
		{name: "a PDF document", kind: evidence.KindDocument, file: []byte("%PDF-1.4\n"), wantType: evidence.TypePDF},
		{name: "a PDF as a photo", kind: evidence.KindPhoto, file: []byte("%PDF-1.4\n"), wantErr: "err.evidence.type_not_allowed"},
		{name: "a photo", kind: evidence.KindPhoto, file: []byte("\xFF\xD8\xFF\xE0"), wantType: evidence.TypeJPEG},
		{name: "a recording as a photo", kind: evidence.KindPhoto, file: ok, wantErr: "err.evidence.type_not_allowed"},
		{name: "an unknown kind", kind: "tape", file: ok, wantErr: "err.evidence.kind", wantField: "kind"},
		{name: "empty", kind: evidence.KindDocument, file: nil, wantErr: "err.evidence.empty"},
		{name: "a recording at the limit", kind: evidence.KindRecording, file: []byte("ID3\x04"), size: evidence.Limits[evidence.KindRecording].MaxBytes, wantType: evidence.TypeMP3},
		{name: "a recording one byte over", kind: evidence.KindRecording, file: []byte("ID3\x04"), size: evidence.Limits[evidence.KindRecording].MaxBytes + 1, wantErr: "err.evidence.too_large"},
		{name: "a photo one byte over", kind: evidence.KindPhoto, file: []byte("\xFF\xD8\xFF"), size: 25<<20 + 1, wantErr: "err.evidence.too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			size := c.size
			if size == 0 {
				size = int64(len(c.file))
			}
			head := c.file
			if len(head) > evidence.HeadBytes {
				head = head[:evidence.HeadBytes]
			}
			info, err := evidence.Inspect(c.kind, head, size)
			if c.wantErr != "" {
				var e *collect.Error
				if err == nil || !asError(err, &e) || e.Key != c.wantErr {
					t.Fatalf("err = %v, want %s", err, c.wantErr)
				}
				field := c.wantField
				if field == "" {
					field = "file"
				}
				if len(e.Fields) == 0 || e.Fields[0].Field != field {
					t.Fatalf("fields %+v, want %s named", e.Fields, field)
				}
				return
			}
			if err != nil || info.ContentType != c.wantType {
				t.Fatalf("Inspect = %+v, %v; want %s", info, err, c.wantType)
			}
			if c.wantMS != 0 && (info.DurationMS == nil || *info.DurationMS != c.wantMS) {
				t.Fatalf("duration %v, want %d ms", info.DurationMS, c.wantMS)
			}
		})
	}
}

func asError(err error, e **collect.Error) bool {
	ce, ok := err.(*collect.Error)
	*e = ce
	return ok
}

func TestRetainUntil(t *testing.T) {
	call := time.Date(2026, 3, 10, 2, 30, 0, 0, time.UTC)
	later := call.AddDate(1, 2, 0)
	cases := []struct {
		name, profile string
		last          time.Time
		want          time.Time
	}{
		{"China: two years after the call", "china", later, call.AddDate(2, 0, 0)},
		{"US: three years after the last activity", "us_regf", later, later.AddDate(3, 0, 0)},
		{"US, no later activity: three years after the call", "us_regf", time.Time{}, call.AddDate(3, 0, 0)},
		{"US, last activity before the call: the call", "us_regf", call.AddDate(0, -1, 0), call.AddDate(3, 0, 0)},
		{"an unknown profile keeps the longest period after the last activity", "mars", later, later.AddDate(3, 0, 0)},
	}
	for _, c := range cases {
		if got := evidence.RetainUntil(c.profile, call, c.last); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// 29 February: a year on is 1 March (time.AddDate's normalisation).
	leap := time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)
	if got := evidence.RetainUntil("china", leap, time.Time{}); !got.Equal(time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("29 February + 2 years = %s", got)
	}
}

func TestDeletable(t *testing.T) {
	until := time.Date(2028, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now  time.Time
		held bool
		want bool
	}{
		{until.Add(-time.Nanosecond), false, false},
		{until, false, true},
		{until.AddDate(5, 0, 0), true, false},
	} {
		if got := evidence.Deletable(until, c.now, c.held); got != c.want {
			t.Errorf("Deletable(%s, held %v) = %v", c.now, c.held, got)
		}
	}
}

func TestParseRetention(t *testing.T) {
	for _, bad := range []string{`{"x":{"years":0,"from":"contact","source":""}}`, `{"x":{"years":2,"from":"whenever","source":""}}`,
		`{"x":{"years":2,"from":"contact","source":"","extra":1}}`, `not json`} {
		if _, err := evidence.ParseRetention([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestRequiresRecording(t *testing.T) {
	if !evidence.RequiresRecording("call", true) || evidence.RequiresRecording("call", false) || evidence.RequiresRecording("sms", true) {
		t.Fatal("a connected call, and only it, needs a recording")
	}
}

// FuzzInspect: any bytes of any size either pass with a type the kind
// allows, or are refused with an error naming a field; never a panic.
func FuzzInspect(f *testing.F) {
	f.Add([]byte(goodWAV(32)), int64(0))
	f.Add([]byte("ID3\x04\x00"), int64(10))
	f.Add([]byte("%PDF-1.4"), int64(1<<30))
	f.Add(wav(0xFFFFFFFF, 0xFFFFFFFF, 4), int64(0))
	f.Fuzz(func(t *testing.T, b []byte, extra int64) {
		if extra < 0 {
			extra = -extra
		}
		size := int64(len(b)) + extra%(1<<33)
		for _, kind := range evidence.Kinds {
			info, err := evidence.Inspect(kind, b, size)
			if err != nil {
				var e *collect.Error
				if !asError(err, &e) || len(e.Fields) == 0 {
					t.Fatalf("%s: an error without a field: %v", kind, err)
				}
				continue
			}
			allowed := false
			for _, a := range evidence.Limits[kind].Types {
				allowed = allowed || a == info.ContentType
			}
			if !allowed || size > evidence.Limits[kind].MaxBytes {
				t.Fatalf("%s: accepted %q of %d bytes", kind, info.ContentType, size)
			}
			if info.DurationMS != nil && *info.DurationMS < 0 {
				t.Fatalf("negative duration %d", *info.DurationMS)
			}
		}
	})
}
