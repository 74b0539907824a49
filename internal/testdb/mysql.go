package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/kactoily/privacydesk/models"
)

// MySQLEnv names the variable holding the test MySQL/MariaDB server's URL,
// such as mysql://root@127.0.0.1:3306/test. MySQL serves only as a store's
// database, so only store tests use it.
const MySQLEnv = "PRIVACYDESK_TEST_MYSQL_URL"

// StoreDialects lists the dialects a store database can be on: sqlite,
// postgres when PRIVACYDESK_TEST_POSTGRES_URL is set, and mysql when
// PRIVACYDESK_TEST_MYSQL_URL is set or CI=true (where MySQLURL then fails
// the test rather than skip it).
func StoreDialects() []string {
	ds := Dialects()
	if os.Getenv(MySQLEnv) != "" || os.Getenv("CI") == "true" {
		ds = append(ds, models.DialectMySQL)
	}
	return ds
}

// EachStore runs f as a subtest per StoreDialects dialect.
func EachStore(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range StoreDialects() {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

// StoreURL returns the URL of a new, empty store database for the test on
// dialect: as URL for sqlite and postgres, MySQLURL for mysql.
func StoreURL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == models.DialectMySQL {
		return MySQLURL(t)
	}
	return URL(t, dialect)
}

// OpenStore returns a fresh, empty store database on dialect, closed when
// the test ends.
func OpenStore(t testing.TB, dialect string) *models.DB {
	t.Helper()
	db, err := models.OpenStore(context.Background(), StoreURL(t, dialect), models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// MySQLURL returns the URL of a new, empty database on the test MySQL or
// MariaDB server, dropped when the test ends. It skips the test when
// PRIVACYDESK_TEST_MYSQL_URL is unset, and fails it instead when CI=true.
func MySQLURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(MySQLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(MySQLEnv + " is not set (required when CI=true)")
		}
		t.Skip(MySQLEnv + " is not set")
	}
	ctx := context.Background()
	admin, err := models.OpenStore(ctx, base, models.OpenOptions{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE " + name).Error; err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
