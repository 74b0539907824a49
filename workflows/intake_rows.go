package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

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
