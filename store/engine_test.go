package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// shopDataset describes a small store shaped unlike the demo: accounts
// whose email is stored as typed, key/value user meta, guest orders that
// carry user id 0, and notes two tables below the orders.
const shopDataset = `
person:
  table: shop_users
  email: user_email
  correct: {email: [user_email]}
sources:
  - name: account
    label: Your account
    erase_order: 100
    tables:
      - table: shop_users
        kind: user
        belongs: {person: true}
        columns:
          - {name: user_email, category: contact, type: string}
        never: [password_hash]
      - table: shop_user_meta
        kind: user_meta
        belongs: {customer_id: user_id}
        meta:
          key_column: meta_key
          value_column: meta_value
          keys:
            - {key: first_name, label: First name, category: contact}
            - {key: phone, category: contact, erase: set, set: {value: ""}}
  - name: orders
    label: Your orders
    erase_order: 10
    tables:
      - table: shop_orders
        kind: order
        belongs: {customer_id: user_id, email: billing_email, guest_id: 0}
        columns:
          - {name: billing_email, category: contact, type: string}
          - {name: billing_name, category: contact, type: string}
          - {name: created_at, category: purchase, type: time}
        erase:
          reason: Older than the period.
          mark: anonymized_at
          set:
            - {column: user_id, value: "0"}
            - {column: billing_email, pattern: "erased+{id}@invalid"}
            - {column: billing_name, value: Erased}
          keep:
            within: {column: created_at, years: 7}
            reason: Kept for the accounts.
      - table: shop_order_items
        kind: order_item
        belongs: {parent: {table: shop_orders, column: order_id}}
        columns:
          - {name: order_id, category: purchase, type: int64}
          - {name: name, category: purchase, type: string}
        erase:
          keep: {with_parent: true, action: keep, reason: Part of the kept order.}
      - table: shop_item_notes
        kind: item_note
        belongs: {parent: {table: shop_order_items, column: item_id}}
        columns:
          - {name: note, category: purchase, type: string}
`

var shopNow = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// shopStore creates the shop's tables and rows: Pat (id 1) with meta,
// a recent and an old order, a guest order under Pat's email, and
// another account (id 2) with an order under Pat's email too.
func shopStore(t *testing.T, dialect string) (*gorm.DB, *store.Datasets) {
	t.Helper()
	db := testdb.Open(t, dialect).DB
	return db, seedShop(t, db)
}

