package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps objects in a bucket of any S3-compatible store (AWS S3, MinIO,
// SeaweedFS, Ceph, OSS and COS in S3 mode) through minio-go, under
// <prefix><sha>.
type S3 struct {
	cl     *minio.Client
	bucket string
	prefix string
}

// ParseS3URL reads s3://ACCESS:SECRET@host[:port]/bucket[/prefix]?tls=0&region=R.
// Without credentials in the URL, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY from getenv are used; with neither, requests are
// anonymous. TLS is on unless tls=0 (or false).
func ParseS3URL(raw string, getenv func(string) string) (endpoint, bucket, prefix string, opts *minio.Options, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", "", nil, fmt.Errorf("blob: %q is not s3://[key:secret@]host/bucket", redact(raw))
	}
	path := strings.Trim(u.Path, "/")
	bucket, prefix, _ = strings.Cut(path, "/")
	if bucket == "" {
		return "", "", "", nil, errors.New("blob: the S3 URL names no bucket")
	}
	if prefix != "" {
		prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	ak, sk := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if u.User != nil {
		ak = u.User.Username()
		sk, _ = u.User.Password()
	}
	q := u.Query()
	secure := q.Get("tls") != "0" && q.Get("tls") != "false"
	var creds *credentials.Credentials
	if ak != "" {
		creds = credentials.NewStaticV4(ak, sk, "")
	} else {
		creds = credentials.New(&credentials.Static{})
	}
	return u.Host, bucket, prefix, &minio.Options{Creds: creds, Secure: secure, Region: q.Get("region")}, nil
}

// redact drops the secret from a URL for an error message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// NewS3 connects and makes the bucket when it is missing.
func NewS3(ctx context.Context, raw string, getenv func(string) string) (*S3, error) {
	endpoint, bucket, prefix, opts, err := ParseS3URL(raw, getenv)
	if err != nil {
		return nil, err
	}
	cl, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	ok, err := cl.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: S3 bucket %s at %s: %w", bucket, endpoint, err)
	}
	if !ok {
		if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: opts.Region}); err != nil {
			return nil, fmt.Errorf("blob: making bucket %s: %w", bucket, err)
		}
	}
	return &S3{cl: cl, bucket: bucket, prefix: prefix}, nil
}

// Kind is "s3".
func (s *S3) Kind() string { return "s3" }

func (s *S3) key(sha string) (string, error) {
	if !ValidSHA(sha) {
		return "", fmt.Errorf("blob: %q is not a SHA-256", sha)
	}
	return s.prefix + sha, nil
}

func missing(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// Put uploads the object unless it is there, checking what it sends against
// sha. A reader that is also an io.ReaderAt (the spooled file) is hashed in
// place first and then sent in parts read in place; any other reader is
// hashed as it is sent, and an object that turns out not to match is removed
// again. Memory is bounded by the part size either way.
func (s *S3) Put(ctx context.Context, sha string, r io.Reader, size int64, contentType string) error {
	key, err := s.key(sha)
	if err != nil {
		return err
	}
	if _, err := s.cl.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{}); err == nil {
		return nil
	} else if !missing(err) {
		return err
	}
	var sent *sentReader
	if ra, ok := r.(io.ReaderAt); ok {
		got, n, err := Hash(io.NewSectionReader(ra, 0, size+1))
		if err != nil {
			return err
		}
		if n != size || got != sha {
			return fmt.Errorf("blob: content (%d bytes) hashes to %s, not %s (%d bytes)", n, got, sha, size)
		}
		r = io.NewSectionReader(ra, 0, size)
	} else {
		sent = &sentReader{r: r, h: sha256.New()}
		r = sent
	}
	_, err = s.cl.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType: contentType, PartSize: 16 << 20, UserMetadata: map[string]string{"sha256": sha},
	})
	if err != nil {
		return err
	}
	if sent != nil {
		if got := hex.EncodeToString(sent.h.Sum(nil)); sent.n != size || got != sha {
			_ = s.cl.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
			return fmt.Errorf("blob: content (%d bytes) hashes to %s, not %s (%d bytes)", sent.n, got, sha, size)
		}
	}
	return nil
}

// sentReader hashes and counts what is read through it.
type sentReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (s *sentReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return n, err
}

type s3Object struct {
	*minio.Object
	info minio.ObjectInfo
}

func (o s3Object) Size() int64        { return o.info.Size }
func (o s3Object) ModTime() time.Time { return o.info.LastModified }

// Open opens the object; reads and seeks become ranged GETs.
func (s *S3) Open(ctx context.Context, sha string) (Object, error) {
	key, err := s.key(sha)
	if err != nil {
		return nil, ErrNotFound
	}
	o, err := s.cl.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	info, err := o.Stat()
	if err != nil {
		o.Close()
		if missing(err) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return s3Object{Object: o, info: info}, nil
}

// Delete removes the object; a missing one is not an error.
func (s *S3) Delete(ctx context.Context, sha string) error {
	key, err := s.key(sha)
	if err != nil {
		return err
	}
	err = s.cl.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && missing(err) {
		return nil
	}
	return err
}
