package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ReportRow is the part of a request the compliance report needs.
type ReportRow struct {
	Type       string
	Status     string
	Channel    string
	CreatedAt  time.Time
	VerifiedAt *time.Time
	DueAt      *time.Time
	ClosedAt   *time.Time
}

// ReportRows calls f for every request filed in [from, to), in batches.
func ReportRows(ctx context.Context, db *gorm.DB, from, to time.Time, f func(ReportRow)) error {
	var batch []struct {
		ID string
		ReportRow
	}
	return db.WithContext(ctx).Model(&Request{}).
		Select("id, type, status, channel, created_at, verified_at, due_at, closed_at").
		Where("created_at >= ? AND created_at < ?", from, to).
		FindInBatches(&batch, 2000, func(*gorm.DB, int) error {
			for _, r := range batch {
				f(r.ReportRow)
			}
			return nil
		}).Error
}
