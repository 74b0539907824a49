package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// samplesPerKind is how many records of each kind the staff preview shows.
const samplesPerKind = 2

// CollectSourceArgs is the job that collects one source's records for a request.
type CollectSourceArgs struct {
	RequestID string `json:"request_id"`
	Source    string `json:"source"`
}

// Kind names the job.
func (CollectSourceArgs) Kind() string { return "collect_source" }

// InsertOpts retries a failing source with backoff, a few times, before staff step in.
func (CollectSourceArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type collectSourceWorker struct {
	river.WorkerDefaults[CollectSourceArgs]
	s *Service
}

func (w *collectSourceWorker) Work(ctx context.Context, job *river.Job[CollectSourceArgs]) error {
	err := w.s.collectSource(ctx, job.Args.RequestID, job.Args.Source, job.Attempt >= job.MaxAttempts)
	w.s.Metrics.job(job.Kind, err)
	return err
}

func (s *Service) source(name string) store.Source {
	for _, src := range s.sources {
		if src.Name() == name {
			return src
		}
	}
	return nil
}

// startCollection queues one collection job per source, in tx, when a
// request to access or delete data is verified.
func (s *Service) startCollection(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	for _, src := range s.sources {
		c := models.Collection{RequestID: r.ID, Source: src.Name(), Status: models.CollectPending,
			Counts: "{}", Samples: "[]", UpdatedAt: s.now()}
		err := tx.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "request_id"}, {Name: "source"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "error", "updated_at"}),
		}).Create(&c).Error
		if err != nil {
			return fmt.Errorf("record collection: %w", err)
		}
		if err := s.enqueue(ctx, tx, CollectSourceArgs{RequestID: r.ID, Source: src.Name()}, nil); err != nil {
			return err
		}
	}
	return nil
}

// collectSource counts one source's records for the request and keeps a
// few as samples; when every source is done the request awaits approval.
// A failure is recorded with the source's name, then retried by River.
func (s *Service) collectSource(ctx context.Context, requestID, name string, lastAttempt bool) error {
	r, err := models.FindRequest(ctx, s.DB.DB, requestID)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	src := s.source(name)
	if src == nil {
		return river.JobCancel(fmt.Errorf("unknown source %q", name))
	}
	switch r.Status {
	case models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval:
	default:
		return nil // cancelled, denied or already fulfilled: nothing to collect
	}
	if r.Status == models.StatusVerified {
		err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.transition(ctx, tx, r, Change{To: models.StatusInProgress, Actor: "system", Action: "collect"})
		})
		if err != nil && models.ErrorCode(err) != models.EConflict {
			return err
		}
	}
	samples := map[string][]store.Record{}
	counts, cerr := src.Collect(ctx, s.Store.DB, store.Subject{Email: r.Email}, func(rec store.Record) error {
		if len(samples[rec.Kind]) < samplesPerKind {
			samples[rec.Kind] = append(samples[rec.Kind], rec)
		}
		return nil
	})
	set := map[string]any{"attempts": gorm.Expr("attempts + 1"), "updated_at": s.now()}
	if cerr != nil {
		set["error"] = truncate(cerr.Error(), 500)
		if lastAttempt {
			set["status"] = models.CollectFailed
		}
		s.Log.Warn("collection failed", "request", r.ID, "source", name, "err", cerr)
		if err := s.updateCollection(ctx, s.DB.DB, r.ID, name, set); err != nil {
			return err
		}
		return fmt.Errorf("collect %s: %w", name, cerr)
	}
	cj, _ := json.Marshal(counts)
	sj, _ := json.Marshal(flattenSamples(samples))
	set["status"], set["counts"], set["samples"], set["error"] = models.CollectDone, string(cj), string(sj), ""
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock the request before reading the other sources: on PostgreSQL two
		// sources finishing at once would each miss the other's uncommitted
		// row, and neither would move the request on. (SQLite has one writer
		// and drops the clause.)
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", r.ID).Take(r).Error; err != nil {
			return err
		}
		if err := s.updateCollection(ctx, tx, r.ID, name, set); err != nil {
			return err
		}
		cs, err := models.CollectionsFor(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.Status != models.CollectDone {
				return nil
			}
		}
		if r.Status != models.StatusInProgress {
			return nil
		}
		return s.transition(ctx, tx, r, Change{To: models.StatusAwaitingApproval, Actor: "system", Action: "collected"})
	})
}

func (s *Service) updateCollection(ctx context.Context, db *gorm.DB, requestID, source string, set map[string]any) error {
	return db.WithContext(ctx).Model(&models.Collection{}).
		Where("request_id = ? AND source = ?", requestID, source).Updates(set).Error
}

func flattenSamples(m map[string][]store.Record) []store.Record {
	out := []store.Record{}
	for _, rs := range m {
		out = append(out, rs...)
	}
	return out
}

// RetryCollection re-queues a failed source's collection from the request page.
// Errors: EInvalid for a source that is not one of ours, ENotFound,
// EConflict when the source has not failed.
func (s *Service) RetryCollection(ctx context.Context, actor *models.StaffUser, id, source string) error {
	if !slices.ContainsFunc(s.sources, func(src store.Source) bool { return src.Name() == source }) {
		return models.Errorf(models.EInvalid, "Choose one of the sources listed on this page.")
	}
	_, err := s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		res := tx.Model(&models.Collection{}).Where("request_id = ? AND source = ? AND status = ?", id, source, models.CollectFailed).
			Updates(map[string]any{"status": models.CollectPending, "attempts": 0, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Errorf(models.EConflict, "Only a failed source can be retried.")
		}
		if err := s.audit(ctx, tx, r, actor.Email, "retry_collection", map[string]any{"source": source}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, CollectSourceArgs{RequestID: id, Source: source}, nil)
	})
	return err
}
