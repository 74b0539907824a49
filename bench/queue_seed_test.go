package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/internal/password"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// The seeded data set: every request is placed relative to queueNow, which
// is also the service's clock, so "overdue" means the same at every size.
var queueNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	queueSeedVersion = "2" // bump when the generated rows change, to rebuild cached files
	queueStaffCount  = 5   // staff ids 1..5; id 1 is the benchmark's "me"
	queueMeEmail     = "bench.agent@kactoily.example"
	queuePassword    = "queue-bench-password"
	queueSearchEmail = "bench.search@example.org" // planted with the same 3 requests at every size
)

// queueColumns are the requests columns the seeder fills, in row order.
var queueColumns = []string{"id", "type", "status", "email", "name", "details", "scopes", "gpc", "channel",
	"denial_reason", "expires_at", "verified_at", "due_at", "closed_at", "created_at", "updated_at",
	"assignee_id", "queue", "queue_at", "extended_at", "extension_reason", "identity_confirmed", "filed_by"}

// queueMix is the share of each status, summing to 1: ~90% closed, ~5% open,
// ~5% awaiting verification.
var queueMix = []struct {
	status string
	share  float64
}{
	{models.StatusCompleted, 0.62}, {models.StatusDenied, 0.09}, {models.StatusCancelled, 0.07},
	{models.StatusExpired, 0.12},
	{models.StatusVerified, 0.0125}, {models.StatusInProgress, 0.0175}, {models.StatusAwaitingApproval, 0.01},
	{models.StatusFulfilling, 0.01},
	{models.StatusPendingVerification, 0.05},
}

// queueGen generates the rows of a data set of n requests, reproducibly.
type queueGen struct {
	rng    *rand.Rand
	n      int
	counts map[string]int64
}

func newQueueGen(n int) *queueGen {
	return &queueGen{rng: rand.New(rand.NewPCG(uint64(n), 7)), n: n, counts: map[string]int64{}}
}

func (g *queueGen) pickStatus() string {
	x := g.rng.Float64()
	for _, m := range queueMix {
		if x < m.share {
			return m.status
		}
		x -= m.share
	}
	return models.StatusCompleted
}

// ago is a moment between lo and hi before queueNow, with sub-second noise
// as real timestamps have.
func (g *queueGen) ago(lo, hi time.Duration) time.Time {
	return queueNow.Add(-lo - time.Duration(g.rng.Int64N(int64(hi-lo))))
}

func (g *queueGen) id() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // as workflows' newRequestID
	var b strings.Builder
	b.WriteString("PD-")
	for i := range 10 {
		if i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[g.rng.IntN(32)])
	}
	return b.String()
}

// queueBirth is when a request was filed and where it ended up.
type queueBirth struct {
	created time.Time
	status  string
	planted bool // one of the search target's requests
}

// births draws the status and filing time of n requests and returns them
// in filing order, the order the rows would have been inserted in.
func (g *queueGen) births() []queueBirth {
	const day = 24 * time.Hour
	bs := make([]queueBirth, g.n)
	for i := range bs {
		b := queueBirth{status: g.pickStatus()}
		if i < 3 { // the planted search target: one open, two closed
			b.status, b.planted = []string{models.StatusInProgress, models.StatusCompleted, models.StatusDenied}[i], true
		}
		switch models.QueueFor(b.status) {
		case models.QueuePending:
			b.created = g.ago(0, 23*time.Hour)
		case models.QueueOpen:
			b.created = g.ago(time.Hour, 40*day) // a quarter of them overdue
		default:
			b.created = g.ago(time.Hour, 365*day)
		}
		bs[i] = b
	}
	slices.SortFunc(bs, func(a, b queueBirth) int { return a.created.Compare(b.created) })
	return bs
}

