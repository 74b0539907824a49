// Package wooshop gives tests a store database in the shape of a
// WooCommerce shop (store/testdata/woocommerce): WordPress users with
// key/value user meta, HPOS orders with billing columns and guest orders
// keyed by email, order addresses and items, and comments used as support
// notes with their comment meta. The shop's own SQL creates it, on MariaDB or SQLite; Privacy
// Desk reads it only through the dataset file described there.
package wooshop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// The seeded people (see seed.sql).
const (
	DanaEmail   = "dana.whitfield@example.com" // account 1: meta rows, old, recent and guest orders, a support note
	DanaID      = 1
	OliviaEmail = "olivia.other@example.org" // account 2: another customer
	OliviaID    = 2
	GusEmail    = "gus.guest@example.net" // no account: guest orders only
	AgentName   = "Priya Shah"            // the support agent named in notes
	AgentID     = 3

	DanaOldOrder    = 1001 // placed more than 7 years ago
	DanaRecentOrder = 1002
	DanaGuestOrder  = 1003 // customer_id 0, billing email in other letter case
	OliviaOrder     = 1004
	GusRecentOrder  = 1005
	GusOldOrder     = 1006
	DanaNote        = 501 // names the agent
	OliviaNote      = 503
	GusNote         = 504
)

// Dir returns the folder of the shop's schema, seed and dataset file.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "store", "testdata", "woocommerce")
}

// DatasetPath returns the dataset file describing the shop.
func DatasetPath() string { return filepath.Join(Dir(), "woocommerce.yaml") }

var agoRE = regexp.MustCompile(`\{\{ago (\d+)\}\}`)

// Create makes the shop's tables in db (MariaDB or SQLite) and fills them
// with the seed, its dates counted back from now. It fails the test on
// any error.
func Create(t testing.TB, db *models.DB, now time.Time) {
	t.Helper()
	schema := "schema.sqlite.sql"
	switch db.Dialect {
	case models.DialectMySQL:
		schema = "schema.mariadb.sql"
	case models.DialectSQLite:
	default:
		t.Fatalf("wooshop: no schema for %s", db.Dialect)
	}
	for _, name := range []string{schema, "seed.sql"} {
		b, err := os.ReadFile(filepath.Join(Dir(), name))
		if err != nil {
			t.Fatal(err)
		}
		text := agoRE.ReplaceAllStringFunc(string(b), func(m string) string {
			days, _ := strconv.Atoi(agoRE.FindStringSubmatch(m)[1])
			return now.UTC().AddDate(0, 0, -days).Format(time.DateTime)
		})
		for i, stmt := range statements(text) {
			if err := db.Exec(stmt).Error; err != nil {
				t.Fatalf("wooshop %s statement %d: %v\n%s", name, i+1, err, stmt)
			}
		}
	}
}

// statements splits a SQL file into its statements: comment lines
// dropped, split at a semicolon ending a line.
func statements(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Count returns the number of rows of table matching where (SQL with ?
// arguments), failing the test on error.
func Count(t testing.TB, db *models.DB, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", table, where), args...).Scan(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
