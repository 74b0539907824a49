package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// StatusDelta is one change to the number of requests in a status, appended
// by a transition (-1 for the status left, +1 for the one entered) instead
// of updating a shared counter row that every transition would queue on.
// FoldStatusDeltas moves them into StatusCount; StatusCounts adds those not
// yet folded, so the counts are exact at any moment.
type StatusDelta struct {
	ID     int64  `gorm:"primaryKey"`
	Status string `gorm:"size:32;not null"`
	Delta  int64  `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (StatusDelta) TableName() string { return "request_status_deltas" }

// AddStatusDeltas appends one delta row per status whose change is not zero,
// in one statement inside tx. It touches no row another writer updates.
func AddStatusDeltas(ctx context.Context, tx *gorm.DB, deltas map[string]int64) error {
	rows := make([]StatusDelta, 0, len(deltas))
	for status, d := range deltas {
		if d != 0 {
			rows = append(rows, StatusDelta{Status: status, Delta: d})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b StatusDelta) int { return cmp.Compare(a.Status, b.Status) })
	if err := tx.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("append status deltas: %w", err)
	}
	return nil
}

// MoveStatusCount records a request moving from one status to another
// ("" for a new request) in the per-status counts, inside tx.
func MoveStatusCount(ctx context.Context, tx *gorm.DB, from, to string) error {
	d := map[string]int64{to: 1}
	if from != "" {
		d[from]--
	}
	return AddStatusDeltas(ctx, tx, d)
}

// StatusCounts returns the number of requests per status: the folded totals
// plus the deltas not yet folded, read in one statement so a concurrent fold
// (which moves rows from one table to the other in one transaction) is seen
// either wholly or not at all.
func StatusCounts(ctx context.Context, db *gorm.DB) (map[string]int64, error) {
	var cs []StatusCount
	err := db.WithContext(ctx).Raw(`SELECT status, SUM(n) AS n FROM (
		SELECT status, n FROM request_status_counts
		UNION ALL SELECT status, delta AS n FROM request_status_deltas) AS c
		GROUP BY status`).Scan(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("count statuses: %w", err)
	}
	out := make(map[string]int64, len(cs))
	for _, c := range cs {
		out[c.Status] = c.N
	}
	return out, nil
}

// FoldStatusDeltas moves up to limit of the oldest deltas into the totals,
// in one transaction, and returns how many it folded. The deltas are
// deleted with RETURNING and exactly those are added, so a delta committed
// meanwhile by another transaction, or folded by another instance, is
// never counted twice or lost.
func FoldStatusDeltas(ctx context.Context, db *gorm.DB, limit int) (int64, error) {
	var folded int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []StatusDelta
		if err := tx.Raw(`DELETE FROM request_status_deltas WHERE id IN
			(SELECT id FROM request_status_deltas ORDER BY id LIMIT ?) RETURNING id, status, delta`, limit).
			Scan(&rows).Error; err != nil {
			return fmt.Errorf("take status deltas: %w", err)
		}
		folded = int64(len(rows))
		sums := map[string]int64{}
		for _, r := range rows {
			sums[r.Status] += r.Delta
		}
		totals := make([]StatusCount, 0, len(sums))
		for status, n := range sums {
			totals = append(totals, StatusCount{Status: status, N: n})
		}
		if len(totals) == 0 {
			return nil
		}
		slices.SortFunc(totals, func(a, b StatusCount) int { return cmp.Compare(a.Status, b.Status) })
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "status"}},
			DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("request_status_counts.n + excluded.n")}),
		}).Create(&totals).Error
	})
	return folded, err
}
