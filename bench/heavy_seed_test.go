package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// The heavy customer of issue 6, added to the demo store (about 300 other
// customers): 10,000 orders (1% placed as a guest under the same email)
// with 50,000 lines, 1,000 support tickets with 10,000 messages (half by
// agents, whose names the export redacts) and 1,000 attachments, 100,000
// page views, plus an account's addresses, preferences, consents and
// warranty registrations. Orders span 12 years, so erasure deletes the ones
// older than the 7-year accounting period and anonymizes the rest.
const (
	heavyEmail         = "bench.heavy@example.com"
	heavyOrders        = 10_000
	heavyLinesPerOrder = 5
	heavyGuestEvery    = 100 // every 100th order is a guest order
	heavyTickets       = 1_000
	heavyMsgsPerTicket = 10
	heavyAttachEvery   = 10 // one attachment per 10 messages
	heavyActivity      = 100_000
	heavyRegistrations = 10
	heavySeedVersion   = "1" // bump when the generated rows change, to rebuild cached files
)

// heavyNow is the clock of the heavy-customer benchmarks; the store is
// seeded relative to it.
var heavyNow = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// heavyTemplate returns a migrated SQLite file holding the demo store and
// the heavy customer, built once per schema and seed version under the
// temp dir (PRIVACYDESK_BENCH_FRESH=1 rebuilds it), and how it got there.
func heavyTemplate(tb testing.TB) (path, seeding string) {
	tb.Helper()
	path = filepath.Join(benchCache, "heavy-"+seedVersion(tb, models.DialectSQLite, "heavy seed "+heavySeedVersion)+".db")
	return path, cachedSQLiteFile(tb, path, func(tmp string) (time.Duration, error) {
		ctx := context.Background()
		db, err := models.Open(ctx, "sqlite:"+tmp, models.OpenOptions{Now: func() time.Time { return heavyNow }})
		if err != nil {
			return 0, err
		}
		start := time.Now()
		err = func() error {
			if _, err := db.Migrate(ctx); err != nil {
				return err
			}
			if err := workflows.MigrateJobs(ctx, db); err != nil {
				return err
			}
			if _, err := demo.Seed(ctx, db.DB, heavyNow); err != nil {
				return err
			}
			return seedHeavy(ctx, db.SQL)
		}()
		took := time.Since(start)
		if cerr := db.Close(); err == nil { // the last close checkpoints the WAL into the file
			err = cerr
		}
		return took, err
	})
}

// heavyCopy returns the URL of a private copy of the template, for a
// benchmark that changes the store.
func heavyCopy(tb testing.TB, template string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), "privacydesk.db")
	in, err := os.Open(template)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return "sqlite:" + dst
}

