package wooshop_test

import (
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/internal/wooshop"
	"github.com/kactoily/privacydesk/models"
)

// TestCreateBuildsTheSameShopOnMariaDBAndSQLite proves both schemas take
// the one seed, with the rows the end-to-end tests rely on.
func TestCreateBuildsTheSameShopOnMariaDBAndSQLite(t *testing.T) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectMySQL} {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.OpenStore(t, dialect)
			now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
			wooshop.Create(t, db, now)
			for _, c := range []struct {
				table, where string
				args         []any
				want         int64
			}{
				{"wp_users", "lower(user_email) = ?", []any{wooshop.DanaEmail}, 1},
				{"wp_usermeta", "user_id = ?", []any{wooshop.DanaID}, 10},
				{"wp_wc_orders", "customer_id = 0 AND lower(billing_email) = ?", []any{wooshop.DanaEmail}, 1},
				{"wp_wc_orders", "date_created_gmt < ?", []any{now.AddDate(-7, 0, 0)}, 2},
				{"wp_wc_order_addresses", "order_id = ?", []any{wooshop.DanaRecentOrder}, 2},
				{"wp_woocommerce_order_items", "order_id = ?", []any{wooshop.DanaRecentOrder}, 3},
				{"wp_commentmeta", "comment_id = ? AND meta_value = ?", []any{wooshop.DanaNote, wooshop.AgentName}, 1},
			} {
				if n := wooshop.Count(t, db, c.table, c.where, c.args...); n != c.want {
					t.Errorf("%s where %s: %d rows, want %d", c.table, c.where, n, c.want)
				}
			}
			var at time.Time
			if err := db.Raw("SELECT date_created_gmt FROM wp_wc_orders WHERE id = ?", wooshop.DanaRecentOrder).Row().Scan(&at); err != nil {
				t.Fatalf("order date does not read as a time: %v", err)
			}
			if want := now.AddDate(0, 0, -400); !at.Equal(want) {
				t.Errorf("order 1002 placed %v, want %v", at, want)
			}
		})
	}
}
