package workflows

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Group commit for intake. The commit (fsync) and the rows every filing
// shares (the audit chain's head, the status deltas) are intake's ceiling,
// so concurrent filings are gathered for at most batchLinger, or up to
// batchMax of them, and written in one transaction: each filing in its own
// savepoint, the batch's jobs, status deltas and audit events written in
// one pass at the end, one commit. Each caller still gets its own request or its own error, and
// only after the commit.
const (
	batchLinger = 2 * time.Millisecond
	batchMax    = 64
	// PostgreSQL keeps a transaction's first 64 subtransactions (savepoints)
	// in shared memory; past that, every other session's snapshots slow down.
	batchMaxPostgres = 48
	batchTimeout     = time.Minute
)

// filing is one validated request waiting to be written. Its id is chosen
// once, so writing it again after a failed batch can never store it twice.
type filing struct {
	ctx context.Context // the caller's: a filing whose caller left is skipped
	in  NewRequest
	id  string
	res chan filed // buffered: the batch never waits for a caller
}

type filed struct {
	r   *models.Request
	err error
}

// batcher gathers filings and hands each batch to one of a few writers.
// It belongs to a Service: NewService starts it, Service.Close stops it.
type batcher struct {
	s       *Service
	in      chan *filing
	writers chan struct{} // batches being written at once
	stop    chan struct{}
	done    chan struct{}
	running sync.WaitGroup
	once    sync.Once
	max     int // filings in one batch at most
}

// newBatcher starts a batcher. SQLite has one writer, so one batch is
// written at a time; PostgreSQL overlaps a few, which serialize only on
// the audit chain's lock at their very end.
func newBatcher(s *Service) *batcher {
	writers, most := 1, batchMax
	if s.DB.Dialect == models.DialectPostgres {
		writers, most = maxBatchesAtOnce, batchMaxPostgres
	}
	b := &batcher{s: s, in: make(chan *filing), writers: make(chan struct{}, writers),
		stop: make(chan struct{}), done: make(chan struct{}), max: most}
	go b.loop()
	return b
}

