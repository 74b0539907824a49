package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/store"
)

// srcNow is the fixed clock of the source tests; the demo store is seeded
// relative to it.
var srcNow = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// seededStore returns a fresh database holding the demo store.
func seededStore(t testing.TB, dialect string) *gorm.DB {
	t.Helper()
	db := testdb.Open(t, dialect)
	if _, err := demo.Seed(context.Background(), db.DB, srcNow); err != nil {
		t.Fatal(err)
	}
	return db.DB
}

// The demo dataset's anonymized-email domain and agent placeholder.
const (
	anonymizedEmailDomain = "anonymized.invalid"
	agentPlaceholder      = "Kactoily support"
)

// demoSource returns the demo dataset's source of this name.
func demoSource(t testing.TB, name string) store.Source {
	t.Helper()
	for _, s := range store.DemoDatasets().Sources() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no demo source %q", name)
	return nil
}

// kindModels maps every record kind to the store model it is read from.
var kindModels = map[string]any{
	"customer":             &store.Customer{},
	"address":              &store.Address{},
	"marketing_preference": &store.MarketingPreference{},
	"consent_choice":       &store.ConsentChoice{},
	"order":                &store.Order{},
	"order_line":           &store.OrderLine{},
	"product_registration": &store.ProductRegistration{},
	"extended_warranty":    &store.ExtendedWarranty{},
	"support_ticket":       &store.SupportTicket{},
	"support_message":      &store.SupportMessage{},
	"attachment":           &store.Attachment{},
	"page_view":            &store.ActivityRecord{},
}

// sourceKinds lists the record kinds of each source.
var sourceKinds = map[string][]string{
	"account":  {"customer", "address", "marketing_preference", "consent_choice"},
	"orders":   {"order", "order_line"},
	"warranty": {"product_registration", "extended_warranty"},
	"support":  {"support_ticket", "support_message", "attachment"},
	"activity": {"page_view"},
}

// ownedQueries selects, with plain queries written independently of the
// sources, every row that is the person's, per record kind: by account id,
// and for orders and tickets also as a guest under the email.
func ownedQueries(t testing.TB, db *gorm.DB, email string) map[string]*gorm.DB {
	t.Helper()
	var cids []int64
	if err := db.Model(&store.Customer{}).Where("email = ?", email).Pluck("id", &cids).Error; err != nil {
		t.Fatal(err)
	}
	var cid int64 // 0 matches no row
	if len(cids) == 1 {
		cid = cids[0]
	}
	byCustomer := func(m any) *gorm.DB { return db.Model(m).Select("id").Where("customer_id = ?", cid) }
	placed := func(m any) *gorm.DB {
		return db.Model(m).Select("id").Where("customer_id = ? OR (customer_id IS NULL AND email = ?)", cid, email)
	}
	messages := db.Model(&store.SupportMessage{}).Select("id").Where("ticket_id IN (?)", placed(&store.SupportTicket{}))
	rowsOf := func(m any) *gorm.DB { return db.Model(m) }
	return map[string]*gorm.DB{
		"customer":             rowsOf(&store.Customer{}).Where("id = ?", cid),
		"address":              rowsOf(&store.Address{}).Where("customer_id = ?", cid),
		"marketing_preference": rowsOf(&store.MarketingPreference{}).Where("customer_id = ?", cid),
		"consent_choice":       rowsOf(&store.ConsentChoice{}).Where("customer_id = ?", cid),
		"order":                rowsOf(&store.Order{}).Where("id IN (?)", placed(&store.Order{})),
		"order_line":           rowsOf(&store.OrderLine{}).Where("order_id IN (?)", placed(&store.Order{})),
		"product_registration": rowsOf(&store.ProductRegistration{}).Where("customer_id = ?", cid),
		"extended_warranty": rowsOf(&store.ExtendedWarranty{}).
			Where("registration_id IN (?)", byCustomer(&store.ProductRegistration{})),
		"support_ticket":  rowsOf(&store.SupportTicket{}).Where("id IN (?)", placed(&store.SupportTicket{})),
		"support_message": rowsOf(&store.SupportMessage{}).Where("id IN (?)", messages),
		"attachment":      rowsOf(&store.Attachment{}).Where("message_id IN (?)", messages),
		"page_view":       rowsOf(&store.ActivityRecord{}).Where("customer_id = ?", cid),
	}
}

// ownedIDs returns the ids of the rows ownedQueries selects, per kind;
// kinds without rows are left out.
func ownedIDs(t testing.TB, db *gorm.DB, email string) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for kind, q := range ownedQueries(t, db, email) {
		var ids []int64
		if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
			t.Fatalf("%s ids: %v", kind, err)
		}
		if len(ids) > 0 {
			out[kind] = ids
		}
	}
	return out
}

// collectAll runs Collect on src and returns the counts and the records.
func collectAll(t testing.TB, db *gorm.DB, src store.Source, email string) (store.Counts, []store.Record) {
	t.Helper()
	var recs []store.Record
	counts, err := src.Collect(context.Background(), db, store.Subject{Email: email},
		func(r store.Record) error { recs = append(recs, r); return nil })
	if err != nil {
		t.Fatalf("%s: collect %s: %v", src.Name(), email, err)
	}
	return counts, recs
}

