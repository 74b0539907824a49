package models

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/kactoily/privacydesk/migrations"
)

func (db *DB) gooseProvider() (*goose.Provider, error) {
	if db.Dialect == DialectMySQL {
		return nil, Errorf(EInvalid, "a MySQL/MariaDB database is a store's, and Privacy Desk never migrates it")
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == DialectPostgres {
		dialect = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations.FS, db.Dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.SQL, sub)
}

// Migrate applies every pending schema migration and returns how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.gooseProvider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate schema: %w", err)
	}
	return len(res), nil
}

// MigrationsPending reports whether the schema is behind the embedded migrations.
func (db *DB) MigrationsPending(ctx context.Context) (bool, error) {
	p, err := db.gooseProvider()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}