// seedShop creates the shop's tables in db and returns its datasets.
func seedShop(t *testing.T, db *gorm.DB) *store.Datasets {
	t.Helper()
	recent, old := shopNow.AddDate(-1, 0, 0), shopNow.AddDate(-9, 0, 0)
	stmts := []struct {
		sql  string
		args []any
	}{
		{"CREATE TABLE shop_users (id integer PRIMARY KEY, user_email text NOT NULL, password_hash text NOT NULL)", nil},
		{"CREATE TABLE shop_user_meta (id integer PRIMARY KEY, user_id integer NOT NULL, meta_key text NOT NULL, meta_value text NOT NULL)", nil},
		{"CREATE TABLE shop_orders (id integer PRIMARY KEY, user_id integer NOT NULL, billing_email text NOT NULL, billing_name text NOT NULL, created_at " + timeType(db) + " NOT NULL, anonymized_at " + timeType(db) + ")", nil},
		{"CREATE TABLE shop_order_items (id integer PRIMARY KEY, order_id integer NOT NULL, name text NOT NULL)", nil},
		{"CREATE TABLE shop_item_notes (id integer PRIMARY KEY, item_id integer NOT NULL, note text NOT NULL)", nil},
		{"INSERT INTO shop_users VALUES (1, 'Pat.Lee@Example.COM', 'hash1'), (2, 'sam@example.com', 'hash2')", nil},
		{"INSERT INTO shop_user_meta VALUES (1, 1, 'first_name', 'Pat'), (2, 1, 'phone', '555-0100'), (3, 1, 'session_tokens', 'secret'), (4, 2, 'first_name', 'Sam')", nil},
		{"INSERT INTO shop_orders VALUES (1, 1, 'pat.lee@example.com', 'Pat Lee', ?, NULL), (2, 1, 'pat.lee@example.com', 'Pat Lee', ?, NULL), " +
			"(3, 0, 'PAT.LEE@example.com', 'Pat Guest', ?, NULL), (4, 2, 'pat.lee@example.com', 'Sam for Pat', ?, NULL)", []any{recent, old, recent, recent}},
		{"INSERT INTO shop_order_items VALUES (1, 1, 'Kettle'), (2, 2, 'Toaster'), (3, 3, 'Mug'), (4, 4, 'Lamp')", nil},
		{"INSERT INTO shop_item_notes VALUES (1, 1, 'gift wrap'), (2, 2, 'old note'), (3, 4, 'not Pat''s')", nil},
	}
	for _, s := range stmts {
		if err := db.Exec(s.sql, s.args...).Error; err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
	}
	f, err := store.ParseDataset("shop.yaml", []byte(shopDataset))
	if err != nil {
		t.Fatal(err)
	}
	d, err := store.NewDatasets(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func collectKinds(t *testing.T, db *gorm.DB, d *store.Datasets, email string) map[string][]store.Record {
	t.Helper()
	out := map[string][]store.Record{}
	for _, src := range d.Sources() {
		_, err := src.Collect(context.Background(), db, store.Subject{Email: email}, func(r store.Record) error {
			out[r.Kind] = append(out[r.Kind], r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func ids(recs []store.Record) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

// TestEngineFindsMetaRowsGuestOrdersAndRowsTwoTablesDown proves the
// engine follows rules the demo file does not use: an email stored as
// typed matches case-insensitively, only described meta keys are
// exported, guest orders (user id 0) match by email but another
// account's order with the same email does not, and notes are found
// through items and orders.
func TestEngineFindsMetaRowsGuestOrdersAndRowsTwoTablesDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		db, d := shopStore(t, dialect)
		testShopCollect(t, db, d)
	})
}

func testShopCollect(t *testing.T, db *gorm.DB, d *store.Datasets) {
	got := collectKinds(t, db, d, " pat.lee@EXAMPLE.com ")
	want := map[string][]int64{"user": {1}, "user_meta": {1, 2}, "order": {1, 2, 3}, "order_item": {1, 2, 3}, "item_note": {1, 2}}
	for kind, w := range want {
		if g := ids(got[kind]); !slices.Equal(g, w) {
			t.Errorf("%s: ids %v, want %v", kind, g, w)
		}
	}
	meta := got["user_meta"][0].Fields
	if meta[0].Value != "first_name" || meta[1].Value != "Pat" || meta[1].Label != "First name" {
		t.Errorf("meta record fields: %+v", meta)
	}
	for _, r := range got["user"] {
		for _, f := range r.Fields {
			if f.Name == "password_hash" {
				t.Error("a never-exported column was exported")
			}
		}
	}
}

// TestEngineErasesMetaKeysPatternsAndFixedValues proves the erase rules:
// a meta key deleted, another set to a fixed value, an undescribed key
// left alone; a recent order anonymized with a uniqueness-keeping pattern
// and fixed values, its items kept; an old order deleted with its items
// and their notes; the account refused while orders link to it; a second
// run changing nothing; and the retention job deleting the kept order
// once its period is over.
func TestEngineErasesMetaKeysPatternsAndFixedValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		db, d := shopStore(t, dialect)
		testShopErase(t, db, d)
	})
}

func testShopErase(t *testing.T, db *gorm.DB, d *store.Datasets) {
	ctx := context.Background()
	subj := store.Subject{Email: "pat.lee@example.com"}
	srcs := store.ErasureOrder(d.Sources())
	if srcs[len(srcs)-1].Name() != "account" {
		t.Fatalf("erasure order %v: account not last", srcs)
	}
	if _, err := srcs[1].Erase(ctx, db, subj, shopNow); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("account erased while orders link to it: %v", err)
	}
	for _, src := range srcs {
		plan, err := src.PlanErasure(ctx, db, subj, shopNow)
		if err != nil {
			t.Fatal(err)
		}
		res, err := src.Erase(ctx, db, subj, shopNow)
		if err != nil {
			t.Fatal(err)
		}
		if !samePlan(plan, res) {
			t.Errorf("%s: plan %+v, result %+v", src.Name(), plan, res)
		}
		again, err := src.Erase(ctx, db, subj, shopNow)
		if err != nil || len(again.Items) != 0 {
			t.Errorf("%s: second run %+v, %v", src.Name(), again.Items, err)
		}
		switch src.Name() {
		case "orders":
			checkCounts(t, res, map[[2]string]int{
				{"order", store.ActionDelete}: 1, {"order_item", store.ActionDelete}: 1, {"item_note", store.ActionDelete}: 1,
				{"order", store.ActionAnonymize}: 2, {"order_item", store.ActionKeep}: 2,
			})
		case "account":
			checkCounts(t, res, map[[2]string]int{
				{"user", store.ActionDelete}: 1, {"user_meta", store.ActionDelete}: 1, {"user_meta", store.ActionAnonymize}: 1,
			})
		}
	}
	var email, name string
	var uid int64
	row := db.Raw("SELECT billing_email, billing_name, user_id FROM shop_orders WHERE id = 1").Row()
	if err := row.Scan(&email, &name, &uid); err != nil {
		t.Fatal(err)
	}
	if email != "erased+1@invalid" || name != "Erased" || uid != 0 {
		t.Errorf("kept order: %q %q %d", email, name, uid)
	}
	var metas []string
	var rows []struct{ K, V string }
	db.Raw("SELECT meta_key AS k, meta_value AS v FROM shop_user_meta ORDER BY id").Scan(&rows)
	for _, r := range rows {
		metas = append(metas, r.K+"="+r.V)
	}
	if want := []string{"phone=", "session_tokens=secret", "first_name=Sam"}; !slices.Equal(metas, want) {
		t.Errorf("meta rows %v, want %v", metas, want)
	}
	if n := count(t, db, "shop_item_notes"); n != 2 {
		t.Errorf("%d notes left, want 2 (the kept order's and Sam's)", n)
	}
	if n := count(t, db, "shop_orders"); n != 3 {
		t.Errorf("%d orders left, want 3", n)
	}

	p, err := d.PurgeExpiredRetention(ctx, db, shopNow.AddDate(1, 0, 0))
	if err != nil || len(p) != 0 {
		t.Fatalf("purge inside the period: %v, %v", p, err)
	}
	p, err = d.PurgeExpiredRetention(ctx, db, shopNow.AddDate(8, 0, 0))
	if err != nil || p["order"] != 2 || p["order_item"] != 2 || p["item_note"] != 1 {
		t.Fatalf("purge after the period: %v, %v", p, err)
	}
	if n := count(t, db, "shop_orders"); n != 1 {
		t.Errorf("%d orders left after the purge, want Sam's", n)
	}
}

// timeType is the column type of a time on db's dialect.
func timeType(db *gorm.DB) string {
	if db.Dialector.Name() == "mysql" {
		return "datetime"
	}
	return "timestamp"
}

func checkCounts(t *testing.T, p store.Plan, want map[[2]string]int) {
	t.Helper()
	for k, n := range want {
		if got := p.Count(k[0], k[1]); got != n {
			t.Errorf("%s: %s %s = %d, want %d (%+v)", p.Source, k[0], k[1], got, n, p.Items)
		}
	}
}

func samePlan(a, b store.Plan) bool {
	if a.Source != b.Source || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		x, y := a.Items[i], b.Items[i]
		if x.Kind != y.Kind || x.Action != y.Action || x.Count != y.Count || x.Reason != y.Reason {
			return false
		}
	}
	return true
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