// idsOf groups the records' ids by kind, sorted.
func idsOf(recs []store.Record) map[string][]int64 {
	out := map[string][]int64{}
	for _, r := range recs {
		out[r.Kind] = append(out[r.Kind], r.ID)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// eraseAll erases the person from every source in ErasureOrder and returns
// the results by source name; it stops at the first error.
func eraseAll(ctx context.Context, db *gorm.DB, email string) (map[string]store.Result, error) {
	out := map[string]store.Result{}
	for _, src := range store.ErasureOrder(store.DemoDatasets().Sources()) {
		res, err := src.Erase(ctx, db, store.Subject{Email: email}, srcNow)
		out[src.Name()] = res
		if err != nil {
			return out, fmt.Errorf("%s: %w", src.Name(), err)
		}
	}
	return out, nil
}

// tableCounts returns the number of rows per store table.
func tableCounts(t testing.TB, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range store.StoreModels() {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%T", m)] = n
	}
	return out
}

// eachRow calls fn with the column values of every row of m's table that
// keep allows, in id order; strings arrive as strings, times in UTC.
func eachRow(t testing.TB, db *gorm.DB, m any, keep func(id int64) bool, fn func(vals []any)) {
	t.Helper()
	rows, err := db.Model(m).Order("id").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	idCol := slices.Index(cols, "id")
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = string(x)
			case time.Time:
				vals[i] = x.UTC().Format(time.RFC3339Nano)
			case int32:
				vals[i] = int64(x)
			}
		}
		if id, _ := vals[idCol].(int64); keep(id) {
			fn(vals)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// fingerprint hashes every store row for which keep(kind, id) holds.
func fingerprint(t testing.TB, db *gorm.DB, keep func(kind string, id int64) bool) string {
	t.Helper()
	h := sha256.New()
	var buf []byte
	for _, kind := range slices.Sorted(maps.Keys(kindModels)) {
		h.Write([]byte("== " + kind + "\n"))
		eachRow(t, db, kindModels[kind], func(id int64) bool { return keep(kind, id) }, func(vals []any) {
			buf = buf[:0]
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					buf = append(buf, x...)
				case int64:
					buf = strconv.AppendInt(buf, x, 10)
				case bool:
					buf = strconv.AppendBool(buf, x)
				case nil:
					buf = append(buf, "<nil>"...)
				default:
					buf = fmt.Appendf(buf, "%T:%v", x, x)
				}
				buf = append(buf, 0x1f)
			}
			h.Write(append(buf, '\n'))
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func all(string, int64) bool { return true }

// watch observes the statements run on db: how many wrote, the most rows
// one statement read or changed, and optionally cancels a context after
// the n-th write to simulate a crash.
type watch struct {
	writes, maxRead, maxWritten atomic.Int64
	cancelAt                    atomic.Int64
	cancel                      atomic.Pointer[context.CancelFunc]
}

func watchStatements(t testing.TB, db *gorm.DB) *watch {
	t.Helper()
	w := &watch{}
	name := fmt.Sprintf("test:watch:%p", w)
	maxTo := func(v *atomic.Int64, n int64) {
		for old := v.Load(); n > old && !v.CompareAndSwap(old, n); old = v.Load() {
		}
	}
	write := func(tx *gorm.DB) {
		maxTo(&w.maxWritten, tx.Statement.RowsAffected)
		n := w.writes.Add(1)
		if c := w.cancel.Load(); c != nil && n == w.cancelAt.Load() {
			(*c)()
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, func(tx *gorm.DB) { maxTo(&w.maxRead, tx.Statement.RowsAffected) }),
		cb.Update().After("gorm:update").Register(name, write),
		cb.Delete().After("gorm:delete").Register(name, write),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// reset forgets what was observed so far.
func (w *watch) reset() {
	w.writes.Store(0)
	w.maxRead.Store(0)
	w.maxWritten.Store(0)
	w.cancel.Store(nil)
}

// cancelAfter makes the n-th write from now on cancel the returned context.
// Only one such context is armed at a time.
func (w *watch) cancelAfter(n int64) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancelAt.Store(w.writes.Load() + n)
	w.cancel.Store(&cancel)
	return ctx
}

// storeFixture is a seeded demo store shared by the checks of one database,
// with a copy of every store table (snap_…) to put it back as seeded, far
// faster than seeding again, and a watch on its statements.
type storeFixture struct {
	db     *gorm.DB
	watch  *watch
	seeded map[string]int64 // row counts as seeded
}

func newStoreFixture(t testing.TB, dialect string) *storeFixture {
	t.Helper()
	f := &storeFixture{db: seededStore(t, dialect)}
	for _, m := range store.StoreModels() {
		table := m.(tabler).TableName()
		if err := f.db.Exec("CREATE TABLE snap_" + table + " AS SELECT * FROM " + table).Error; err != nil {
			t.Fatal(err)
		}
	}
	f.seeded = tableCounts(t, f.db)
	f.watch = watchStatements(t, f.db)
	return f
}

type tabler interface{ TableName() string }

// restore puts the store back as seeded (test-only SQL: the copies have no
// keys or constraints, and ids are copied as they were).
func (f *storeFixture) restore(t testing.TB) {
	t.Helper()
	ms := store.StoreModels()
	err := f.db.Transaction(func(tx *gorm.DB) error {
		for i := len(ms) - 1; i >= 0; i-- { // children first
			if err := tx.Exec("DELETE FROM " + ms[i].(tabler).TableName()).Error; err != nil {
				return err
			}
		}
		for _, m := range ms {
			table := m.(tabler).TableName()
			if err := tx.Exec("INSERT INTO " + table + " SELECT * FROM snap_" + table).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("restore store: %v", err)
	}
	if got := tableCounts(t, f.db); !maps.Equal(got, f.seeded) {
		t.Fatalf("restored store has %v rows, want %v", got, f.seeded)
	}
}
