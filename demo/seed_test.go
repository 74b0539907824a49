package demo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/kactoily/privacydesk/migrations"
	"github.com/kactoily/privacydesk/store"
)

// seedNow is the fixed clock of these tests; seedDay is its midnight, the
// latest time any seeded record may carry.
var (
	seedNow = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)
	seedDay = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
)

type backend struct {
	name string
	open func(t *testing.T) *gorm.DB
}

// backends lists SQLite always and PostgreSQL when PRIVACYDESK_TEST_POSTGRES_URL is set.
func backends() []backend {
	bs := []backend{{"sqlite", openSQLite}}
	if os.Getenv("PRIVACYDESK_TEST_POSTGRES_URL") != "" {
		bs = append(bs, backend{"postgres", openPostgres})
	}
	return bs
}

var gormConfig = &gorm.Config{TranslateError: true, Logger: logger.Discard}

// openSQLite returns a fresh, migrated SQLite file in the test's temp dir.
func openSQLite(t *testing.T) *gorm.DB {
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate"), gormConfig)
	if err != nil {
		t.Fatal(err)
	}
	migrate(t, db, goose.DialectSQLite3, "sqlite")
	return db
}

// openPostgres returns a connection to a fresh, migrated schema that is
// dropped when the test ends.
func openPostgres(t *testing.T) *gorm.DB {
	base := os.Getenv("PRIVACYDESK_TEST_POSTGRES_URL")
	admin, err := gorm.Open(postgres.Open(base), gormConfig)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := gorm.Open(postgres.Open(u.String()), gormConfig)
	if err != nil {
		t.Fatal(err)
	}
	migrate(t, db, goose.DialectPostgres, "postgres")
	return db
}

// migrate applies the embedded migrations and closes the pool at cleanup.
func migrate(t *testing.T, db *gorm.DB, dialect goose.Dialect, dir string) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, sqlDB, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestSeed(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			start := time.Now()
			stats, err := Seed(t.Context(), db, seedNow)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("seeded %d rows in %v: %s", stats.Total(), time.Since(start).Round(time.Millisecond), stats)
			if stats.Skipped || stats.Customers < 290 || stats.Customers > 310 {
				t.Fatalf("want about 300 customers seeded, got %+v", stats)
			}

			t.Run("inserted rows match the stats", func(t *testing.T) { checkCounts(t, db, stats) })
			t.Run("second call on a non-empty store is skipped", func(t *testing.T) {
				again, err := Seed(t.Context(), db, seedNow.Add(48*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if again != (Stats{Skipped: true}) {
					t.Fatalf("want Stats{Skipped: true}, got %+v", again)
				}
				checkCounts(t, db, stats)
			})
			t.Run("same day in another zone gives identical rows", func(t *testing.T) {
				other := b.open(t)
				later := seedNow.Add(12*time.Hour + 40*time.Minute).In(time.FixedZone("UTC-5", -5*3600))
				stats2, err := Seed(t.Context(), other, later)
				if err != nil {
					t.Fatal(err)
				}
				if stats2 != stats {
					t.Fatalf("stats differ:\n%+v\n%+v", stats, stats2)
				}
				h1, n1 := fingerprint(t, db)
				h2, n2 := fingerprint(t, other)
				if n1 != stats.Total() || n2 != stats.Total() {
					t.Fatalf("fingerprint read %d and %d rows, want %d", n1, n2, stats.Total())
				}
				if h1 != h2 {
					t.Fatal("two seeds on the same day differ")
				}
			})
			t.Run("heavy customer has thousands of records", func(t *testing.T) { checkHeavy(t, db) })
			t.Run("empty customers hold only the account", func(t *testing.T) { checkEmpty(t, db) })
			t.Run("the two Jane Does are distinct and share an address", func(t *testing.T) { checkJanes(t, db) })
			t.Run("alex has active and expired warranties and guest records", func(t *testing.T) { checkAlex(t, db) })
			t.Run("payment references are never card numbers", func(t *testing.T) { checkPayments(t, db) })
			t.Run("only reserved domains, documentation IPs and past times", func(t *testing.T) { checkHygiene(t, db) })
		})
	}
}