// row returns the i-th request filed as values in queueColumns order, set
// as intake, verification and the transitions would have left it.
func (g *queueGen) row(i int, b queueBirth) []any {
	const day = 24 * time.Hour
	typ := models.TypeAccess
	switch x := g.rng.IntN(10); {
	case x >= 8:
		typ = models.TypeOptOut
	case x >= 5:
		typ = models.TypeDeletion
	}
	status, created := b.status, b.created
	email := fmt.Sprintf("customer%07d@example.%s", g.rng.IntN(g.n*2/5+1), []string{"com", "net", "org"}[g.rng.IntN(3)])
	if b.planted {
		email = queueSearchEmail
	}
	var expires, verified, due, closed, extended *time.Time
	var assignee, filedBy any
	denial, extReason := "", ""
	unverified := status == models.StatusPendingVerification || status == models.StatusExpired ||
		(status == models.StatusCancelled && g.rng.IntN(2) == 0)
	if unverified {
		e := created.Add(workflows.VerifyLinkLife)
		expires = &e
	} else {
		v := created.Add(time.Duration(g.rng.Int64N(int64(20 * time.Hour))))
		d := v.AddDate(0, 0, workflows.ResponseDays)
		if g.rng.IntN(40) == 0 { // extended once
			d = d.AddDate(0, 0, 30)
			x := v.Add(10 * day)
			extended, extReason = &x, "Records held by a third party."
		}
		verified, due = &v, &d
	}
	if models.QueueFor(status) == models.QueueClosed {
		c := created.Add(workflows.VerifyLinkLife)
		if verified != nil {
			c = verified.Add(time.Duration(g.rng.Int64N(int64(25 * day))))
		}
		if limit := queueNow.Add(-time.Minute); c.After(limit) {
			c = limit
		}
		closed = &c
	}
	if status == models.StatusDenied {
		denial = "We could not match these details to an account."
	}
	if verified != nil && (status != models.StatusVerified || g.rng.IntN(10) < 3) && g.rng.IntN(10) < 9 {
		assignee = int64(1 + g.rng.IntN(queueStaffCount))
	}
	if b.planted && status == models.StatusInProgress {
		assignee = int64(1)
	}
	channel := []string{"web", "web", "web", "web", "web", "web", "web", "api", "api", "api"}[g.rng.IntN(10)]
	if g.rng.IntN(20) == 0 {
		channel, filedBy = "staff", int64(1+g.rng.IntN(queueStaffCount))
	}
	scopes := ""
	if typ == models.TypeOptOut {
		scopes = models.ScopeMarketingEmail + " " + models.ScopeSaleSharing
	}
	queueAt := created.AddDate(0, 0, workflows.ResponseDays)
	if due != nil {
		queueAt = *due
	}
	updated := created
	if closed != nil {
		updated = *closed
	} else if verified != nil {
		updated = *verified
	}
	g.counts[status]++
	return []any{g.id(), typ, status, email, fmt.Sprintf("Customer %d", i), "", scopes, g.rng.IntN(8) == 0, channel,
		denial, expires, verified, due, closed, created, updated,
		assignee, models.QueueFor(status), queueAt, extended, extReason, "", filedBy}
}

