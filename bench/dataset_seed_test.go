package bench_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// The dataset-plans benchmark's store: the demo store (about 300
// customers, among them the person whose statements are explained) with a
// crowd of other customers added around it, so that every table the demo
// dataset file describes is big: a million orders (10 % of them guest
// orders under their own emails), order lines, support messages and page
// views, and 100,000 to 300,000 rows in every other table. The rows are
// generated inside the database (a recursive CTE on SQLite,
// generate_series on PostgreSQL): one INSERT … SELECT per table.

// crowdBase is added to every generated id, so none collides with the
// demo store's.
const crowdBase = 10_000_000

const crowdSeedVersion = "1" // bump when the generated rows change

// crowdTable is one table's generated rows: n rows, the columns and, for
// each, an SQL expression of i (1..n) that both databases accept.
type crowdTable struct {
	table string
	n     int
	cols  []string
	exprs []string
}

const (
	crowdCustomers = 100_000
	crowdOrders    = 1_000_000
	crowdRegs      = 100_000
	crowdTickets   = 300_000
	crowdMessages  = 1_000_000
)

// crowdTables are the generated tables, parents first. {ts:EXPR} is a
// time EXPR days before heavyNow; {cust:EXPR} a crowd customer's id.
var crowdTables = []crowdTable{
	{"store_customers", crowdCustomers,
		strings.Fields("id email first_name last_name phone date_of_birth created_at updated_at last_login_at"),
		[]string{"{id}", "'crowd' || i || '@example.net'", "'Crowd'", "'Customer ' || i", "'+1 555 ' || i", "NULL",
			"{ts:i % 3650}", "{ts:i % 365}", "{ts:i % 30}"}},
	{"store_addresses", crowdCustomers,
		strings.Fields("id customer_id kind recipient_name line1 line2 city region postal_code country phone"),
		[]string{"{id}", "{cust:i}", "'shipping'", "'Crowd Customer ' || i", "i || ' Main St'", "''", "'Springfield'",
			"'IL'", "'62704'", "'US'", "'+1 555 ' || i"}},
	{"store_marketing_preferences", crowdCustomers,
		strings.Fields("id customer_id email_marketing sms_marketing personalized_ads sale_sharing analytics updated_at"),
		[]string{"{id}", "{cust:i}", "(i % 2 = 0)", "(i % 3 = 0)", "(i % 5 = 0)", "(i % 7 = 0)", "(i % 2 = 1)", "{ts:i % 365}"}},
	{"store_consent_choices", 2 * crowdCustomers,
		strings.Fields("id customer_id visitor_id category granted recorded_at ip_address user_agent"),
		[]string{"{id}", "{cust:i}", "'v-' || i", "CASE WHEN i % 2 = 0 THEN 'analytics' ELSE 'advertising' END", "(i % 3 = 0)",
			"{ts:i % 365}", "'198.51.100.1'", "'Firefox'"}},
	{"store_orders", crowdOrders,
		strings.Fields("id customer_id number placed_at status currency total_cents email phone shipping_name shipping_line1 " +
			"shipping_line2 shipping_city shipping_region shipping_postal_code shipping_country payment_provider payment_reference anonymized_at"),
		[]string{"{id}", "CASE WHEN i % 10 = 0 THEN NULL ELSE {cust:i} END", "'KT-C' || i", "{ts:i % 4380}", "'delivered'", "'USD'",
			"1999", "CASE WHEN i % 10 = 0 THEN 'guest' || i || '@example.org' ELSE 'crowd' || (i % 100000 + 1) || '@example.net' END",
			"''", "'Crowd Customer'", "'1 Main St'", "''", "'Springfield'", "'IL'", "'62704'", "'US'", "'paypal'", "'PAYID-C' || i", "NULL"}},
	{"store_order_lines", crowdOrders,
		strings.Fields("id order_id sku product_name quantity unit_price_cents"),
		[]string{"{id}", "{base} + i", "'KT-BUDS-2'", "'Kactoily Buds 2'", "1", "1999"}},
	{"store_product_registrations", crowdRegs,
		strings.Fields("id customer_id product_name sku serial_number purchased_at registered_at"),
		[]string{"{id}", "{cust:i}", "'Kactoily Buds 2'", "'KT-BUDS-2'", "'SN-C-' || i", "{ts:i % 1500 + 10}", "{ts:i % 1500}"}},
	{"store_extended_warranties", crowdRegs,
		strings.Fields("id registration_id customer_id plan price_cents paid starts_at ends_at anonymized_at"),
		[]string{"{id}", "{base} + i", "{cust:i}", "'Kactoily Care 3y'", "4900", "(i % 4 <> 0)", "{ts:i % 1500}", "{ts:i % 1500 - 1095}", "NULL"}},
	{"store_support_tickets", crowdTickets,
		strings.Fields("id customer_id email subject status channel created_at closed_at anonymized_at"),
		[]string{"{id}", "CASE WHEN i % 10 = 0 THEN NULL ELSE {cust:i} END",
			"CASE WHEN i % 10 = 0 THEN 'guest' || i || '@example.org' ELSE 'crowd' || (i % 100000 + 1) || '@example.net' END",
			"'Where is my order?'", "'closed'", "'email'", "{ts:i % 3650}", "{ts:i % 3650 - 3}", "NULL"}},
	{"store_support_messages", crowdMessages,
		strings.Fields("id ticket_id author_kind author_name body sent_at"),
		[]string{"{id}", "{base} + (i % 300000) + 1", "CASE WHEN i % 2 = 0 THEN 'agent' ELSE 'customer' END",
			"CASE WHEN i % 2 = 0 THEN 'Priya Natarajan' ELSE 'Crowd Customer' END", "'Hello, about my order.'", "{ts:i % 3650}"}},
	{"store_attachments", crowdRegs,
		strings.Fields("id message_id file_name content_type size_bytes storage_key"),
		[]string{"{id}", "{base} + i * 10", "'photo.jpg'", "'image/jpeg'", "250000", "'support/crowd/' || i"}},
	{"store_activity_records", crowdOrders,
		strings.Fields("id customer_id visitor_id ip_address user_agent browser os page_url referrer occurred_at"),
		[]string{"{id}", "{cust:i}", "'v-' || (i % 200000)", "'198.51.100.1'", "'Firefox'", "'Firefox'", "'Linux'",
			"'https://www.kactoily.com/'", "''", "{ts:i % 1825}"}},
}

