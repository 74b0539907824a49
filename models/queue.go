package models

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// QueueFilter selects requests for the staff queue.
type QueueFilter struct {
	Status   string // one status; "" means the open queue
	Type     string
	Channel  string // web, api, staff or agent; "" means any
	Assignee string // "me", "unassigned" or "" (anyone)
	StaffID  int64  // who "me" is
	Due      string // "soon" (≤ 7 days), "overdue", or "upto" (due by Now)
	Search   string // request id or email, exact; or part of an id, email or name (MinPartialSearch characters or more)
	Hidden   bool   // include unverified and expired requests
	Appeal   bool   // only requests with an open appeal (denied, so closed, while it is decided)
	Sort     string // one of QueueSorts; "" is "due"
	Now      time.Time
	Limit    int
	After    *Cursor // keyset: rows strictly after this one
	Before   *Cursor // keyset: rows strictly before this one (the previous page); After wins
}

// QueueSorts are the queue's orders: by due date or by filing date, each
// oldest first or ("-") newest first. Ties are broken by id.
var QueueSorts = []string{"due", "-due", "filed", "-filed"}

// MinPartialSearch is the shortest search term matched as part of an id,
// email or name; shorter terms ("pd", "a") would match nearly everything.
const MinPartialSearch = 3

// Cursor is a position in the queue's order: the sort key (queue_at, or
// created_at when sorted by filing date) and the id.
type Cursor struct {
	At time.Time
	ID string
}

// QueueRow is a request with its assignee's name, for the queue table.
type QueueRow struct {
	Request
	AssigneeName string
}

// Key returns the row's position in the order sort.
func (r *QueueRow) Key(sort string) Cursor {
	if strings.HasSuffix(sort, "filed") {
		return Cursor{At: r.CreatedAt, ID: r.ID}
	}
	if r.QueueAt == nil {
		return Cursor{ID: r.ID}
	}
	return Cursor{At: *r.QueueAt, ID: r.ID}
}

// QueueWindow is one page of the queue and where its neighbours start.
type QueueWindow struct {
	Rows       []QueueRow
	Next, Prev *Cursor // nil: no such page
}

// QueuePage returns up to f.Limit requests in f.Sort order after f.After,
// and the cursor of the next page (nil on the last one). Every filter runs
// on an index whose order is the queue's, so a page costs the same at a
// thousand rows and at a million.
func QueuePage(ctx context.Context, db *gorm.DB, f QueueFilter) ([]QueueRow, *Cursor, error) {
	f.Before = nil
	w, err := QueueSlice(ctx, db, f)
	return w.Rows, w.Next, err
}

// QueueSlice returns one page of the queue, forward from f.After or
// backward from f.Before (shown in f.Sort order either way), with the
// cursors of the pages around it. A backward page that reaches the start
// of the list is the first page, full.
func QueueSlice(ctx context.Context, db *gorm.DB, f QueueFilter) (QueueWindow, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.After != nil {
		f.Before = nil
	}
	backward := f.Before != nil
	rows, err := queueRows(ctx, db, f, backward)
	if err != nil {
		return QueueWindow{}, err
	}
	var w QueueWindow
	more := len(rows) > f.Limit
	if more {
		rows = rows[:f.Limit]
	}
	if backward {
		if !more { // back at the start: show the first page as it is
			f.Before = nil
			return QueueSlice(ctx, db, f)
		}
		slices.Reverse(rows)
		w.Rows = rows
		first, last := rows[0].Key(f.Sort), rows[len(rows)-1].Key(f.Sort)
		w.Prev, w.Next = &first, &last
		return w, nil
	}
	w.Rows = rows
	if more {
		last := rows[len(rows)-1].Key(f.Sort)
		w.Next = &last
	}
	if f.After != nil && len(rows) > 0 {
		first := rows[0].Key(f.Sort)
		w.Prev = &first
	}
	return w, nil
}

// queueRows runs the queue query: f's filters, its order (reversed for a
// backward page), up to f.Limit+1 rows past the cursor.
func queueRows(ctx context.Context, db *gorm.DB, f QueueFilter, backward bool) ([]QueueRow, error) {
	q := queueFiltered(db.WithContext(ctx).Table("requests AS r").
		Select("r.*, s.name AS assignee_name").
		Joins("LEFT JOIN staff_users s ON s.id = r.assignee_id"), f)
	key := "r.queue_at"
	if strings.HasSuffix(f.Sort, "filed") {
		key = "r.created_at"
	}
	desc := strings.HasPrefix(f.Sort, "-") != backward
	op, dir := ">", ""
	if desc {
		op, dir = "<", " DESC"
	}
	cur := f.After
	if backward {
		cur = f.Before
	}
	if cur != nil {
		// A row value, not an OR, so the index range starts at the cursor.
		q = q.Where("("+key+", r.id) "+op+" (?, ?)", cur.At, cur.ID)
	}
	var rows []QueueRow
	err := q.Order(key + dir + ", r.id" + dir).Limit(f.Limit + 1).Scan(&rows).Error
	return rows, err
}

