package workflows

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

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
