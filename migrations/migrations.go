// Package migrations holds the versioned SQL schema, embedded, and applies it
// with goose. The same files run on SQLite and PostgreSQL.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// FS is the embedded migration files.
func FS() fs.FS { return files }

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
	return goose.NewProvider(d, db, files, opts...)
}
