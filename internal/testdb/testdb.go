// Package testdb gives tests a fresh, migrated database: a SQLite file per
// test, a throwaway schema on PostgreSQL when PRIVACYDESK_TEST_POSTGRES_URL
// is set and, for store databases only, a throwaway MySQL/MariaDB database
// when PRIVACYDESK_TEST_MYSQL_URL is set.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for the admin connection

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// PostgresEnv names the variable holding the test PostgreSQL server's URL.
const PostgresEnv = "PRIVACYDESK_TEST_POSTGRES_URL"

// Dialects lists sqlite, and postgres when the test server is configured.
func Dialects() []string {
	ds := []string{models.DialectSQLite}
	if os.Getenv(PostgresEnv) != "" {
		ds = append(ds, models.DialectPostgres)
	}
	return ds
}

// Each runs f as a subtest per available dialect.
func Each(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

// URL returns the URL of a new, empty database for the test: a file in its
// temp dir, or a PostgreSQL schema dropped when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == models.DialectSQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "privacydesk.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a fresh database with Privacy Desk's schema and River's,
// closed when the test ends.
func Open(t testing.TB, dialect string) *models.DB {
	t.Helper()
	db := OpenEmpty(t, dialect)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := workflows.MigrateJobs(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// OpenEmpty returns a fresh database with no schema at all.
func OpenEmpty(t testing.TB, dialect string) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), URL(t, dialect), models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