// seedCrowd inserts crowdTables, one INSERT … SELECT per table.
func seedCrowd(ctx context.Context, db *models.DB) error {
	for _, t := range crowdTables {
		if err := db.WithContext(ctx).Exec(crowdInsert(db.Dialect, t)).Error; err != nil {
			return fmt.Errorf("seed %s: %w", t.table, err)
		}
	}
	return nil
}

// crowdInsert is the statement generating t's rows on dialect.
func crowdInsert(dialect string, t crowdTable) string {
	exprs := make([]string, len(t.exprs))
	for k, e := range t.exprs {
		e = strings.ReplaceAll(e, "{id}", fmt.Sprintf("%d + i", crowdBase))
		e = strings.ReplaceAll(e, "{base}", fmt.Sprint(crowdBase))
		for {
			start := strings.Index(e, "{")
			if start < 0 {
				break
			}
			end := strings.Index(e[start:], "}") + start
			kind, arg, _ := strings.Cut(e[start+1:end], ":")
			var sub string
			switch kind {
			case "cust":
				sub = fmt.Sprintf("(%d + ((%s) %% %d) + 1)", crowdBase, arg, crowdCustomers)
			case "ts":
				if dialect == models.DialectPostgres {
					sub = fmt.Sprintf("(timestamptz '%s' - (%s) * interval '1 day')", heavyNow.Format(time.RFC3339), arg)
				} else {
					sub = fmt.Sprintf("datetime('%s', (-(%s)) || ' days')", heavyNow.Format("2006-01-02 15:04:05"), arg)
				}
			}
			e = e[:start] + sub + e[end+1:]
		}
		exprs[k] = e
	}
	sel := "SELECT " + strings.Join(exprs, ", ")
	ins := "INSERT INTO " + t.table + " (" + strings.Join(t.cols, ", ") + ") "
	if dialect == models.DialectPostgres {
		return ins + sel + fmt.Sprintf(" FROM generate_series(1, %d) AS s(i)", t.n)
	}
	return fmt.Sprintf("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) ", t.n) + ins + sel + " FROM s"
}

