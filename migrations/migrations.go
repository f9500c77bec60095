// Package migrations holds the versioned SQL schema, embedded, and applies it
// with goose. The same files run on SQLite and PostgreSQL; the few that
// cannot (triggers: SQLite writes the body inline, PostgreSQL calls a
// plpgsql function) live in sqlite/ and postgres/, one file per version in
// each, and each dialect sees the shared files plus its own folder's.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql sqlite/*.sql postgres/*.sql
var files embed.FS

// FS is the embedded migration files: the shared ones at the top, each
// dialect's own under its folder.
func FS() fs.FS { return files }

// dialectFS is what goose reads for dialect ("sqlite" or "postgres"): the
// shared files with the dialect's folder laid over them.
func dialectFS(dialect string) (fs.FS, error) {
	own, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	return overlay{base: files, top: own}, nil
}

// overlay reads a name from top, else from base, and lists both.
type overlay struct{ base, top fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if f, err := o.top.Open(name); err == nil {
		return f, nil
	}
	return o.base.Open(name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]bool{}
	var out []fs.DirEntry
	var firstErr error
	found := false
	for _, f := range []fs.FS{o.top, o.base} {
		entries, err := fs.ReadDir(f, name)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		found = true
		for _, e := range entries {
			if !seen[e.Name()] {
				seen[e.Name()] = true
				out = append(out, e)
			}
		}
	}
	if !found {
		return nil, firstErr
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Up applies every pending migration. dialect is "sqlite" or "postgres". On
// PostgreSQL a session advisory lock lets several portal processes start at
// once against one database.
func Up(ctx context.Context, db *sql.DB, dialect string) ([]*goose.MigrationResult, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	return p.Up(ctx)
}

// Version reports the current schema version.
func Version(ctx context.Context, db *sql.DB, dialect string) (int64, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	var opts []goose.ProviderOption
	var d goose.Dialect
	switch dialect {
	case "sqlite":
		d = goose.DialectSQLite3
	case "postgres":
		d = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	fsys, err := dialectFS(dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(d, db, fsys, opts...)
}
