package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The S3 tests run against the S3-compatible server named by TEST_S3_URL,
// e.g. s3://KEY:SECRET@127.0.0.1:8333/evidence-test?tls=0 (.ci/s3.sh starts
// SeaweedFS and prints it); each test works under a prefix of its own, or in a
// bucket of its own, and removes what it made.

func noenv(string) string { return "" }

func runID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%d-%s", time.Now().Unix(), hex.EncodeToString(b))
}

func s3URL(t *testing.T) *url.URL {
	t.Helper()
	raw := os.Getenv("TEST_S3_URL")
	if raw == "" {
		t.Skip("TEST_S3_URL is not set (.ci/s3.sh starts a SeaweedFS server and prints one)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("TEST_S3_URL: %v", err)
	}
	return u
}

func s3Context(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testS3 opens the store of TEST_S3_URL under a prefix unique to this test,
// emptied again when the test ends.
func testS3(t *testing.T) *S3 {
	t.Helper()
	u := s3URL(t)
	u.Path = strings.TrimSuffix(u.Path, "/") + "/blobtest-" + runID() + "/"
	st, err := NewS3(s3Context(t), u.String(), noenv)
	if err != nil {
		t.Fatalf("NewS3(%s): %v", redact(u.String()), err)
	}
	t.Cleanup(func() { emptyPrefix(t, st) })
	return st
}

func emptyPrefix(t *testing.T, st *S3) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for o := range st.cl.ListObjects(ctx, st.bucket, minio.ListObjectsOptions{Prefix: st.prefix, Recursive: true}) {
		if o.Err != nil {
			t.Logf("listing %s/%s: %v", st.bucket, st.prefix, o.Err)
			return
		}
		if err := st.cl.RemoveObject(ctx, st.bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Logf("removing %s: %v", o.Key, err)
		}
	}
}

// keys lists the keys under the store's prefix.
func keys(t *testing.T, st *S3) []string {
	t.Helper()
	var out []string
	for o := range st.cl.ListObjects(s3Context(t), st.bucket, minio.ListObjectsOptions{Prefix: st.prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("listing: %v", o.Err)
		}
		out = append(out, strings.TrimPrefix(o.Key, st.prefix))
	}
	return out
}

// onlyReader hides every method of a reader but Read (no ReaderAt, no
// Seeker), as an upload streamed from a request body would be.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// gen is a large, deterministic pseudo-random content, any range of which can
// be produced again without holding the whole: 32-byte block k is
// SHA-256(seed, k).
type gen struct {
	seed uint64
	size int64
}

func (g gen) at(off int64, p []byte) {
	var in [16]byte
	binary.BigEndian.PutUint64(in[:8], g.seed)
	for len(p) > 0 {
		k, skip := off/32, off%32
		binary.BigEndian.PutUint64(in[8:], uint64(k))
		blk := sha256.Sum256(in[:])
		n := copy(p, blk[skip:])
		p, off = p[n:], off+int64(n)
	}
}

// reader streams the content; it is Read-only on purpose.
func (g gen) reader() io.Reader { return &genReader{g: g} }

type genReader struct {
	g   gen
	off int64
}

func (r *genReader) Read(p []byte) (int, error) {
	if r.off >= r.g.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.g.size-r.off)]
	r.g.at(r.off, p)
	r.off += int64(len(p))
	return len(p), nil
}

func (g gen) sha(t *testing.T) string {
	t.Helper()
	s, n, err := Hash(g.reader())
	if err != nil || n != g.size {
		t.Fatalf("hashing the generated content: %d, %v", n, err)
	}
	return s
}

