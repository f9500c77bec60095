// Package blob keeps evidence objects (recordings, documents, photos) by
// their SHA-256: in the data folder by default, or in any S3-compatible
// store. Objects are written once under their hash and never changed; a
// download is checked against the hash by the caller (Verify).
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"
)

// ErrNotFound is a missing object.
var ErrNotFound = errors.New("blob: object not found")

// ErrTooLarge is an upload over the limit given to Spool.
var ErrTooLarge = errors.New("blob: over the size limit")

// Object is one stored object opened for reading; Seek serves HTTP ranges.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Store is where objects live. Put of an object already there is a no-op
// (the same bytes have the same name).
type Store interface {
	// Put stores size bytes read from r under sha, which the caller has
	// computed (Spool); a store checks what it received against it.
	Put(ctx context.Context, sha string, r io.Reader, size int64, contentType string) error
	Open(ctx context.Context, sha string) (Object, error)
	Delete(ctx context.Context, sha string) error
	// Kind is "local" or "s3", for the README's and the pages' words.
	Kind() string
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA reports whether s is a lower-case hex SHA-256, the only names
// objects have (so a name can never walk out of the store's folder).
func ValidSHA(s string) bool { return hexSHA.MatchString(s) }

// Spooled is an upload copied to a temporary file while it was hashed.
type Spooled struct {
	File *os.File
	SHA  string
	Size int64
	Head []byte // the first bytes, for content sniffing
}

// Close removes the temporary file.
func (s *Spooled) Close() error {
	if s == nil || s.File == nil {
		return nil
	}
	name := s.File.Name()
	err := s.File.Close()
	_ = os.Remove(name)
	s.File = nil
	return err
}

// Rewind seeks the file back to its start, for Put.
func (s *Spooled) Rewind() error {
	_, err := s.File.Seek(0, io.SeekStart)
	return err
}

// Spool copies r into a temporary file in dir (the system's when ""),
// hashing as it goes, and keeps the first head bytes; it stops with
// ErrTooLarge past max bytes, leaving nothing behind. Memory use is a
// copy buffer, whatever the size.
func Spool(r io.Reader, dir string, max int64, head int) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, err
	}
	sp := &Spooled{File: f}
	h := sha256.New()
	hw := &headWriter{max: head}
	n, err := io.Copy(io.MultiWriter(f, h, hw), io.LimitReader(r, max+1))
	if err != nil {
		sp.Close()
		return nil, err
	}
	if n > max {
		sp.Close()
		return nil, ErrTooLarge
	}
	sp.SHA, sp.Size, sp.Head = hex.EncodeToString(h.Sum(nil)), n, hw.buf
	if err := sp.Rewind(); err != nil {
		sp.Close()
		return nil, err
	}
	return sp, nil
}

type headWriter struct {
	buf []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Hash reads r to its end and returns its SHA-256 in hex and its length.
func Hash(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Verify reads the object stored under sha whole and reports whether its
// bytes still hash to its name, with the hash they have.
func Verify(ctx context.Context, st Store, sha string) (bool, string, error) {
	o, err := st.Open(ctx, sha)
	if err != nil {
		return false, "", err
	}
	defer o.Close()
	got, _, err := Hash(o)
	if err != nil {
		return false, "", err
	}
	return got == sha, got, nil
}

// hashingReader checks, at EOF, that what passed through hashes to want.
type hashingReader struct {
	r    io.Reader
	h    interface{ Sum([]byte) []byte }
	w    io.Writer
	want string
}

func checkedReader(r io.Reader, want string) io.Reader {
	h := sha256.New()
	return &hashingReader{r: r, h: h, w: h, want: want}
}

func (c *hashingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.w.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			return n, fmt.Errorf("blob: content hashes to %s, not %s", got, c.want)
		}
	}
	return n, err
}