func count(t *testing.T, q *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func checkCounts(t *testing.T, db *gorm.DB, s Stats) {
	want := []int{s.Customers, s.Addresses, s.MarketingPreferences, s.ConsentChoices, s.Orders, s.OrderLines,
		s.ProductRegistrations, s.ExtendedWarranties, s.SupportTickets, s.SupportMessages, s.Attachments, s.ActivityRecords}
	for i, m := range store.StoreModels() {
		if got := count(t, db.Model(m)); got != int64(want[i]) || got == 0 {
			t.Errorf("%T: %d rows, stats say %d", m, got, want[i])
		}
	}
}

// fingerprint hashes every column of every store row in id order and
// returns the hash and the number of rows read.
func fingerprint(t *testing.T, db *gorm.DB) (string, int) {
	h := sha256.New()
	n := 0
	for _, m := range store.StoreModels() {
		rows, err := db.Model(m).Order("id").Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			h.Write([]byte{'\n'})
			n++
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func customer(t *testing.T, db *gorm.DB, email string) store.Customer {
	t.Helper()
	var c store.Customer
	if err := db.Where("email = ?", email).Take(&c).Error; err != nil {
		t.Fatalf("customer %s: %v", email, err)
	}
	return c
}

func checkHeavy(t *testing.T, db *gorm.DB) {
	c := customer(t, db, HeavyCustomerEmail)
	orders := count(t, db.Model(&store.Order{}).Where("customer_id = ?", c.ID))
	lines := count(t, db.Model(&store.OrderLine{}).
		Where("order_id IN (?)", db.Model(&store.Order{}).Select("id").Where("customer_id = ?", c.ID)))
	tickets := count(t, db.Model(&store.SupportTicket{}).Where("customer_id = ?", c.ID))
	messages := count(t, db.Model(&store.SupportMessage{}).
		Where("ticket_id IN (?)", db.Model(&store.SupportTicket{}).Select("id").Where("customer_id = ?", c.ID)))
	activity := count(t, db.Model(&store.ActivityRecord{}).Where("customer_id = ?", c.ID))
	t.Logf("heavy customer: %d orders, %d lines, %d tickets, %d messages, %d page views", orders, lines, tickets, messages, activity)
	if orders < 2000 || lines < 2*orders || tickets < 200 || messages < 3*tickets-10 || activity < 2000 {
		t.Fatal("heavy customer's history is too small")
	}
}

func checkEmpty(t *testing.T, db *gorm.DB) {
	emails := EmptyCustomerEmails()
	if len(emails) < 10 {
		t.Fatalf("want 10 empty customers, have %d", len(emails))
	}
	for _, e := range emails {
		c := customer(t, db, e)
		for _, m := range store.StoreModels()[1:] {
			q := db.Model(m)
			switch m.(type) {
			case *store.OrderLine, *store.SupportMessage, *store.Attachment:
				continue // reached through their parents
			case *store.Order, *store.SupportTicket:
				q = q.Where("customer_id = ? OR email = ?", c.ID, e)
			default:
				q = q.Where("customer_id = ?", c.ID)
			}
			if n := count(t, q); n != 0 {
				t.Errorf("%s has %d %T rows", e, n, m)
			}
		}
	}
}

func checkJanes(t *testing.T, db *gorm.DB) {
	a, b := customer(t, db, JaneDoeEmail), customer(t, db, JaneDoeNetEmail)
	if a.ID == b.ID || a.FullName() != "Jane Doe" || b.FullName() != "Jane Doe" {
		t.Fatalf("want two customers named Jane Doe, got %q (%d) and %q (%d)", a.FullName(), a.ID, b.FullName(), b.ID)
	}
	for _, c := range []store.Customer{a, b} {
		var addr store.Address
		err := db.Where("customer_id = ? AND kind = ?", c.ID, store.AddressShipping).Take(&addr).Error
		if err != nil || addr.Line1 != SharedAddressLine1 || addr.PostalCode != "62704" {
			t.Errorf("%s: shipping address %+v, %v", c.Email, addr, err)
		}
		if n := count(t, db.Model(&store.Order{}).Where("customer_id = ? AND shipping_line1 = ?", c.ID, SharedAddressLine1)); n == 0 {
			t.Errorf("%s has no order shipped to the shared address", c.Email)
		}
	}
}

func checkAlex(t *testing.T, db *gorm.DB) {
	c := customer(t, db, AlexMorganEmail)
	var ws []store.ExtendedWarranty
	if err := db.Where("customer_id = ?", c.ID).Find(&ws).Error; err != nil {
		t.Fatal(err)
	}
	var active, expired int
	for _, w := range ws {
		if w.Active(seedNow) {
			active++
		} else if w.Paid && w.EndsAt.Before(seedNow) {
			expired++
		}
	}
	if active == 0 || expired == 0 {
		t.Errorf("want an active and an expired paid warranty, got %+v", ws)
	}
	if n := count(t, db.Model(&store.Order{}).Where("customer_id = ?", c.ID)); n != 4 {
		t.Errorf("alex has %d orders, want 4", n)
	}
	for _, m := range []any{&store.Order{}, &store.SupportTicket{}} {
		if n := count(t, db.Model(m).Where("customer_id IS NULL AND email = ?", AlexMorganEmail)); n == 0 {
			t.Errorf("no guest %T under alex's email", m)
		}
	}
	for _, m := range []any{&store.Address{}, &store.MarketingPreference{}, &store.ConsentChoice{}, &store.ProductRegistration{}, &store.SupportTicket{}, &store.ActivityRecord{}} {
		if n := count(t, db.Model(m).Where("customer_id = ?", c.ID)); n == 0 {
			t.Errorf("alex has no %T", m)
		}
	}
}

// cardLike matches 13 to 19 digits, optionally separated by spaces or dashes.
var cardLike = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)

func checkPayments(t *testing.T, db *gorm.DB) {
	var refs []string
	if err := db.Model(&store.Order{}).Pluck("payment_reference", &refs).Error; err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 {
		t.Fatal("no orders")
	}
	for _, r := range refs {
		if cardLike.MatchString(r) || len(r) != 17 {
			t.Fatalf("payment reference %q does not look like a PayPal transaction id", r)
		}
	}
	if n := count(t, db.Model(&store.Order{}).Where("payment_provider <> ?", "paypal")); n != 0 {
		t.Errorf("%d orders not paid by PayPal", n)
	}
}

func checkHygiene(t *testing.T, db *gorm.DB) {
	zero := map[string]*gorm.DB{
		"non-example customer emails": db.Model(&store.Customer{}).
			Where("email NOT LIKE ? AND email NOT LIKE ? AND email NOT LIKE ?", "%@example.com", "%@example.net", "%@example.org"),
		"upper-case customer emails": db.Model(&store.Customer{}).Where("email <> lower(email)"),
		"non-example order emails": db.Model(&store.Order{}).
			Where("email NOT LIKE ? AND email NOT LIKE ? AND email NOT LIKE ?", "%@example.com", "%@example.net", "%@example.org"),
		"activity IPs outside RFC 5737": db.Model(&store.ActivityRecord{}).
			Where("ip_address NOT LIKE ? AND ip_address NOT LIKE ? AND ip_address NOT LIKE ?", "192.0.2.%", "198.51.100.%", "203.0.113.%"),
		"consent IPs outside RFC 5737": db.Model(&store.ConsentChoice{}).
			Where("ip_address NOT LIKE ? AND ip_address NOT LIKE ? AND ip_address NOT LIKE ?", "192.0.2.%", "198.51.100.%", "203.0.113.%"),
		"pages off www.kactoily.com": db.Model(&store.ActivityRecord{}).Where("page_url NOT LIKE ?", "https://www.kactoily.com/%"),
	}
	for what, q := range zero {
		if n := count(t, q); n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}
	for _, m := range []any{&store.ConsentChoice{}, &store.ActivityRecord{}} {
		if n := count(t, db.Model(m).Where("customer_id IS NULL")); n == 0 {
			t.Errorf("no anonymous %T", m)
		}
	}
	for _, c := range []struct {
		model any
		col   string
	}{
		{&store.Customer{}, "created_at"}, {&store.Customer{}, "last_login_at"}, {&store.Order{}, "placed_at"},
		{&store.ProductRegistration{}, "registered_at"}, {&store.SupportMessage{}, "sent_at"},
		{&store.SupportTicket{}, "closed_at"}, {&store.ActivityRecord{}, "occurred_at"}, {&store.ConsentChoice{}, "recorded_at"},
	} {
		var ts []time.Time
		if err := db.Model(c.model).Where(c.col+" IS NOT NULL").Pluck(c.col, &ts).Error; err != nil {
			t.Fatal(err)
		}
		for _, ts := range ts {
			if ts.After(seedDay) {
				t.Errorf("%T.%s = %v is after the seeding day's midnight", c.model, c.col, ts)
				break
			}
		}
	}
}
