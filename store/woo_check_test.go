package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/internal/wooshop"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// TestWooCommerceDatasetMatchesTheShopOnMariaDBAndSQLite proves the
// WooCommerce dataset file passes `datasets check` against the shop's own
// schema on both databases (every table, column, path and index it names
// exists), and that the check still catches a column the shop lacks there.
func TestWooCommerceDatasetMatchesTheShopOnMariaDBAndSQLite(t *testing.T) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectMySQL} {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.OpenStore(t, dialect)
			wooshop.Create(t, db, time.Now())
			ds, err := store.LoadDatasets(wooshop.DatasetPath())
			if err != nil {
				t.Fatal(err)
			}
			problems, err := ds.Check(context.Background(), db.DB)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Fatalf("datasets check on the shop:\n%v", problems)
			}
			if err := db.Exec("ALTER TABLE wp_wc_orders DROP COLUMN customer_note").Error; err != nil {
				t.Fatal(err)
			}
			problems, err = ds.Check(context.Background(), db.DB)
			if err != nil {
				t.Fatal(err)
			}
			// The column is exported and set by erasure: both places are named.
			if len(problems) != 2 {
				t.Fatalf("after dropping a column the check says:\n%v", problems)
			}
			for _, p := range problems {
				if !strings.HasSuffix(p.File, "woocommerce.yaml") || p.Line == 0 || !strings.Contains(p.Msg, "has no column customer_note") {
					t.Errorf("problem %v: want woocommerce.yaml:LINE and the missing column", p)
				}
			}
		})
	}
}
