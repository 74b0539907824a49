package bench_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/sqlite"

	"github.com/kactoily/privacydesk/models"
)

// The erasure benchmark needs the time each SQLite write transaction holds
// the database's single write lock. With _txlock=immediate every
// transaction takes that lock at BEGIN, so it is held from BEGIN returning
// to COMMIT or ROLLBACK returning; a write statement outside a transaction
// holds it for the statement. txWatch sees both, below database/sql, so
// GORM and River keep their *sql.Tx.

// txTag labels the work of one context, so a report can tell the erasure's
// transactions from the intake traffic running beside it.
type txTagKey struct{}

func withTxTag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, txTagKey{}, tag)
}

func txTag(ctx context.Context) string {
	s, _ := ctx.Value(txTagKey{}).(string)
	return s
}

// txSpan is one write transaction or autocommit write statement.
type txSpan struct {
	Tag   string
	Held  time.Duration
	Stmts int
	First string // its first statement, shortened
}

// txWatch collects the spans.
type txWatch struct {
	mu    sync.Mutex
	spans []txSpan
}

func (w *txWatch) add(s txSpan) {
	w.mu.Lock()
	w.spans = append(w.spans, s)
	w.mu.Unlock()
}

// reset forgets what was seen and returns it.
func (w *txWatch) reset() []txSpan {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.spans
	w.spans = nil
	return s
}

// watchWrites reopens db's connection pool through txWatch: same driver,
// same DSN, same pool size. Call it before anything (a workflows.Service,
// River) takes hold of db.SQL.
func watchWrites(tb testing.TB, db *models.DB) *txWatch {
	tb.Helper()
	d, ok := db.Dialector.(*sqlite.Dialector)
	if !ok {
		tb.Fatalf("watchWrites: %s is not SQLite", db.Dialect)
	}
	w := &txWatch{}
	pool := sql.OpenDB(watchConnector{drv: db.SQL.Driver(), dsn: d.DSN, w: w})
	pool.SetMaxOpenConns(db.SQL.Stats().MaxOpenConnections)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.UsePool(pool); err != nil {
		tb.Fatal(err)
	}
	return w
}

type watchConnector struct {
	drv driver.Driver
	dsn string
	w   *txWatch
}

func (c watchConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &watchConn{inner: conn, w: c.w}, nil
}

func (c watchConnector) Driver() driver.Driver { return c.drv }

// innerConn is what mattn/go-sqlite3's connection implements.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
}

type watchConn struct {
	inner driver.Conn
	w     *txWatch
	tx    *txSpan // open transaction
	began time.Time
}

func (c *watchConn) in() innerConn { return c.inner.(innerConn) }

func (c *watchConn) Prepare(q string) (driver.Stmt, error) { return c.inner.Prepare(q) }
func (c *watchConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.in().PrepareContext(ctx, q)
}
func (c *watchConn) Close() error                   { return c.inner.Close() }
func (c *watchConn) Ping(ctx context.Context) error { return c.in().Ping(ctx) }
func (c *watchConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *watchConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	tx, err := c.in().BeginTx(ctx, o)
	if err != nil {
		return nil, err
	}
	c.tx, c.began = &txSpan{Tag: txTag(ctx)}, time.Now()
	return &watchTx{inner: tx, c: c}, nil
}

func (c *watchConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	res, err := c.in().ExecContext(ctx, q, args)
	c.statement(ctx, q, start)
	return res, err
}

func (c *watchConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	rows, err := c.in().QueryContext(ctx, q, args)
	if err != nil || c.tx != nil || !isWrite(q) {
		c.statement(ctx, q, start)
		return rows, err
	}
	// INSERT … RETURNING runs as the rows are read: time it to Close.
	return &watchRows{Rows: rows, done: func() { c.statement(ctx, q, start) }}, nil
}

// statement counts q in the open transaction, or records it as a
// transaction of its own when it writes outside one.
func (c *watchConn) statement(ctx context.Context, q string, start time.Time) {
	if c.tx != nil {
		if c.tx.Stmts == 0 {
			c.tx.First = short(q)
		}
		c.tx.Stmts++
		return
	}
	if isWrite(q) {
		c.w.add(txSpan{Tag: txTag(ctx), Held: time.Since(start), Stmts: 1, First: short(q)})
	}
}

func (c *watchConn) end() {
	if c.tx != nil {
		c.tx.Held = time.Since(c.began)
		c.w.add(*c.tx)
		c.tx = nil
	}
}

type watchTx struct {
	inner driver.Tx
	c     *watchConn
}

func (t *watchTx) Commit() error {
	err := t.inner.Commit()
	t.c.end()
	return err
}

func (t *watchTx) Rollback() error {
	err := t.inner.Rollback()
	t.c.end()
	return err
}

type watchRows struct {
	driver.Rows
	done func()
}

func (r *watchRows) Close() error {
	err := r.Rows.Close()
	r.done()
	return err
}

func isWrite(q string) bool {
	q = strings.TrimSpace(q)
	if len(q) < 7 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE", "REPLAC":
		return true
	}
	return false
}

func short(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 90 {
		q = q[:90] + "…"
	}
	return q
}