func TestS3PutOpenSeekDelete(t *testing.T) {
	st := testS3(t)
	ctx := s3Context(t)
	if st.Kind() != "s3" {
		t.Errorf("Kind = %q", st.Kind())
	}
	var _ Store = st

	data := bytes.Repeat([]byte("a document page "), 20000) // 320,000 bytes
	sha := sum(data)

	sp, err := Spool(bytes.NewReader(data), t.TempDir(), 1<<30, 512)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if err := st.Put(ctx, sp.SHA, sp.File, sp.Size, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, st); len(got) != 1 || got[0] != sha {
		t.Errorf("keys after Put = %v, want [%s]", got, sha)
	}
	info, err := st.cl.StatObject(ctx, st.bucket, st.prefix+sha, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "application/pdf" || info.UserMetadata["Sha256"] != sha {
		t.Errorf("stored content type %q, metadata %v", info.ContentType, info.UserMetadata)
	}

	o, err := st.Open(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	if o.Size() != int64(len(data)) || time.Since(o.ModTime()) > time.Hour || o.ModTime().After(time.Now().Add(time.Hour)) {
		t.Errorf("Size %d, ModTime %v", o.Size(), o.ModTime())
	}
	got, err := io.ReadAll(o)
	o.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}

	t.Run("seek", func(t *testing.T) { checkSeek(t, st, sha, data) })

	t.Run("idempotent put", func(t *testing.T) {
		// The object is there, so the reader is not even read.
		if err := st.Put(ctx, sha, iotest.ErrReader(errors.New("read")), int64(len(data)), ""); err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if err := st.Put(ctx, sha, onlyReader{bytes.NewReader(data)}, int64(len(data)), ""); err != nil {
			t.Fatalf("third Put: %v", err)
		}
		if ok, got, err := Verify(ctx, st, sha); !ok || got != sha || err != nil {
			t.Errorf("Verify = %v, %s, %v", ok, got, err)
		}
		if got := keys(t, st); len(got) != 1 {
			t.Errorf("keys = %v", got)
		}
	})

	t.Run("streamed put", func(t *testing.T) {
		small := []byte("a statement, typed")
		ssha := sum(small)
		if err := st.Put(ctx, ssha, onlyReader{bytes.NewReader(small)}, int64(len(small)), "text/plain"); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(ctx, st, ssha); !ok || err != nil {
			t.Errorf("Verify = %v, %v", ok, err)
		}
	})

	t.Run("empty object", func(t *testing.T) {
		esha := sum(nil)
		if err := st.Put(ctx, esha, bytes.NewReader(nil), 0, ""); err != nil {
			t.Fatal(err)
		}
		o, err := st.Open(ctx, esha)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if b, err := io.ReadAll(o); len(b) != 0 || err != nil || o.Size() != 0 {
			t.Errorf("empty object reads %d bytes, %v, size %d", len(b), err, o.Size())
		}
	})

	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{
			"", "..", "../x", "/etc/passwd", strings.ToUpper(sha), sha[:63], sha + "/", "../" + sha[3:],
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
	})

	t.Run("missing", func(t *testing.T) {
		if _, err := st.Open(ctx, sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open of a missing object: %v, want ErrNotFound", err)
		}
		if _, _, err := Verify(ctx, st, sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
			t.Errorf("Verify of a missing object: %v, want ErrNotFound", err)
		}
		if err := st.Delete(ctx, sum([]byte("never stored"))); err != nil {
			t.Errorf("Delete of a missing object: %v", err)
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
		for _, k := range keys(t, st) {
			if k == sha {
				t.Errorf("key %s still listed after Delete", k)
			}
		}
		// Put again after Delete stores it again.
		if err := st.Put(ctx, sha, bytes.NewReader(data), int64(len(data)), ""); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(ctx, st, sha); !ok || err != nil {
			t.Errorf("Verify after re-Put = %v, %v", ok, err)
		}
	})
}

func TestS3WrongSHA(t *testing.T) {
	st := testS3(t)
	ctx := s3Context(t)
	other := []byte("not the bytes named")
	big := gen{seed: 7, size: 20<<20 + 5} // over one 16 MiB part: a multipart upload
	bigSHA := big.sha(t)
	for _, c := range []struct {
		name string
		sha  string
		body func(t *testing.T) io.Reader
		size int64
	}{
		{"other bytes", sum([]byte("something else")), func(*testing.T) io.Reader { return bytes.NewReader(other) }, int64(len(other))},
		{"other bytes streamed", sum([]byte("something else")), func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(other)} }, int64(len(other))},
		{"short size", sum(other), func(*testing.T) io.Reader { return bytes.NewReader(other) }, int64(len(other)) - 1},
		{"long size", sum(other), func(*testing.T) io.Reader { return bytes.NewReader(other) }, int64(len(other)) + 1},
		{"short size streamed", sum(other), func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(other)} }, int64(len(other)) - 1},
		{"long size streamed", sum(other), func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(other)} }, int64(len(other)) + 1},
		{"multipart streamed", sum(other), func(*testing.T) io.Reader { return big.reader() }, big.size},
		{"multipart streamed, last byte changed", bigSHA, func(*testing.T) io.Reader {
			return io.MultiReader(io.LimitReader(big.reader(), big.size-1), strings.NewReader("\x00"))
		}, big.size},
		{"multipart spooled", sum(other), func(t *testing.T) io.Reader {
			sp, err := Spool(big.reader(), t.TempDir(), 1<<30, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sp.Close() })
			return sp.File
		}, big.size},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := st.Put(ctx, c.sha, c.body(t), c.size, ""); err == nil {
				t.Fatal("Put worked")
			} else {
				t.Logf("Put: %v", err)
			}
			if _, err := st.Open(ctx, c.sha); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open after a failed Put: %v, want ErrNotFound", err)
			}
			if got := keys(t, st); len(got) != 0 {
				t.Errorf("keys after a failed Put: %v", got)
			}
		})
	}
	// The same content under its right name goes in.
	if err := st.Put(ctx, bigSHA, big.reader(), big.size, ""); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := Verify(ctx, st, bigSHA); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}
}