// file hands f to the batcher and waits for its answer; once the batcher
// is stopped, f is written on its own.
func (b *batcher) file(ctx context.Context, f *filing) (*models.Request, error) {
	f.ctx, f.res = ctx, make(chan filed, 1)
	select {
	case b.in <- f:
	case <-b.stop:
		return b.s.fileAlone(ctx, f)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case a := <-f.res:
		return a.r, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close writes the batches already gathered and stops the batcher.
func (b *batcher) close() {
	b.once.Do(func() { close(b.stop) })
	<-b.done
	b.running.Wait()
}

func (b *batcher) loop() {
	defer close(b.done)
	for {
		var batch []*filing
		select {
		case f := <-b.in:
			batch = append(batch, f)
		case <-b.stop:
			return
		}
		linger := time.NewTimer(batchLinger)
	gather:
		for len(batch) < b.max {
			select {
			case f := <-b.in:
				batch = append(batch, f)
			case <-linger.C:
				break gather
			}
		}
		linger.Stop()
		// While every writer is busy, the batch keeps filling.
		for writing := false; !writing; {
			if len(batch) >= b.max {
				b.writers <- struct{}{}
				break
			}
			select {
			case b.writers <- struct{}{}:
				writing = true
			case f := <-b.in:
				batch = append(batch, f)
			}
		}
		b.running.Go(func() {
			defer func() { <-b.writers }()
			defer b.answerIfPanicked(batch)
			b.s.writeBatch(batch)
		})
	}
}

// answerIfPanicked keeps a panic while writing a batch (a bug) from ending
// the process, as Gin's recovery would have for a filing written in its
// handler: the batch's unanswered callers get an internal error.
func (b *batcher) answerIfPanicked(batch []*filing) {
	p := recover()
	if p == nil {
		return
	}
	b.s.Log.Error("intake batch panicked", "panic", p)
	for _, f := range batch {
		select {
		case f.res <- filed{err: &models.Error{Code: models.EInternal, Message: "Something went wrong on our side. Please try again."}}:
		default: // answered already
		}
	}
}

// writeBatch writes a batch in one transaction. A filing refused for what
// it is (rate limit, conflict) fails alone, its savepoint rolled back; one
// that hits a database error is written again on its own after the batch,
// as is every filing of a batch whose transaction failed as a whole.
func (s *Service) writeBatch(batch []*filing) {
	live := slices.DeleteFunc(slices.Clone(batch), func(f *filing) bool {
		if err := f.ctx.Err(); err != nil {
			f.res <- filed{err: err}
			return true
		}
		return false
	})
	// Filings of one address are next to each other, so a repeat merges
	// into the request filed just before it.
	slices.SortStableFunc(live, func(a, b *filing) int { return cmp.Compare(a.in.Email, b.in.Email) })
	shared := &sharedRows{}
	// Not a caller's context: one caller leaving must not undo the others.
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), sharedRowsKey{}, shared), batchTimeout)
	defer cancel()
	answers := make([]filed, len(live))
	alone := make([]bool, len(live))
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		view, err := s.loadBatchView(ctx, tx, live)
		if err != nil {
			return err
		}
		shared.view = view
		for i, f := range live {
			plain := view.plain(f)
			if !plain {
				// It reads and writes rows itself, maybe those of a filing before it.
				if err := s.writeKept(ctx, tx, shared); err != nil {
					return err
				}
			}
			mark := shared.mark()
			var r *models.Request
			var err error
			if plain {
				// No statement of its own, so nothing to roll back to.
				shared.keep = true
				r, err = s.fileIn(ctx, tx, f)
				shared.keep = false
			} else {
				err = tx.Transaction(func(sp *gorm.DB) error {
					var err error
					r, err = s.fileIn(ctx, sp, f)
					return err
				})
			}
			var refused *models.Error
			switch {
			case err == nil:
				answers[i].r = r
			case errors.As(err, &refused):
				shared.rollback(mark)
				answers[i].err = err
			default:
				shared.rollback(mark)
				alone[i] = true
			}
		}
		if err := s.writeKept(ctx, tx, shared); err != nil {
			return err
		}
		return s.flush(ctx, tx, shared)
	})
	if err != nil {
		s.Log.Warn("intake batch failed, writing its filings one by one", "filings", len(live), "err", err)
	}
	for i, f := range live {
		switch {
		case err != nil && answers[i].err == nil, alone[i]:
			r, ferr := s.fileAlone(f.ctx, f)
			f.res <- filed{r: r, err: ferr}
		default:
			f.res <- answers[i]
		}
	}
	s.Metrics.intakeBatch(len(live))
}

// fileAlone writes one filing in a transaction of its own.
func (s *Service) fileAlone(ctx context.Context, f *filing) (*models.Request, error) {
	var r *models.Request
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		r, err = s.fileIn(ctx, tx, f)
		return err
	})
	return r, err
}

// Close stops the intake batcher once the filings it holds are written;
// filings after it are written one by one. Call it after the HTTP server
// has shut down.
func (s *Service) Close() {
	s.intake.close()
}

// sharedRows are the rows a batch's transitions would each have written to
// the shared tables, kept to be written once, in order, at the batch's end;
// and, while keep is set (a plain filing), the new requests and emails too,
// written by one multi-row insert each.
type sharedRows struct {
	events []*models.AuditEvent
	deltas []map[string]int64 // one per transition, summed at flush
	jobs   []river.InsertManyParams

	view     *batchView
	keep     bool
	requests []*models.Request
	emails   []*models.Email // each gets its send job once written (its id known)
}

type sharedRowsKey struct{}

func batchRows(ctx context.Context) *sharedRows {
	sr, _ := ctx.Value(sharedRowsKey{}).(*sharedRows)
	return sr
}

type rowsMark struct{ events, deltas, jobs, requests, emails, added int }

func (sr *sharedRows) mark() rowsMark {
	return rowsMark{len(sr.events), len(sr.deltas), len(sr.jobs), len(sr.requests), len(sr.emails), len(sr.view.added)}
}

// rollback forgets what was added after m (a filing rolled back to its savepoint).
func (sr *sharedRows) rollback(m rowsMark) {
	sr.events, sr.deltas, sr.jobs = sr.events[:m.events], sr.deltas[:m.deltas], sr.jobs[:m.jobs]
	sr.requests, sr.emails = sr.requests[:m.requests], sr.emails[:m.emails]
	sr.view.forget(m.added)
}