// seedQueue fills an empty, migrated database with queueStaffCount staff,
// n requests and the per-status counters to match.
func seedQueue(ctx context.Context, db *models.DB, n int) error {
	hash := password.Hash(queuePassword)
	for i := 1; i <= queueStaffCount; i++ {
		u := &models.StaffUser{ID: int64(i), Email: fmt.Sprintf("bench.staff%d@kactoily.example", i),
			Name: fmt.Sprintf("Staff Member %d", i), Role: models.RoleAgent, PasswordHash: hash,
			CreatedAt: queueNow, UpdatedAt: queueNow}
		if i == 1 {
			u.Email, u.Name = queueMeEmail, "Bench Agent"
		}
		if err := db.WithContext(ctx).Create(u).Error; err != nil {
			return fmt.Errorf("create staff: %w", err)
		}
	}
	if db.Dialect == models.DialectPostgres { // ids were given explicitly
		if err := db.Exec("SELECT setval(pg_get_serial_sequence('staff_users', 'id'), ?)", queueStaffCount).Error; err != nil {
			return err
		}
	}
	g := newQueueGen(n)
	if err := loadRequests(ctx, db, g); err != nil {
		return err
	}
	// As MoveStatusCount would have left them after n creations and moves.
	for _, table := range []string{"request_status_deltas", "request_status_counts"} {
		if err := db.WithContext(ctx).Exec("DELETE FROM " + table).Error; err != nil {
			return err
		}
	}
	for status, c := range g.counts {
		if err := db.WithContext(ctx).Create(&models.StatusCount{Status: status, N: c}).Error; err != nil {
			return fmt.Errorf("fill request_status_counts: %w", err)
		}
	}
	return nil
}

// loadRequests inserts g's requests in filing order with multi-row INSERTs
// of as many rows as the driver's parameter limit allows, 100 of them per
// transaction, on one connection tuned for a bulk load. The secondary
// indexes are dropped for the load and rebuilt from their own definitions
// after it: one sort each instead of a million random inserts.
func loadRequests(ctx context.Context, db *models.DB, g *queueGen) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.Dialect == models.DialectSQLite {
		for _, p := range []string{"cache_size = -1048576", "temp_store = MEMORY", "synchronous = OFF"} {
			if _, err := conn.ExecContext(ctx, "PRAGMA "+p); err != nil {
				return err
			}
		}
		defer conn.ExecContext(ctx, "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; PRAGMA synchronous = NORMAL")
	} else if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '512MB'; SET synchronous_commit = off"); err != nil {
		return err
	}
	indexes, err := requestIndexes(ctx, conn, db.Dialect)
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := conn.ExecContext(ctx, "DROP INDEX "+ix[0]); err != nil {
			return err
		}
	}
	maxParams := 32766 // SQLite's SQLITE_MAX_VARIABLE_NUMBER
	if db.Dialect == models.DialectPostgres {
		maxParams = 65535
	}
	perBatch := maxParams / len(queueColumns)
	full := insertRequests(db.Dialect, perBatch)
	births := g.births()
	args := make([]any, 0, perBatch*len(queueColumns))
	for done := 0; done < g.n; {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, full)
		if err != nil {
			tx.Rollback()
			return err
		}
		for b := 0; b < 100 && done < g.n; b++ {
			rows := min(perBatch, g.n-done)
			args = args[:0]
			for i := done; i < done+rows; i++ {
				args = append(args, g.row(i, births[i])...)
			}
			if rows == perBatch {
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, insertRequests(db.Dialect, rows), args...)
			}
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("insert requests %d..%d: %w", done, done+rows, err)
			}
			done += rows
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	for _, ix := range indexes {
		if _, err := conn.ExecContext(ctx, ix[1]); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix[0], err)
		}
	}
	return nil
}

// insertRequests is an INSERT of rows requests, with the dialect's placeholders.
func insertRequests(dialect string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO requests (" + strings.Join(queueColumns, ", ") + ") VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range queueColumns {
			if c > 0 {
				b.WriteByte(',')
			}
			if dialect == models.DialectPostgres {
				fmt.Fprintf(&b, "$%d", p)
			} else {
				b.WriteByte('?')
			}
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// requestIndexes returns the name and definition of each index on requests
// that no constraint owns.
func requestIndexes(ctx context.Context, conn *sql.Conn, dialect string) ([][2]string, error) {
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL"
	if dialect == models.DialectPostgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'requests'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'requests'::regclass)`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var ix [2]string
		if err := rows.Scan(&ix[0], &ix[1]); err != nil {
			return nil, err
		}
		out = append(out, ix)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("requests has no secondary index: wrong schema?")
	}
	return out, rows.Err()
}
