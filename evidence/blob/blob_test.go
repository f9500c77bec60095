package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestValidSHA(t *testing.T) {
	good := sum([]byte("x"))
	for _, c := range []struct {
		in   string
		want bool
	}{
		{good, true},
		{strings.Repeat("0", 64), true},
		{strings.Repeat("f", 64), true},
		{"", false},
		{good[:63], false},
		{good + "0", false},
		{strings.ToUpper(good), false},
		{strings.Repeat("g", 64), false},
		{"../" + good[3:], false},
		{good[:62] + "/x", false},
		{good[:63] + "\n", false},
		{good + "\n", false},
		{" " + good[1:], false},
	} {
		if got := ValidSHA(c.in); got != c.want {
			t.Errorf("ValidSHA(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestHash(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("a"), bytes.Repeat([]byte("evidence"), 100000)} {
		got, n, err := Hash(bytes.NewReader(in))
		if err != nil || got != sum(in) || n != int64(len(in)) {
			t.Errorf("Hash(%d bytes) = %s, %d, %v; want %s, %d", len(in), got, n, err, sum(in), len(in))
		}
	}
	boom := errors.New("boom")
	if _, _, err := Hash(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("Hash of a failing reader: %v, want boom", err)
	}
	// Known vector: SHA-256 of "abc".
	if got, _, _ := Hash(strings.NewReader("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Hash(abc) = %s", got)
	}
}

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSpool(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes
	for _, c := range []struct {
		name    string
		in      []byte
		max     int64
		head    int
		wantErr error
	}{
		{"empty", nil, 10, 8, nil},
		{"small", []byte("hello"), 100, 512, nil},
		{"head shorter than data", data, 1 << 20, 512, nil},
		{"no head", data, 1 << 20, 0, nil},
		{"exactly max", data, int64(len(data)), 16, nil},
		{"one over max", data, int64(len(data)) - 1, 16, ErrTooLarge},
		{"far over max", data, 10, 16, ErrTooLarge},
		{"empty with max 0", nil, 0, 16, nil},
		{"one byte with max 0", []byte("x"), 0, 16, ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			// Small reads, so the head is assembled from several writes.
			sp, err := Spool(iotest.HalfReader(bytes.NewReader(c.in)), dir, c.max, c.head)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Spool: %v, want %v", err, c.wantErr)
				}
				if sp != nil {
					t.Errorf("Spool returned %+v with an error", sp)
				}
				if left := entries(t, dir); len(left) != 0 {
					t.Errorf("Spool left %v behind", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Close()
			if sp.SHA != sum(c.in) || sp.Size != int64(len(c.in)) {
				t.Errorf("Spool = %s, %d; want %s, %d", sp.SHA, sp.Size, sum(c.in), len(c.in))
			}
			wantHead := c.in[:min(c.head, len(c.in))]
			if !bytes.Equal(sp.Head, wantHead) {
				t.Errorf("Head = %q, want %q", sp.Head, wantHead)
			}
			if filepath.Dir(sp.File.Name()) != dir {
				t.Errorf("spooled to %s, not in %s", sp.File.Name(), dir)
			}
			// The file is rewound: reading it gives the bytes back.
			got, err := io.ReadAll(sp.File)
			if err != nil || !bytes.Equal(got, c.in) {
				t.Errorf("file holds %d bytes (%v), want %d", len(got), err, len(c.in))
			}
			if err := sp.Rewind(); err != nil {
				t.Fatal(err)
			}
			if h, _, _ := Hash(sp.File); h != sp.SHA {
				t.Errorf("after Rewind the file hashes to %s, not %s", h, sp.SHA)
			}
			name := sp.File.Name()
			if err := sp.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Errorf("Close left %s: %v", name, err)
			}
			if err := sp.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}

	t.Run("read error leaves nothing", func(t *testing.T) {
		dir := t.TempDir()
		boom := errors.New("boom")
		r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
		if _, err := Spool(r, dir, 1<<20, 16); !errors.Is(err, boom) {
			t.Fatalf("Spool: %v, want boom", err)
		}
		if left := entries(t, dir); len(left) != 0 {
			t.Errorf("Spool left %v behind", left)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		if _, err := Spool(bytes.NewReader(data), filepath.Join(t.TempDir(), "nope"), 1<<20, 16); err == nil {
			t.Error("Spool into a missing folder worked")
		}
	})
	t.Run("nil Spooled closes", func(t *testing.T) {
		var sp *Spooled
		if err := sp.Close(); err != nil {
			t.Error(err)
		}
	})
}

// storeFiles lists the regular files under root, relative to it.
func storeFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLocal(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "store")
	st, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind() != "local" {
		t.Errorf("Kind = %q", st.Kind())
	}
	if fi, err := os.Stat(st.TempDir()); err != nil || !fi.IsDir() || filepath.Dir(st.TempDir()) != root {
		t.Fatalf("TempDir %s: %v", st.TempDir(), err)
	}
	var _ Store = st

	data := bytes.Repeat([]byte("a recording "), 50000) // 600,000 bytes
	sha := sum(data)

	t.Run("put via spool, open, read", func(t *testing.T) {
		sp, err := Spool(bytes.NewReader(data), st.TempDir(), 1<<30, 512)
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		if err := st.Put(ctx, sp.SHA, sp.File, sp.Size, "video/mp4"); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, sha[:2], sha)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o400 {
			t.Errorf("stored file mode %v, want read-only", fi.Mode().Perm())
		}
		o, err := st.Open(ctx, sha)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if o.Size() != int64(len(data)) || o.ModTime().IsZero() {
			t.Errorf("Size %d, ModTime %v", o.Size(), o.ModTime())
		}
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("read back %d bytes, %v", len(got), err)
		}
		// Only the object remains: the put's temporary file is gone (the
		// spooled upload is still open and is removed by its Close).
		for _, f := range storeFiles(t, root) {
			if f != filepath.Join(sha[:2], sha) && f != filepath.Join("tmp", filepath.Base(sp.File.Name())) {
				t.Errorf("stray file %s in the store", f)
			}
		}
	})

	t.Run("seek", func(t *testing.T) { checkSeek(t, st, sha, data) })

	t.Run("idempotent put", func(t *testing.T) {
		// The object is there, so the reader is not even read.
		if err := st.Put(ctx, sha, iotest.ErrReader(errors.New("read")), int64(len(data)), ""); err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if err := st.Put(ctx, sha, bytes.NewReader(data), int64(len(data)), ""); err != nil {
			t.Fatalf("third Put: %v", err)
		}
		if ok, got, err := Verify(ctx, st, sha); !ok || err != nil {
			t.Errorf("Verify = %v, %s, %v", ok, got, err)
		}
	})

	t.Run("wrong sha leaves nothing", func(t *testing.T) {
		other := []byte("not the bytes named")
		for _, c := range []struct {
			name string
			sha  string
			body []byte
			size int64
		}{
			{"other bytes", sum([]byte("something else")), other, int64(len(other))},
			{"short size", sum(other), other, int64(len(other)) - 1},
			{"long size", sum(other), other, int64(len(other)) + 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := storeFiles(t, root)
				if err := st.Put(ctx, c.sha, bytes.NewReader(c.body), c.size, ""); err == nil {
					t.Fatal("Put worked")
				}
				if _, err := st.Open(ctx, c.sha); !errors.Is(err, ErrNotFound) {
					t.Errorf("Open after a failed Put: %v, want ErrNotFound", err)
				}
				if after := storeFiles(t, root); len(after) != len(before) {
					t.Errorf("files %v after a failed Put, %v before", after, before)
				}
			})
		}
	})

	t.Run("bad names", func(t *testing.T) {
		// A file outside the store that a walking name would reach.
		outside := filepath.Join(filepath.Dir(root), "secret")
		if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{
			"", "..", "../secret", "../../etc/passwd", "/etc/passwd", "tmp",
			"ab/../../secret", strings.ToUpper(sha), sha[:63], sha + "/", "./" + sha,
		} {
			if err := st.Put(ctx, name, strings.NewReader("x"), 1, ""); err == nil {
				t.Errorf("Put(%q) worked", name)
			}
			if o, err := st.Open(ctx, name); !errors.Is(err, ErrNotFound) {
				if o != nil {
					o.Close()
				}
				t.Errorf("Open(%q): %v, want ErrNotFound", name, err)
			}
			if err := st.Delete(ctx, name); err == nil {
				t.Errorf("Delete(%q) worked", name)
			}
		}
		if _, err := os.Stat(outside); err != nil {
			t.Errorf("the file outside the store: %v", err)
		}
	})

	t.Run("verify detects tampering", func(t *testing.T) {
		small := []byte("a photo of the scene")
		ssha := sum(small)
		if err := st.Put(ctx, ssha, bytes.NewReader(small), int64(len(small)), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		if ok, got, err := Verify(ctx, st, ssha); !ok || got != ssha || err != nil {
			t.Fatalf("Verify before = %v, %s, %v", ok, got, err)
		}
		p := filepath.Join(root, ssha[:2], ssha)
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte{small[3] ^ 1}, 3); err != nil {
			t.Fatal(err)
		}
		f.Close()
		tampered := append([]byte(nil), small...)
		tampered[3] ^= 1
		ok, got, err := Verify(ctx, st, ssha)
		if err != nil || ok || got != sum(tampered) {
			t.Errorf("Verify after tampering = %v, %s, %v; want false, %s", ok, got, err, sum(tampered))
		}
		if _, _, err := Verify(ctx, st, sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
			t.Errorf("Verify of a missing object: %v", err)
		}
	})

	t.Run("empty object", func(t *testing.T) {
		esha := sum(nil)
		if err := st.Put(ctx, esha, bytes.NewReader(nil), 0, ""); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(ctx, st, esha); !ok || err != nil {
			t.Errorf("Verify of the empty object = %v, %v", ok, err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := st.Delete(ctx, sha); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Open(ctx, sha); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after Delete: %v, want ErrNotFound", err)
		}
		if err := st.Delete(ctx, sha); err != nil {
			t.Errorf("second Delete: %v", err)
		}
		// Put again after Delete stores it again.
		if err := st.Put(ctx, sha, bytes.NewReader(data), int64(len(data)), ""); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(ctx, st, sha); !ok || err != nil {
			t.Errorf("Verify after re-Put = %v, %v", ok, err)
		}
	})

	t.Run("reopen", func(t *testing.T) {
		st2, err := NewLocal(root)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(ctx, st2, sha); !ok || err != nil {
			t.Errorf("Verify through a second Local = %v, %v", ok, err)
		}
	})
}

// checkSeek reads ranges of the object stored under sha as an HTTP range
// request would, and compares them with data.
func checkSeek(t *testing.T, st Store, sha string, data []byte) {
	t.Helper()
	ctx := context.Background()
	o, err := st.Open(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	n := int64(len(data))
	if o.Size() != n {
		t.Fatalf("Size = %d, want %d", o.Size(), n)
	}
	for _, c := range []struct {
		off    int64
		whence int
		pos    int64 // where that lands
		length int64
	}{
		{0, io.SeekStart, 0, 100},
		{n / 2, io.SeekStart, n / 2, 4096},
		{-10, io.SeekEnd, n - 10, 10},
		{-1, io.SeekEnd, n - 1, 1},
		{7, io.SeekStart, 7, n - 7},
		{3, io.SeekStart, 3, 1},
		{5, io.SeekCurrent, 9, 1000}, // from 4, after the 1 byte read above
		{0, io.SeekStart, 0, n},
	} {
		pos, err := o.Seek(c.off, c.whence)
		if err != nil || pos != c.pos {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", c.off, c.whence, pos, err, c.pos)
		}
		buf := make([]byte, c.length)
		if _, err := io.ReadFull(o, buf); err != nil {
			t.Fatalf("read %d at %d: %v", c.length, pos, err)
		}
		if !bytes.Equal(buf, data[pos:pos+c.length]) {
			t.Fatalf("bytes %d..%d differ", pos, pos+c.length)
		}
	}
	if _, err := o.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	if k, err := o.Read(make([]byte, 10)); k != 0 || err != io.EOF {
		t.Errorf("read at the end = %d, %v; want 0, EOF", k, err)
	}
}