func TestS3Large(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	st := testS3(t)
	ctx := s3Context(t)
	for _, c := range []struct {
		name    string
		g       gen
		spooled bool
	}{
		// Streamed: parts read one after another.
		{"streamed", gen{seed: 1, size: 40 << 20}, false},
		// Spooled to a file: parts read in place, in parallel.
		{"spooled", gen{seed: 2, size: 40<<20 + 12345}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := c.g
			var sha string
			start := time.Now()
			if c.spooled {
				sp, err := Spool(g.reader(), t.TempDir(), 1<<30, 512)
				if err != nil {
					t.Fatal(err)
				}
				defer sp.Close()
				sha = sp.SHA
				if err := st.Put(ctx, sha, sp.File, sp.Size, "video/mp4"); err != nil {
					t.Fatal(err)
				}
			} else {
				sha = g.sha(t)
				if err := st.Put(ctx, sha, g.reader(), g.size, "video/mp4"); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("put %d MiB in %v", g.size>>20, time.Since(start).Round(time.Millisecond))

			// A multipart upload's ETag ends in -<parts>.
			info, err := st.cl.StatObject(ctx, st.bucket, st.prefix+sha, minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != g.size {
				t.Errorf("stored size %d, want %d", info.Size, g.size)
			}
			if !strings.HasSuffix(info.ETag, "-3") {
				t.Logf("ETag %q does not name 3 parts", info.ETag)
			}

			ok, got, err := Verify(ctx, st, sha)
			if !ok || got != sha || err != nil {
				t.Fatalf("Verify = %v, %s, %v", ok, got, err)
			}

			o, err := st.Open(ctx, sha)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if o.Size() != g.size {
				t.Fatalf("Size = %d, want %d", o.Size(), g.size)
			}
			n := g.size
			for _, r := range []struct {
				off    int64
				whence int
				pos    int64
				length int64
			}{
				{0, io.SeekStart, 0, 1000},
				{16<<20 - 10, io.SeekStart, 16<<20 - 10, 20}, // across the first part boundary
				{32 << 20, io.SeekStart, 32 << 20, 1 << 20},
				{-100, io.SeekEnd, n - 100, 100},
				{12345, io.SeekStart, 12345, 3 << 20},
				{1 << 20, io.SeekCurrent, 12345 + 4<<20, 4096},
				{-1, io.SeekEnd, n - 1, 1},
				{n / 3, io.SeekStart, n / 3, 17},
			} {
				pos, err := o.Seek(r.off, r.whence)
				if err != nil || pos != r.pos {
					t.Fatalf("Seek(%d, %d) = %d, %v; want %d", r.off, r.whence, pos, err, r.pos)
				}
				buf := make([]byte, r.length)
				if _, err := io.ReadFull(o, buf); err != nil {
					t.Fatalf("read %d at %d: %v", r.length, pos, err)
				}
				want := make([]byte, r.length)
				g.at(pos, want)
				if !bytes.Equal(buf, want) {
					t.Fatalf("bytes %d..%d differ", pos, pos+r.length)
				}
			}
			if _, err := o.Seek(0, io.SeekEnd); err != nil {
				t.Fatal(err)
			}
			if k, err := o.Read(make([]byte, 10)); k != 0 || err != io.EOF {
				t.Errorf("read at the end = %d, %v; want 0, EOF", k, err)
			}
			o.Close()

			if err := st.Delete(ctx, sha); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Open(ctx, sha); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open after Delete: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestS3Tamper(t *testing.T) {
	st := testS3(t)
	ctx := s3Context(t)
	photo := []byte("a photo of the scene, as taken")
	sha := sum(photo)
	if err := st.Put(ctx, sha, bytes.NewReader(photo), int64(len(photo)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if ok, got, err := Verify(ctx, st, sha); !ok || got != sha || err != nil {
		t.Fatalf("Verify before = %v, %s, %v", ok, got, err)
	}
	// Someone with write access to the bucket changes a byte under the key.
	tampered := append([]byte(nil), photo...)
	tampered[3] ^= 1
	if _, err := st.cl.PutObject(ctx, st.bucket, st.prefix+sha, bytes.NewReader(tampered), int64(len(tampered)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	ok, got, err := Verify(ctx, st, sha)
	if err != nil || ok || got != sum(tampered) {
		t.Errorf("Verify after tampering = %v, %s, %v; want false, %s", ok, got, err, sum(tampered))
	}
	// Put does not mend it (the name is taken); Delete and Put does.
	if err := st.Put(ctx, sha, bytes.NewReader(photo), int64(len(photo)), ""); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := Verify(ctx, st, sha); ok {
		t.Error("Put over a tampered object replaced it")
	}
	if err := st.Delete(ctx, sha); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, sha, bytes.NewReader(photo), int64(len(photo)), ""); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := Verify(ctx, st, sha); !ok || err != nil {
		t.Errorf("Verify after Delete and Put = %v, %v", ok, err)
	}
}

// TestS3NewBucket has NewS3 make a bucket that is not there.
func TestS3NewBucket(t *testing.T) {
	u := s3URL(t)
	ctx := s3Context(t)
	bucket := "blobtest-" + runID()
	u.Path = "/" + bucket + "/some/prefix"
	st, err := NewS3(ctx, u.String(), noenv)
	if err != nil {
		t.Fatalf("NewS3 with a new bucket: %v", err)
	}
	t.Cleanup(func() {
		emptyPrefix(t, st)
		if err := st.cl.RemoveBucket(context.Background(), bucket); err != nil {
			t.Logf("removing bucket %s: %v", bucket, err)
		}
	})
	if st.bucket != bucket || st.prefix != "some/prefix/" {
		t.Errorf("bucket %q, prefix %q", st.bucket, st.prefix)
	}
	if ok, err := st.cl.BucketExists(ctx, bucket); !ok || err != nil {
		t.Fatalf("bucket %s exists: %v, %v", bucket, ok, err)
	}
	b := []byte("x")
	if err := st.Put(ctx, sum(b), bytes.NewReader(b), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.cl.StatObject(ctx, bucket, "some/prefix/"+sum(b), minio.StatObjectOptions{}); err != nil {
		t.Errorf("object not under the prefix: %v", err)
	}
	// A second store on the bucket (it exists now) sees the object.
	st2, err := NewS3(ctx, u.String(), noenv)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := Verify(ctx, st2, sum(b)); !ok || err != nil {
		t.Errorf("Verify through a second store = %v, %v", ok, err)
	}
}

// TestS3WrongSecret: a server that checks signatures refuses a wrong secret,
// and the error does not carry it.
func TestS3WrongSecret(t *testing.T) {
	u := s3URL(t)
	if u.User == nil {
		t.Skip("TEST_S3_URL has no credentials")
	}
	secret := "wrong-" + runID()
	u.User = url.UserPassword(u.User.Username(), secret)
	ctx := s3Context(t)
	_, err := NewS3(ctx, u.String(), noenv)
	if err == nil {
		t.Skip("the server accepted a wrong secret: it does not check credentials")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error carries the secret: %v", err)
	}
	t.Logf("refused: %v", err)
}

func TestParseS3URL(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "ENVSECRET"}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		name                     string
		raw                      string
		getenv                   func(string) string
		endpoint, bucket, prefix string
		secure                   bool
		region                   string
		key, secret              string // "" and "": anonymous
		err                      string // part of the error; "" for none
	}{
		{name: "plain", raw: "s3://AK:SK@s3.example.org/evidence", getenv: noenv,
			endpoint: "s3.example.org", bucket: "evidence", secure: true, key: "AK", secret: "SK"},
		{name: "port, tls=0", raw: "s3://AK:SK@127.0.0.1:8333/evidence?tls=0", getenv: noenv,
			endpoint: "127.0.0.1:8333", bucket: "evidence", secure: false, key: "AK", secret: "SK"},
		{name: "tls=false", raw: "s3://AK:SK@h:9000/b?tls=false", getenv: noenv,
			endpoint: "h:9000", bucket: "b", key: "AK", secret: "SK"},
		{name: "tls=1", raw: "s3://AK:SK@h/b?tls=1", getenv: noenv,
			endpoint: "h", bucket: "b", secure: true, key: "AK", secret: "SK"},
		{name: "trailing slash", raw: "s3://AK:SK@h/b/", getenv: noenv,
			endpoint: "h", bucket: "b", secure: true, key: "AK", secret: "SK"},
		{name: "prefix", raw: "s3://AK:SK@h/b/cases/2026", getenv: noenv,
			endpoint: "h", bucket: "b", prefix: "cases/2026/", secure: true, key: "AK", secret: "SK"},
		{name: "prefix with slash", raw: "s3://AK:SK@h/b/cases/", getenv: noenv,
			endpoint: "h", bucket: "b", prefix: "cases/", secure: true, key: "AK", secret: "SK"},
		{name: "region", raw: "s3://AK:SK@s3.eu-west-1.amazonaws.com/b?region=eu-west-1", getenv: noenv,
			endpoint: "s3.eu-west-1.amazonaws.com", bucket: "b", secure: true, region: "eu-west-1", key: "AK", secret: "SK"},
		{name: "escaped secret", raw: "s3://AK:se%2Fc%2Bret%40x@h/b", getenv: noenv,
			endpoint: "h", bucket: "b", secure: true, key: "AK", secret: "se/c+ret@x"},
		{name: "credentials from getenv", raw: "s3://h/b", getenv: getenv,
			endpoint: "h", bucket: "b", secure: true, key: "ENVKEY", secret: "ENVSECRET"},
		{name: "URL credentials win over getenv", raw: "s3://AK:SK@h/b", getenv: getenv,
			endpoint: "h", bucket: "b", secure: true, key: "AK", secret: "SK"},
		{name: "anonymous", raw: "s3://h/b?tls=0", getenv: noenv,
			endpoint: "h", bucket: "b"},
		{name: "no bucket", raw: "s3://AK:SK@h", getenv: noenv, err: "names no bucket"},
		{name: "no bucket, slash", raw: "s3://AK:SK@h/", getenv: noenv, err: "names no bucket"},
		{name: "no host", raw: "s3:///b", getenv: noenv, err: "is not s3://"},
		{name: "wrong scheme", raw: "https://AK:SK@h/b", getenv: noenv, err: "is not s3://"},
		{name: "not a URL", raw: "evidence", getenv: noenv, err: "is not s3://"},
		{name: "unparsable", raw: "s3://AK:SK@h:port/b", getenv: noenv, err: "is not s3://"},
	} {
		t.Run(c.name, func(t *testing.T) {
			endpoint, bucket, prefix, opts, err := ParseS3URL(c.raw, c.getenv)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if endpoint != c.endpoint || bucket != c.bucket || prefix != c.prefix {
				t.Errorf("= %q, %q, %q; want %q, %q, %q", endpoint, bucket, prefix, c.endpoint, c.bucket, c.prefix)
			}
			if opts.Secure != c.secure || opts.Region != c.region {
				t.Errorf("secure %v, region %q; want %v, %q", opts.Secure, opts.Region, c.secure, c.region)
			}
			v, err := opts.Creds.GetWithContext(&credentials.CredContext{})
			if err != nil {
				t.Fatal(err)
			}
			if v.AccessKeyID != c.key || v.SecretAccessKey != c.secret {
				t.Errorf("credentials %q:%q, want %q:%q", v.AccessKeyID, v.SecretAccessKey, c.key, c.secret)
			}
			if wantAnon := c.key == ""; v.SignerType.IsAnonymous() != wantAnon {
				t.Errorf("signer %v, anonymous wanted: %v", v.SignerType, wantAnon)
			}
		})
	}
}

func TestParseS3URLRedacts(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	for _, raw := range []string{
		"https://AK:" + secret + "@h/b",       // wrong scheme
		"s3://AK:" + secret + "@h:port/b",     // bad port: unparsable
		"s3://AK:" + secret + "@/b",           // no host
		"s3://AK:" + secret + "@h",            // no bucket
		"ftp://AK:" + secret + "@h/b?tls=0",   // wrong scheme with a query
		"s3://AK:" + secret + "@h%zz/b",       // bad escape
		"s3://AK:" + secret + "@[::1/b?tls=0", // bad IPv6 literal
	} {
		_, _, _, _, err := ParseS3URL(raw, noenv)
		if err == nil {
			t.Errorf("ParseS3URL(%q) worked", raw)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseS3URL(%q): error carries the secret: %v", raw, err)
		}
	}
	// The error names the URL without its secret, so the user can see what
	// was wrong.
	_, _, _, _, err := ParseS3URL("https://AK:"+secret+"@h/b", noenv)
	if err == nil || !strings.Contains(err.Error(), "https://AK@h/b") {
		t.Errorf("error %v does not show the redacted URL", err)
	}
	_, _, _, _, err = ParseS3URL("https://h/b", noenv)
	if err == nil || !strings.Contains(err.Error(), "https://h/b") {
		t.Errorf("error %v does not show the URL", err)
	}
	// NewS3 fails the same way, without the secret.
	if _, err := NewS3(context.Background(), "https://AK:"+secret+"@h/b", noenv); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("NewS3: %v", err)
	}
}

// TestS3Unreachable: NewS3 against nothing fails without the secret in the
// error.
func TestS3Unreachable(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := NewS3(ctx, "s3://AK:"+secret+"@127.0.0.1:1/b?tls=0", noenv)
	if err == nil {
		t.Fatal("NewS3 against a closed port worked")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error carries the secret: %v", err)
	}
}
