package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// QueueFilter selects requests for the staff queue.
type QueueFilter struct {
	Status   string // one status; "" means the open queue
	Type     string
	Assignee string // "me", "unassigned" or "" (anyone)
	StaffID  int64  // who "me" is
	Due      string // "soon" (≤ 7 days), "overdue", or "upto" (due by Now)
	Search   string // exact request id or normalized email
	Hidden   bool   // include unverified and expired requests
	Now      time.Time
	Limit    int
	After    *Cursor // keyset: rows strictly after this one
}

// Cursor is a position in the queue's order (queue_at, id).
type Cursor struct {
	At time.Time
	ID string
}

// QueueRow is a request with its assignee's name, for the queue table.
type QueueRow struct {
	Request
	AssigneeName string
}

// QueuePage returns up to f.Limit requests in due-date order after f.After,
// and the cursor of the next page (nil on the last one). Every filter runs
// on an index whose order is the queue's, so a page costs the same at a
// thousand rows and at a million.
func QueuePage(ctx context.Context, db *gorm.DB, f QueueFilter) ([]QueueRow, *Cursor, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := db.WithContext(ctx).Table("requests AS r").
		Select("r.*, s.name AS assignee_name").
		Joins("LEFT JOIN staff_users s ON s.id = r.assignee_id")
	switch {
	case f.Search != "":
		q = q.Where("(r.id = ? OR r.email = ?)", f.Search, f.Search)
		if !f.Hidden {
			q = q.Where("r.status NOT IN ?", []string{StatusPendingVerification, StatusExpired})
		}
	case f.Status != "":
		q = q.Where("r.status = ?", f.Status)
	// Hidden: the open queue and what it hides, unverified and expired
	// requests. Each spelling below is the predicate of one partial index of
	// migration 00004, with literals (a cached statement's generic plan on
	// PostgreSQL can only use a partial index its constants imply), and
	// implies no other one's, so PostgreSQL cannot prefer walking all hidden
	// requests for one assignee's few.
	case f.Hidden && f.Assignee != "":
		q = q.Where("r.status IN ('pending_verification', 'verified', 'in_progress', 'awaiting_approval', 'fulfilling', 'expired')")
	case f.Hidden:
		q = q.Where("(r.queue <> 'closed' OR r.status = 'expired')")
	default:
		q = q.Where("r.queue = ?", QueueOpen)
	}
	if f.Type != "" {
		q = q.Where("r.type = ?", f.Type)
	}
	switch f.Assignee {
	case "me":
		q = q.Where("r.assignee_id = ?", f.StaffID)
	case "unassigned":
		q = q.Where("r.assignee_id IS NULL")
	}
	switch f.Due {
	case "soon":
		q = q.Where("r.queue_at >= ? AND r.queue_at <= ?", f.Now, f.Now.AddDate(0, 0, 7))
	case "overdue":
		q = q.Where("r.queue_at < ?", f.Now)
	case "upto": // everything due by Now, overdue included
		q = q.Where("r.queue_at <= ?", f.Now)
	}
	if f.After != nil {
		// A row value, not an OR, so the index range starts at the cursor.
		q = q.Where("(r.queue_at, r.id) > (?, ?)", f.After.At, f.After.ID)
	}
	var rows []QueueRow
	err := q.Order("r.queue_at, r.id").Limit(f.Limit + 1).Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	var next *Cursor
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		if last.QueueAt != nil {
			next = &Cursor{At: *last.QueueAt, ID: last.ID}
		}
	}
	return rows, next, nil
}

// StatusCounts returns the number of requests per status.
func StatusCounts(ctx context.Context, db *gorm.DB) (map[string]int64, error) {
	var cs []StatusCount
	if err := db.WithContext(ctx).Find(&cs).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(cs))
	for _, c := range cs {
		out[c.Status] = c.N
	}
	return out, nil
}

// MoveStatusCount updates the per-status counters for a request moving
// from one status to another ("" for a new request), inside tx.
func MoveStatusCount(ctx context.Context, tx *gorm.DB, from, to string) error {
	tx = tx.WithContext(ctx)
	if from != "" {
		if err := tx.Model(&StatusCount{}).Where("status = ?", from).Update("n", gorm.Expr("n - 1")).Error; err != nil {
			return err
		}
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "status"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("request_status_counts.n + 1")}),
	}).Create(&StatusCount{Status: to, N: 1}).Error
}

// OpenRequestsLike returns the other open requests of r's type from r's
// email, oldest first, at most 10 (the requests_email_type index).
func OpenRequestsLike(ctx context.Context, db *gorm.DB, r *Request) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).Where("email = ? AND type = ? AND id <> ? AND queue IN ?", r.Email, r.Type, r.ID,
		[]string{QueueOpen, QueuePending}).Order("created_at, id").Limit(10).Find(&rs).Error
	return rs, err
}
