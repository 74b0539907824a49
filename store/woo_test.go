package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/internal/wooshop"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

var wooNow = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// wooStore returns the WooCommerce-shaped shop on a fresh store database
// and the sources its dataset file describes.
func wooStore(t *testing.T, dialect string) (*models.DB, []store.Source) {
	t.Helper()
	db := testdb.OpenStore(t, dialect)
	wooshop.Create(t, db, wooNow)
	ds, err := store.LoadDatasets(wooshop.DatasetPath())
	if err != nil {
		t.Fatal(err)
	}
	return db, ds.Sources()
}

// collectAll returns the subject's records of every source, by kind.
func wooCollect(t *testing.T, db *models.DB, sources []store.Source, email string) map[string][]store.Record {
	t.Helper()
	got := map[string][]store.Record{}
	for _, src := range sources {
		_, err := src.Collect(context.Background(), db.DB, store.Subject{Email: email}, func(r store.Record) error {
			got[r.Kind] = append(got[r.Kind], r)
			return nil
		})
		if err != nil {
			t.Fatalf("collect %s: %v", src.Name(), err)
		}
	}
	return got
}

func wooText(recs map[string][]store.Record) string {
	var b strings.Builder
	for kind, rs := range recs {
		for _, r := range rs {
			fmt.Fprintf(&b, "%s %d:", kind, r.ID)
			for _, f := range r.Fields {
				fmt.Fprintf(&b, " %s=%v", f.Name, f.Value)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestWooCommerceDatasetFindsAccountMetaAndGuestRowsOnMariaDBAndSQLite
// proves the dataset file alone finds a WooCommerce customer's records:
// the account row by an email stored in other letter case, the described
// meta keys only, orders by account and guest orders (customer_id 0) by
// billing email, their addresses and items, the support note with the
// agent's name redacted and its rating; never the password hash, the
// session token or another person's rows.
func TestWooCommerceDatasetFindsAccountMetaAndGuestRowsOnMariaDBAndSQLite(t *testing.T) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectMySQL} {
		t.Run(dialect, func(t *testing.T) {
			db, sources := wooStore(t, dialect)
			got := wooCollect(t, db, sources, " Dana.Whitfield@EXAMPLE.com")
			want := map[string]int{"customer": 1, "customer_field": 8, "order": 3, "order_address": 4, "order_item": 5, "support_note": 1, "support_rating": 1}
			for kind, n := range want {
				if len(got[kind]) != n {
					t.Errorf("%d %s records, want %d", len(got[kind]), kind, n)
				}
			}
			text := wooText(got)
			for _, s := range []string{"+44 20 7946 0011", "Flat 3, 40 Quay Street", "DANA.WHITFIELD@example.com", "Waxed Canvas Tote", "Shop support promised", "2 of 5"} {
				if !strings.Contains(text, s) {
					t.Errorf("records lack %q:\n%s", s, text)
				}
			}
			for _, s := range []string{"$wp$", "5e1f0c9a", "customer\";b:1", "Priya", "Olivia", "olivia", "gus.guest", "Fleece Gloves"} {
				if strings.Contains(text, s) {
					t.Errorf("records hold %q:\n%s", s, text)
				}
			}

			guest := wooCollect(t, db, sources, wooshop.GusEmail)
			if len(guest["customer"]) != 0 || len(guest["order"]) != 2 || len(guest["support_note"]) != 1 {
				t.Errorf("guest-only buyer: %d accounts, %d orders, %d notes; want 0, 2, 1\n%s",
					len(guest["customer"]), len(guest["order"]), len(guest["support_note"]), wooText(guest))
			}
		})
	}
}

// TestWooCommerceDatasetErasesAsTheFileSaysOnMariaDBAndSQLite proves
// erasure follows the file: the plan and the result agree, the old order
// goes, the recent and guest orders stay anonymized for the tax law, the
// note goes, the account row stays anonymized; a second run does nothing.
func TestWooCommerceDatasetErasesAsTheFileSaysOnMariaDBAndSQLite(t *testing.T) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectMySQL} {
		t.Run(dialect, func(t *testing.T) {
			db, sources := wooStore(t, dialect)
			ctx := context.Background()
			subj := store.Subject{Email: wooshop.DanaEmail}
			plans := map[string]store.Plan{}
			for _, src := range store.ErasureOrder(sources) {
				p, err := src.PlanErasure(ctx, db.DB, subj, wooNow)
				if err != nil {
					t.Fatalf("plan %s: %v", src.Name(), err)
				}
				plans[src.Name()] = p
			}
			for _, c := range []struct {
				source, kind, action string
				n                    int
			}{
				{"orders", "order", store.ActionDelete, 1},
				{"orders", "order", store.ActionAnonymize, 2},
				{"orders", "order_item", store.ActionKeep, 4},
				{"orders", "order_address", store.ActionAnonymize, 3},
				{"support", "support_note", store.ActionDelete, 1},
				{"account", "customer", store.ActionAnonymize, 1},
				{"account", "customer_field", store.ActionDelete, 9}, // with the session tokens, never exported
			} {
				if n := plans[c.source].Count(c.kind, c.action); n != c.n {
					t.Errorf("plan %s: %s %s %d, want %d (%+v)", c.source, c.action, c.kind, n, c.n, plans[c.source].Items)
				}
			}
			for _, src := range store.ErasureOrder(sources) {
				res, err := src.Erase(ctx, db.DB, subj, wooNow)
				if err != nil {
					t.Fatalf("erase %s: %v", src.Name(), err)
				}
				if p := plans[src.Name()]; fmt.Sprint(res.Items) != fmt.Sprint(p.Items) {
					t.Errorf("erase %s did %+v, planned %+v", src.Name(), res.Items, p.Items)
				}
			}
			if n := wooshop.Count(t, db, "wp_users", "ID = ? AND user_email = 'erased+1@invalid' AND user_login = 'erased-1' AND user_pass = ''", wooshop.DanaID); n != 1 {
				t.Errorf("account row not anonymized as the file says")
			}
			if n := wooshop.Count(t, db, "wp_wc_orders", "id IN (?, ?) AND customer_id = 0 AND billing_email LIKE 'erased+order.%@invalid' AND privacy_anonymized_gmt IS NOT NULL", wooshop.DanaRecentOrder, wooshop.DanaGuestOrder); n != 2 {
				t.Errorf("%d kept orders anonymized, want 2", n)
			}
			if n := wooshop.Count(t, db, "wp_usermeta", "user_id = ?", wooshop.DanaID); n != 1 {
				t.Errorf("%d meta rows left of the account, want 1 (wp_capabilities, not described)", n)
			}
			if n := wooshop.Count(t, db, "wp_wc_orders", "id = ?", wooshop.DanaOldOrder); n != 0 {
				t.Errorf("the order older than 7 years is still there")
			}
			if left := wooCollect(t, db, sources, wooshop.DanaEmail); len(left) != 0 {
				t.Errorf("after erasure the email still finds:\n%s", wooText(left))
			}
			for _, src := range store.ErasureOrder(sources) {
				res, err := src.Erase(ctx, db.DB, subj, wooNow)
				if err != nil || len(res.Items) != 0 {
					t.Errorf("second erase of %s: %+v, %v; want nothing", src.Name(), res.Items, err)
				}
			}
		})
	}
}
