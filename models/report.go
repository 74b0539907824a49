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

// RequestsFiled returns up to limit requests filed in [from, to) after the
// cursor, oldest first (ties broken by id), with their assignee's name,
// and the cursor of the next batch (nil after the last one).
func RequestsFiled(ctx context.Context, db *gorm.DB, from, to time.Time, after *Cursor, limit int) ([]QueueRow, *Cursor, error) {
	q := db.WithContext(ctx).Table("requests AS r").Select("r.*, s.name AS assignee_name").
		Joins("LEFT JOIN staff_users s ON s.id = r.assignee_id").
		Where("r.created_at >= ? AND r.created_at < ?", from, to)
	if after != nil {
		q = q.Where("(r.created_at, r.id) > (?, ?)", after.At, after.ID)
	}
	var rows []QueueRow
	if err := q.Order("r.created_at, r.id").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	if len(rows) <= limit {
		return rows, nil, nil
	}
	rows = rows[:limit]
	last := rows[limit-1]
	return rows, &Cursor{At: last.CreatedAt, ID: last.ID}, nil
}