// writeKept inserts the kept requests, then the kept emails, and queues
// each email's send job with the others.
func (s *Service) writeKept(ctx context.Context, tx *gorm.DB, sr *sharedRows) error {
	if len(sr.requests) > 0 {
		if err := tx.WithContext(ctx).Create(&sr.requests).Error; err != nil {
			return fmt.Errorf("create %d requests: %w", len(sr.requests), err)
		}
	}
	if len(sr.emails) > 0 {
		if err := tx.WithContext(ctx).Create(&sr.emails).Error; err != nil {
			return fmt.Errorf("queue %d emails: %w", len(sr.emails), err)
		}
		for _, e := range sr.emails {
			sr.jobs = append(sr.jobs, river.InsertManyParams{Args: SendEmailArgs{EmailID: e.ID}})
		}
	}
	sr.requests, sr.emails = sr.requests[:0], sr.emails[:0]
	return nil
}

// batchView answers a batch's rate-limit counts and merge look-ups from two
// queries at its start (its addresses locked first on PostgreSQL, as
// models.CountRecentRequests does for one), kept up to date as the batch's
// filings add requests.
type batchView struct {
	counts  map[models.FilingKey]int64
	pending map[models.FilingKey][]models.Request // newest first
	added   []models.Request                      // in order, so a rolled-back filing's can be forgotten
}

func (s *Service) loadBatchView(ctx context.Context, tx *gorm.DB, live []*filing) (*batchView, error) {
	emails := make([]string, 0, len(live))
	for _, f := range live {
		emails = append(emails, f.in.Email)
	}
	slices.Sort(emails)
	emails = slices.Compact(emails)
	if len(emails) == 0 {
		return &batchView{}, nil
	}
	now := s.now()
	if err := models.LockFilings(ctx, tx, emails); err != nil {
		return nil, err
	}
	counts, err := models.CountRecentFilings(ctx, tx, emails, now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	pending, err := models.PendingFilings(ctx, tx, emails, now)
	if err != nil {
		return nil, err
	}
	return &batchView{counts: counts, pending: pending}, nil
}

// plain reports whether f can be written without a statement of its own:
// a new access or deletion request without corrections or a GPC signal,
// with no request of its kind waiting to be merged into (or refused by the
// rate limit, which writes nothing).
func (v *batchView) plain(f *filing) bool {
	in := f.in
	if in.Type != models.TypeAccess && in.Type != models.TypeDeletion || in.GPC || len(in.Corrections) > 0 {
		return false
	}
	return in.FiledBy != nil || len(v.pending[models.FilingKey{Email: in.Email, Type: in.Type}]) == 0
}

// add records a request the batch created.
func (v *batchView) add(r *models.Request) {
	k := models.FilingKey{Email: r.Email, Type: r.Type}
	v.counts[k]++
	if r.Status == models.StatusPendingVerification {
		v.pending[k] = append([]models.Request{*r}, v.pending[k]...)
	}
	v.added = append(v.added, *r)
}

// forget undoes the adds after the first n.
func (v *batchView) forget(n int) {
	for _, r := range slices.Backward(v.added[n:]) {
		k := models.FilingKey{Email: r.Email, Type: r.Type}
		v.counts[k]--
		if p := v.pending[k]; len(p) > 0 && p[0].ID == r.ID {
			v.pending[k] = p[1:]
		}
	}
	v.added = v.added[:n]
}

// recentFilings is models.CountRecentRequests, answered by the batch's view
// inside a batch.
func (s *Service) recentFilings(ctx context.Context, tx *gorm.DB, email, typ string, since time.Time) (int64, error) {
	if sr := batchRows(ctx); sr != nil && sr.view != nil {
		return sr.view.counts[models.FilingKey{Email: email, Type: typ}], nil
	}
	return models.CountRecentRequests(ctx, tx, email, typ, since)
}

// waitingFiling is models.PendingRequestsOfType for the newest one, answered
// by the batch's view inside a batch.
func (s *Service) waitingFiling(ctx context.Context, tx *gorm.DB, email, typ string, now time.Time) ([]models.Request, error) {
	if sr := batchRows(ctx); sr != nil && sr.view != nil {
		for _, r := range sr.view.pending[models.FilingKey{Email: email, Type: typ}] {
			if r.ExpiresAt != nil && r.ExpiresAt.After(now) {
				return []models.Request{r}, nil
			}
		}
		return nil, nil
	}
	return models.PendingRequestsOfType(ctx, tx, email, typ, now, 1)
}

// createRequest inserts a new request, or, for a plain filing in a batch,
// keeps it for the batch's one insert.
func (s *Service) createRequest(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	sr := batchRows(ctx)
	if sr != nil && sr.keep {
		sr.requests = append(sr.requests, r)
	} else if err := tx.WithContext(ctx).Create(r).Error; err != nil {
		return fmt.Errorf("create request: %w", err)
	}
	if sr != nil && sr.view != nil {
		sr.view.add(r)
	}
	return nil
}

// keepEmail keeps e for the batch's one insert of emails when inside a
// plain filing, and reports whether it did; its send job is queued once it
// is written and has an id.
func keepEmail(ctx context.Context, e *models.Email) bool {
	sr := batchRows(ctx)
	if sr == nil || !sr.keep {
		return false
	}
	sr.emails = append(sr.emails, e)
	return true
}

// flush writes the batch's jobs in one insert, its status deltas in
// another, and appends its audit events to the chain last.
func (s *Service) flush(ctx context.Context, tx *gorm.DB, sr *sharedRows) error {
	if len(sr.jobs) > 0 {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("enqueue a batch's jobs: not inside a transaction")
		}
		insert := s.jobs.InsertManyFastTx // no rows read back
		if slices.ContainsFunc(sr.jobs, uniqueJob) {
			insert = func(ctx context.Context, tx *sql.Tx, jobs []river.InsertManyParams) (int, error) {
				res, err := s.jobs.InsertManyTx(ctx, tx, jobs)
				return len(res), err
			}
		}
		if _, err := insert(ctx, sqlTx, sr.jobs); err != nil {
			return fmt.Errorf("enqueue a batch's jobs: %w", err)
		}
	}
	sum := map[string]int64{}
	for _, d := range sr.deltas {
		for status, n := range d {
			sum[status] += n
		}
	}
	if err := models.AddStatusDeltas(ctx, tx, sum); err != nil {
		return err
	}
	return models.AppendAuditEvents(ctx, tx, s.DB.Dialect, sr.events)
}