// crowdRows is how many rows seedCrowd adds.
func crowdRows() int {
	n := 0
	for _, t := range crowdTables {
		n += t.n
	}
	return n
}

// crowdStore returns the URL of a store with the demo store and the crowd,
// Privacy Desk's schema applied, private to the test: a copy of a SQLite
// file or PostgreSQL database (analyzed) built once per schema and seed
// version. seeding says how it got there.
func crowdStore(tb testing.TB, dialect string) (url, seeding string) {
	tb.Helper()
	ctx := context.Background()
	build := func(url string) (time.Duration, error) {
		db, err := models.Open(ctx, url, models.OpenOptions{Now: func() time.Time { return heavyNow }})
		if err != nil {
			return 0, err
		}
		defer db.Close()
		start := time.Now()
		if _, err := db.Migrate(ctx); err != nil {
			return 0, err
		}
		if err := workflows.MigrateJobs(ctx, db); err != nil {
			return 0, err
		}
		if _, err := demo.Seed(ctx, db.DB, heavyNow); err != nil {
			return 0, err
		}
		if err := seedCrowd(ctx, db); err != nil {
			return 0, err
		}
		if db.Dialect == models.DialectPostgres {
			// Autovacuum analyzes a table this changed within a minute; do
			// it now. SQLite gets no statistics: Privacy Desk never runs
			// ANALYZE on it, so its planner decides as in production.
			for _, t := range crowdTables {
				if err := db.Exec("ANALYZE " + t.table).Error; err != nil {
					return 0, err
				}
			}
		}
		return time.Since(start), nil
	}
	version := seedVersion(tb, dialect, "crowd seed "+crowdSeedVersion)
	if dialect == models.DialectPostgres {
		return crowdPostgres(tb, version, build)
	}
	path := filepath.Join(benchCache, "crowd-"+version+".db")
	seeding = cachedSQLiteFile(tb, path, func(tmp string) (time.Duration, error) { return build("sqlite:" + tmp) })
	return heavyCopy(tb, path), seeding
}

// crowdPostgres returns a private copy (CREATE DATABASE … TEMPLATE, a file
// copy) of a PostgreSQL database holding the crowd store, built once per
// schema and seed version as privacydesk_bench_crowd_VERSION and kept on the
// server (PRIVACYDESK_BENCH_FRESH=1 rebuilds it).
func crowdPostgres(tb testing.TB, version string, build func(url string) (time.Duration, error)) (string, string) {
	tb.Helper()
	base := os.Getenv(testdb.PostgresEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	dbURL := func(name string) string {
		u, err := neturl.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	tmpl := "privacydesk_bench_crowd_" + version
	var exists bool
	if err := admin.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		tb.Fatal(err)
	}
	seeding := "the template database " + tmpl
	if !exists || os.Getenv("PRIVACYDESK_BENCH_FRESH") != "" {
		building := tmpl + "_building"
		for _, q := range []string{"DROP DATABASE IF EXISTS " + building, "CREATE DATABASE " + building} {
			if _, err := admin.Exec(q); err != nil {
				tb.Fatal(err)
			}
		}
		took, err := build(dbURL(building))
		if err != nil {
			tb.Fatalf("seed the crowd: %v", err)
		}
		for _, q := range []string{"DROP DATABASE IF EXISTS " + tmpl, "ALTER DATABASE " + building + " RENAME TO " + tmpl} {
			if _, err := admin.Exec(q); err != nil {
				tb.Fatal(err)
			}
		}
		seeding = fmt.Sprintf("seeded in %.1fs into the template database %s", took.Seconds(), tmpl)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "privacydesk_bench_" + hex.EncodeToString(b)
	start := time.Now()
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl); err != nil {
		tb.Fatal(err)
	}
	seeding += fmt.Sprintf(", copied in %.1fs", time.Since(start).Seconds())
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err == nil {
			_, err = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
		if err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	return dbURL(name), seeding
}
