package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

func countWhere(t *testing.T, a *testapp.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPurgeRetentionDeletesKeptRecordsOnlyAfterTheirPeriod erases a
// customer, then shows the rows kept for the accounting period or a running
// warranty stay until that period ends and are deleted after it, while
// nobody else's records are touched.
func TestPurgeRetentionDeletesKeptRecordsOnlyAfterTheirPeriod(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, src := range workflows.ErasureOrder(workflows.Sources()) {
			if _, err := src.Erase(ctx, a.DB.DB, workflows.Subject{Email: demo.AlexMorganEmail}, a.Clock.Now()); err != nil {
				t.Fatalf("erase %s: %v", src.Name(), err)
			}
		}
		keptOrders := countWhere(t, a, &models.Order{}, "anonymized_at IS NOT NULL")
		keptWarranties := countWhere(t, a, &models.ExtendedWarranty{}, "anonymized_at IS NOT NULL")
		if keptOrders == 0 || keptWarranties == 0 {
			t.Fatalf("erasure kept %d orders and %d warranties; the test needs some of each", keptOrders, keptWarranties)
		}
		others := countWhere(t, a, &models.Order{}, "anonymized_at IS NULL")
		otherWarranties := countWhere(t, a, &models.ExtendedWarranty{}, "anonymized_at IS NULL")

		// Still within every period: nothing goes.
		p, err := a.Svc.PurgeRetention(ctx)
		if err != nil || p.Orders != 0 || p.Warranties != 0 {
			t.Fatalf("purge inside the period: %+v, %v", p, err)
		}

		// Eight years on, the accounting period and every warranty are over.
		a.Clock.Advance(8 * 365 * 24 * time.Hour)
		p, err = a.Svc.PurgeRetention(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int64(p.Orders) != keptOrders || int64(p.Warranties) != keptWarranties || p.Registrations == 0 {
			t.Fatalf("purge after the period: %+v, want %d orders and %d warranties and some registrations", p, keptOrders, keptWarranties)
		}
		if n := countWhere(t, a, &models.Order{}, "anonymized_at IS NULL"); n != others {
			t.Fatalf("other customers' orders: %d, was %d", n, others)
		}
		if n := countWhere(t, a, &models.ExtendedWarranty{}, "anonymized_at IS NULL"); n != otherWarranties {
			t.Fatalf("other customers' warranties: %d, was %d", n, otherWarranties)
		}
		if p, err := a.Svc.PurgeRetention(ctx); err != nil || p != (models.RetentionPurged{}) {
			t.Fatalf("second purge: %+v, %v", p, err)
		}
	})
}