// uniqueJob reports whether p's job is one River inserts at most once
// (unique options set on the call or by its kind), which only InsertManyTx
// handles; InsertManyFastTx fails on such a job's conflict.
func uniqueJob(p river.InsertManyParams) bool {
	if p.InsertOpts != nil && !reflect.ValueOf(p.InsertOpts.UniqueOpts).IsZero() {
		return true
	}
	a, ok := p.Args.(river.JobArgsWithInsertOpts)
	return ok && !reflect.ValueOf(a.InsertOpts().UniqueOpts).IsZero()
}

// batchedJob keeps a job for the batch to insert with the others at its
// end (in the same transaction), and reports whether it was kept.
func batchedJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) bool {
	sr := batchRows(ctx)
	if sr != nil {
		sr.jobs = append(sr.jobs, river.InsertManyParams{Args: args, InsertOpts: opts})
	}
	return sr != nil
}

// appendAudit appends e to the audit chain, or, inside a batch, to the
// events the batch appends at its end (in the same transaction).
func (s *Service) appendAudit(ctx context.Context, tx *gorm.DB, e *models.AuditEvent) error {
	if sr := batchRows(ctx); sr != nil {
		sr.events = append(sr.events, e)
		return nil
	}
	return models.AppendAuditEvent(ctx, tx, s.DB.Dialect, e)
}

// countMove records a move from one status to another in the status
// counts, or, inside a batch, in the deltas the batch writes at its end.
func (s *Service) countMove(ctx context.Context, tx *gorm.DB, from, to string) error {
	if sr := batchRows(ctx); sr != nil {
		d := map[string]int64{to: 1}
		if from != "" {
			d[from]--
		}
		sr.deltas = append(sr.deltas, d)
		return nil
	}
	return models.MoveStatusCount(ctx, tx, from, to)
}
