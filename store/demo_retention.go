package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// RetentionPurged counts what PurgeExpiredRetention deleted.
type RetentionPurged struct {
	Orders        int // anonymized orders past the accounting period (their lines go with them)
	Warranties    int // anonymized warranties that have ended
	Registrations int // unlinked registrations left with no warranty
}

// PurgeExpiredRetention deletes the records an erasure kept only for a
// legal period once that period is over: anonymized orders placed before
// accountingCutoff, anonymized warranties that ended before now, and the
// registrations they leave behind with no account and no warranty. It works
// in pages (DeleteInBatches), so it never holds locks for long.
func PurgeExpiredRetention(ctx context.Context, db *gorm.DB, accountingCutoff, now time.Time) (RetentionPurged, error) {
	var p RetentionPurged
	var err error
	p.Orders, err = DeleteInBatches(ctx, db, &Order{}, func(q *gorm.DB) *gorm.DB {
		return q.Where("anonymized_at IS NOT NULL AND placed_at < ?", accountingCutoff)
	})
	if err != nil {
		return p, err
	}
	p.Warranties, err = DeleteInBatches(ctx, db, &ExtendedWarranty{}, func(q *gorm.DB) *gorm.DB {
		return q.Where("anonymized_at IS NOT NULL AND ends_at < ?", now)
	})
	if err != nil {
		return p, err
	}
	p.Registrations, err = DeleteInBatches(ctx, db, &ProductRegistration{}, func(q *gorm.DB) *gorm.DB {
		return q.Where("customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM store_extended_warranties w WHERE w.registration_id = store_product_registrations.id)")
	})
	return p, err
}
