package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Local keeps objects in a folder: <root>/<first two hex digits>/<sha>,
// written to a temporary file and renamed into place, so a reader never sees
// half an object; files are made read-only.
type Local struct{ root string }

// NewLocal opens (and makes) the folder.
func NewLocal(root string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o700); err != nil {
		return nil, err
	}
	return &Local{root: root}, nil
}

// Kind is "local".
func (l *Local) Kind() string { return "local" }

// TempDir is where uploads are spooled: on the same file system as the
// objects, so Put is a rename.
func (l *Local) TempDir() string { return filepath.Join(l.root, "tmp") }

func (l *Local) path(sha string) (string, error) {
	if !ValidSHA(sha) {
		return "", fmt.Errorf("blob: %q is not a SHA-256", sha)
	}
	return filepath.Join(l.root, sha[:2], sha), nil
}

// Put writes the object unless it is there.
func (l *Local) Put(ctx context.Context, sha string, r io.Reader, size int64, _ string) error {
	p, err := l.path(sha)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(l.TempDir(), "put-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	n, err := io.Copy(f, checkedReader(r, sha))
	if err == nil && n != size {
		err = fmt.Errorf("blob: wrote %d bytes, expected %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o400); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

type localObject struct {
	*os.File
	info fs.FileInfo
}

func (o localObject) Size() int64        { return o.info.Size() }
func (o localObject) ModTime() time.Time { return o.info.ModTime() }

// Open opens the object for reading.
func (l *Local) Open(_ context.Context, sha string) (Object, error) {
	p, err := l.path(sha)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return localObject{File: f, info: info}, nil
}

// Delete removes the object; a missing one is not an error.
func (l *Local) Delete(_ context.Context, sha string) error {
	p, err := l.path(sha)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