// seedHeavy inserts the heavy customer with multi-row INSERTs in one
// transaction, ids assigned here after the rows already there.
func seedHeavy(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b := &bulk{ctx: ctx, tx: tx}
	next := func(table string) int64 {
		var id int64
		if b.err == nil {
			b.err = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&id)
		}
		return id + 1
	}
	day := func(daysAgo float64) time.Time {
		return heavyNow.Add(-time.Duration(daysAgo * 24 * float64(time.Hour))).Truncate(time.Second)
	}
	cid := next("store_customers")
	b.insert("store_customers", "id email first_name last_name phone date_of_birth created_at updated_at last_login_at", 1,
		func(int) []any {
			return []any{cid, heavyEmail, "Hedda", "Heavyweight", "+1 555 0100 999", day(40 * 365), day(12 * 365), day(3), day(1)}
		})
	addr0, pref0 := next("store_addresses"), next("store_marketing_preferences")
	b.insert("store_addresses", "id customer_id kind recipient_name line1 line2 city region postal_code country phone", 2,
		func(i int) []any {
			kind := []string{store.AddressShipping, store.AddressBilling}[i]
			return []any{addr0 + int64(i), cid, kind, "Hedda Heavyweight", "77 Warehouse Row", "Unit 9",
				"Portland", "OR", "97201", "US", "+1 555 0100 999"}
		})
	b.insert("store_marketing_preferences", "id customer_id email_marketing sms_marketing personalized_ads sale_sharing analytics updated_at", 1,
		func(int) []any {
			return []any{pref0, cid, true, false, true, true, true, day(30)}
		})
	consentCats := []string{store.ConsentNecessary, store.ConsentAnalytics, store.ConsentFunctionality, store.ConsentAdvertising}
	consent0 := next("store_consent_choices")
	b.insert("store_consent_choices", "id customer_id visitor_id category granted recorded_at ip_address user_agent", 4,
		func(i int) []any {
			return []any{consent0 + int64(i), cid, "v-heavy-1", consentCats[i], i != 3, day(200), "203.0.113.77", userAgent}
		})

	order0, line0 := next("store_orders"), next("store_order_lines")
	b.insert("store_orders", "id customer_id number placed_at status currency total_cents email phone shipping_name "+
		"shipping_line1 shipping_line2 shipping_city shipping_region shipping_postal_code shipping_country "+
		"payment_provider payment_reference anonymized_at", heavyOrders,
		func(i int) []any {
			var owner any = cid
			if i%heavyGuestEvery == heavyGuestEvery-1 {
				owner = nil
			}
			status := "delivered"
			if i >= heavyOrders-3 {
				status = "processing"
			}
			placed := day(12*365 - float64(i)*12*365/heavyOrders)
			return []any{order0 + int64(i), owner, fmt.Sprintf("KT-H%06d", i), placed, status, "USD", 1999 + int64(i%50)*500,
				heavyEmail, "+1 555 0100 999", "Hedda Heavyweight", "77 Warehouse Row", "Unit 9", "Portland", "OR", "97201", "US",
				"paypal", fmt.Sprintf("PAYID-H%08dX", i), nil}
		})
	b.insert("store_order_lines", "id order_id sku product_name quantity unit_price_cents", heavyOrders*heavyLinesPerOrder,
		func(i int) []any {
			p := products[i%len(products)]
			return []any{line0 + int64(i), order0 + int64(i/heavyLinesPerOrder), p.sku, p.name, 1 + i%3, p.cents}
		})

	reg0, war0 := next("store_product_registrations"), next("store_extended_warranties")
	b.insert("store_product_registrations", "id customer_id product_name sku serial_number purchased_at registered_at", heavyRegistrations,
		func(i int) []any {
			p := products[i%len(products)]
			return []any{reg0 + int64(i), cid, p.name, p.sku, fmt.Sprintf("SN-H-%05d", i), day(float64(400 * (i + 1))), day(float64(400*(i+1) - 3))}
		})
	b.insert("store_extended_warranties", "id registration_id customer_id plan price_cents paid starts_at ends_at anonymized_at", heavyRegistrations/2,
		func(i int) []any {
			start := day(float64(400*(2*i+1) - 3))
			return []any{war0 + int64(i), reg0 + int64(2*i), cid, "Kactoily Care 3y", 4900, true, start, start.AddDate(3, 0, 0), nil}
		})

	ticket0, msg0, att0 := next("store_support_tickets"), next("store_support_messages"), next("store_attachments")
	b.insert("store_support_tickets", "id customer_id email subject status channel created_at closed_at anonymized_at", heavyTickets,
		func(i int) []any {
			opened := day(10*365 - float64(i)*10*365/heavyTickets)
			closed := opened.Add(72 * time.Hour)
			return []any{ticket0 + int64(i), cid, heavyEmail, fmt.Sprintf("Order KT-H%06d arrived damaged", i*10), "closed",
				[]string{"email", "chat", "phone"}[i%3], opened, closed, nil}
		})
	agents := []string{"Priya Natarajan", "Marco Bellini", "Sofia Alvarez", "Jonas Weber"}
	b.insert("store_support_messages", "id ticket_id author_kind author_name body sent_at", heavyTickets*heavyMsgsPerTicket,
		func(i int) []any {
			t := i / heavyMsgsPerTicket
			opened := day(10*365 - float64(t)*10*365/heavyTickets)
			kind, name, body := store.AuthorCustomer, "Hedda Heavyweight",
				"Hello, the parcel for my order arrived with a cracked case and the charger is missing. Could you send a replacement? Thanks, Hedda"
			if i%2 == 1 {
				a := agents[t%len(agents)]
				kind, name, body = store.AuthorAgent, a,
					"Hi Hedda, I am sorry about that. I have arranged a replacement and a prepaid return label. Best regards, "+a
			}
			return []any{msg0 + int64(i), ticket0 + int64(t), kind, name, body, opened.Add(time.Duration(i%heavyMsgsPerTicket) * time.Hour)}
		})
	b.insert("store_attachments", "id message_id file_name content_type size_bytes storage_key", heavyTickets*heavyMsgsPerTicket/heavyAttachEvery,
		func(i int) []any {
			return []any{att0 + int64(i), msg0 + int64(i*heavyAttachEvery), fmt.Sprintf("photo-%05d.jpg", i), "image/jpeg",
				250_000 + int64(i%97)*1000, fmt.Sprintf("support/heavy/%05d.jpg", i)}
		})

	act0 := next("store_activity_records")
	pages := []string{"/", "/products/kt-buds", "/products/kt-watch-2", "/cart", "/checkout", "/account/orders", "/support"}
	b.insert("store_activity_records", "id customer_id visitor_id ip_address user_agent browser os page_url referrer occurred_at", heavyActivity,
		func(i int) []any {
			return []any{act0 + int64(i), cid, fmt.Sprintf("v-heavy-%d", i%5), fmt.Sprintf("203.0.113.%d", i%250), userAgent,
				"Firefox", "Linux", "https://www.kactoily.com" + pages[i%len(pages)], "https://www.google.com/",
				day(5*365 - float64(i)*5*365/heavyActivity)}
		})
	if b.err != nil {
		return b.err
	}
	return tx.Commit()
}

const userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

var products = []struct {
	sku, name string
	cents     int64
}{
	{"KT-BUDS-2", "Kactoily Buds 2", 12900}, {"KT-WATCH-2", "Kactoily Watch 2", 29900},
	{"KT-CHG-65", "Kactoily 65W Charger", 4900}, {"KT-CASE-S", "Kactoily Case S", 1900},
	{"KT-CABLE-C", "Kactoily USB-C Cable 2m", 1500}, {"KT-SPK-MINI", "Kactoily Speaker Mini", 7900},
}

// bulk writes rows with multi-row INSERT statements; the first error sticks.
type bulk struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

// insert writes n rows of the space-separated columns, asking row for each.
func (b *bulk) insert(table, columns string, n int, row func(i int) []any) {
	cols := strings.Fields(columns)
	per := min(1000, 30000/len(cols)) // SQLite allows 32,766 parameters per statement
	stmt := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
		return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
	}
	full := stmt(per)
	args := make([]any, 0, per*len(cols))
	for start := 0; start < n && b.err == nil; start += per {
		rows := min(per, n-start)
		args = args[:0]
		for i := start; i < start+rows; i++ {
			vals := row(i)
			if len(vals) != len(cols) {
				b.err = fmt.Errorf("%s: row has %d values for %d columns", table, len(vals), len(cols))
				return
			}
			args = append(args, vals...)
		}
		q := full
		if rows < per {
			q = stmt(rows)
		}
		if _, err := b.tx.ExecContext(b.ctx, q, args...); err != nil {
			b.err = fmt.Errorf("insert into %s: %w", table, err)
		}
	}
}