// queueFiltered adds f's filters to q.
func queueFiltered(q *gorm.DB, f QueueFilter) *gorm.DB {
	if f.Appeal {
		q = q.Where("r.id IN (SELECT request_id FROM appeals WHERE status = ?)", AppealOpen)
	}
	switch {
	case f.Search != "":
		pred, args := searchPredicate(f.Search)
		q = q.Where(pred, args...)
		if !f.Hidden {
			q = q.Where("r.status NOT IN ?", []string{StatusPendingVerification, StatusExpired})
		}
	case f.Status != "":
		q = q.Where("r.status = ?", f.Status)
	case f.Appeal: // the appeal decides which requests, whatever their queue
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
	if f.Channel != "" {
		q = q.Where("r.channel = ?", f.Channel)
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
	return q
}

// searchPredicate matches a request id or email exactly and, for a term of
// MinPartialSearch characters or more, any request whose id, email or name
// contains it. Emails are stored in clear (trimmed, lower case), so part of
// one can be found; names are compared lower-cased (ASCII only on SQLite).
//
// Cost: no index serves "contains", so a partial search reads the queue's
// rows in page order until it has a page of matches: cheap for a common
// term, and for a rare one a walk of every request the other filters let
// through (at a million requests, a scan of the table). It runs only when a
// term is given; the default queue and the filters never pay for it.
// pg_trgm would make it indexable but is not available everywhere.
func searchPredicate(term string) (string, []any) {
	exact := "r.id = ? OR r.email = ?"
	args := []any{strings.ToUpper(term), strings.ToLower(term)}
	if utf8.RuneCountInString(term) < MinPartialSearch {
		return "(" + exact + ")", args
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(term)) + "%"
	return "(" + exact + ` OR r.email LIKE ? ESCAPE '\' OR LOWER(r.name) LIKE ? ESCAPE '\' OR r.id LIKE ? ESCAPE '\')`,
		append(args, like, like, strings.ToUpper(like))
}

// QueueTotalCap bounds CountQueue: past it the queue says "10,000+".
const QueueTotalCap = 10000

// CountQueue counts the requests f selects (its cursor and order aside),
// reading at most QueueTotalCap+1 of them, so a total never costs more
// than a walk of that many index entries.
func CountQueue(ctx context.Context, db *gorm.DB, f QueueFilter) (int64, error) {
	inner := queueFiltered(db.WithContext(ctx).Table("requests AS r").Select("1"), f).Limit(QueueTotalCap + 1)
	var n int64
	err := db.WithContext(ctx).Table("(?) AS capped", inner).Count(&n).Error
	return n, err
}

// OpenRequestsLike returns the other open requests of r's type from r's
// email, oldest first, at most 10 (the requests_email_type index).
func OpenRequestsLike(ctx context.Context, db *gorm.DB, r *Request) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).Where("email = ? AND type = ? AND id <> ? AND queue IN ?", r.Email, r.Type, r.ID,
		[]string{QueueOpen, QueuePending}).Order("created_at, id").Limit(10).Find(&rs).Error
	return rs, err
}

// QueueMatches returns the ids of the requests f selects (its cursor and
// limit aside), in f.Sort order, at most limit of them; with ids non-nil,
// only those among ids. A bulk action re-applies the queue's filter with
// it, so it never touches a request the filter does not select.
func QueueMatches(ctx context.Context, db *gorm.DB, f QueueFilter, ids []string, limit int) ([]string, error) {
	if ids != nil && len(ids) == 0 {
		return nil, nil
	}
	q := queueFiltered(db.WithContext(ctx).Table("requests AS r").Select("r.id"), f)
	if ids != nil {
		q = q.Where("r.id IN ?", ids)
	}
	key := "r.queue_at"
	if strings.HasSuffix(f.Sort, "filed") {
		key = "r.created_at"
	}
	dir := ""
	if strings.HasPrefix(f.Sort, "-") {
		dir = " DESC"
	}
	var out []string
	err := q.Order(key + dir + ", r.id" + dir).Limit(limit).Scan(&out).Error
	return out, err
}
