package workflows

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// ExportLife is how long an access export can be downloaded, and MaxDownloads how often.
const (
	ExportLife   = 7 * 24 * time.Hour
	MaxDownloads = 5
)

// FulfilArgs is the job that carries out an approved request: builds the
// access export, or erases the records.
type FulfilArgs struct {
	RequestID string `json:"request_id"`
}

// Kind names the job.
func (FulfilArgs) Kind() string { return "fulfil_request" }

// InsertOpts keeps at most one unfinished fulfil job per request, so a
// retry from the request page can never run a second erasure alongside the
// first (RetryErasure makes the waiting one run now instead).
func (FulfilArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

type fulfilWorker struct {
	river.WorkerDefaults[FulfilArgs]
	s *Service
}

func (w *fulfilWorker) Work(ctx context.Context, job *river.Job[FulfilArgs]) error {
	err := w.s.Fulfil(ctx, job.Args.RequestID)
	w.s.Metrics.job(job.Kind, err)
	return err
}

// Fulfil carries out an approved request and completes it. It is
// idempotent: run again after a crash, it finishes what is left and does
// nothing twice; on a request no longer being fulfilled it does nothing.
func (s *Service) Fulfil(ctx context.Context, id string) error {
	r, err := models.FindRequest(ctx, s.DB.DB, id)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil || r.Status != models.StatusFulfilling {
		return err
	}
	details := map[string]any{}
	switch r.Type {
	case models.TypeAccess:
		exp, err := s.buildExport(ctx, r)
		if err != nil {
			return fmt.Errorf("build export for %s: %w", r.ID, err)
		}
		details["export_bytes"] = exp.SizeBytes
	case models.TypeDeletion:
		if err := s.eraseAll(ctx, r); err != nil {
			return fmt.Errorf("erase for %s: %w", r.ID, err)
		}
	case models.TypeCorrection:
		if err := s.applyCorrections(ctx, r); err != nil {
			return fmt.Errorf("correct for %s: %w", r.ID, err)
		}
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Samples of the customer's records were for the staff preview only.
		if err := tx.Model(&models.Collection{}).Where("request_id = ?", r.ID).Update("samples", "[]").Error; err != nil {
			return err
		}
		if r.Type == models.TypeDeletion {
			if err := s.suppressAll(ctx, tx, r); err != nil {
				return err
			}
		}
		err := s.transition(ctx, tx, r, Change{To: models.StatusCompleted, Actor: "system", Action: "fulfil",
			Details: details, Set: map[string]any{"closed_at": s.now()}})
		if models.ErrorCode(err) == models.EConflict {
			return nil // completed by an earlier run
		}
		return err
	})
}

// suppressAll keeps the erased person's email hash on the suppression list
// for every scope, so they are never mailed or profiled again.
func (s *Service) suppressAll(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	id := r.ID
	var sup []models.Suppression
	for _, sc := range models.OptOutScopes {
		sup = append(sup, models.Suppression{EmailHash: emailHash(s.salt, r.Email), Scope: sc, RequestID: &id, CreatedAt: s.now()})
	}
	return models.AddSuppressions(ctx, tx, sup)
}

// eraseAll erases source by source (the account last), recording each
// source's result; sources already done are skipped, so a re-run after a
// crash only finishes the rest.
func (s *Service) eraseAll(ctx context.Context, r *models.Request) error {
	done, err := models.ErasuresFor(ctx, s.DB.DB, r.ID)
	if err != nil {
		return err
	}
	prev := map[string]models.Erasure{}
	for _, e := range done {
		prev[e.Source] = e
	}
	for _, src := range store.ErasureOrder(s.sources) {
		p, seen := prev[src.Name()]
		if seen && p.Status == models.ErasureDone {
			continue
		}
		var sofar store.Result
		if seen {
			_ = json.Unmarshal([]byte(p.Result), &sofar)
		}
		res, eerr := src.Erase(ctx, s.Store.DB, store.Subject{Email: r.Email}, s.now())
		total := store.MergeResults(src.Name(), sofar, res)
		status, msg := models.ErasureDone, ""
		if eerr != nil {
			status, msg = models.ErasurePartial, truncate(eerr.Error(), 500)
		}
		b, _ := json.Marshal(total)
		rec := models.Erasure{RequestID: r.ID, Source: src.Name(), Status: status, Result: string(b), Error: msg, DoneAt: s.now()}
		werr := s.DB.DB.WithContext(context.WithoutCancel(ctx)).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "request_id"}, {Name: "source"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "result", "error", "done_at"}),
		}).Create(&rec).Error
		if eerr != nil {
			return fmt.Errorf("erase %s: %w", src.Name(), eerr)
		}
		if werr != nil {
			return fmt.Errorf("record erasure of %s: %w", src.Name(), werr)
		}
	}
	return nil
}

// ErasureResults returns what erasure did per source, in erasure order.
func (s *Service) ErasureResults(ctx context.Context, id string) ([]store.Result, error) {
	es, err := models.ErasuresFor(ctx, s.DB.DB, id)
	if err != nil {
		return nil, err
	}
	by := map[string]store.Result{}
	for _, e := range es {
		var r store.Result
		if err := json.Unmarshal([]byte(e.Result), &r); err != nil {
			return nil, err
		}
		by[e.Source] = r
	}
	var out []store.Result
	for _, src := range store.ErasureOrder(s.sources) {
		if r, ok := by[src.Name()]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// ErasurePlan returns what erasing the request's records would do now, per source.
func (s *Service) ErasurePlan(ctx context.Context, id string) ([]store.Plan, error) {
	r, err := models.FindRequest(ctx, s.DB.DB, id)
	if err != nil {
		return nil, err
	}
	var out []store.Plan
	for _, src := range store.ErasureOrder(s.sources) {
		p, err := src.PlanErasure(ctx, s.Store.DB, store.Subject{Email: r.Email}, s.now())
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", src.Name(), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ErasureState is one source's erasure as the request page shows it: what
// was done so far and, while partial, why it stopped.
type ErasureState struct {
	store.Result
	Status string // models.ErasurePartial or models.ErasureDone
	Error  string
}

// Failed reports whether the source's erasure stopped before it was done.
func (e ErasureState) Failed() bool { return e.Status != models.ErasureDone }

// ErasureStates returns each source's erasure of a request, in erasure order.
func (s *Service) ErasureStates(ctx context.Context, id string) ([]ErasureState, error) {
	es, err := models.ErasuresFor(ctx, s.DB.DB, id)
	if err != nil {
		return nil, err
	}
	by := map[string]models.Erasure{}
	for _, e := range es {
		by[e.Source] = e
	}
	var out []ErasureState
	for _, src := range store.ErasureOrder(s.sources) {
		e, ok := by[src.Name()]
		if !ok {
			continue
		}
		st := ErasureState{Status: e.Status, Error: e.Error}
		if err := json.Unmarshal([]byte(e.Result), &st.Result); err != nil {
			return nil, fmt.Errorf("erasure %s result: %w", e.Source, err)
		}
		st.Source = e.Source
		out = append(out, st)
	}
	return out, nil
}

// RetryErasure runs a deletion's erasure again, now, after a source failed.
// Sources already done are skipped, so nothing is erased twice; if the
// fulfil job is still waiting to retry by itself, it is made to run now
// rather than a second one queued. Errors: EInvalid for a source that is
// not ours, ENotFound, EConflict unless the request is a deletion being
// carried out whose erasure of source stopped, or while erasure runs.
func (s *Service) RetryErasure(ctx context.Context, actor *models.StaffUser, id, source string) error {
	if s.source(source) == nil {
		return models.Errorf(models.EInvalid, "Choose one of the sources listed on this page.")
	}
	_, err := s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canRetryErasure(r); err != nil {
			return err
		}
		var e models.Erasure
		err := tx.Where("request_id = ? AND source = ?", id, source).Take(&e).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && e.Status == models.ErasureDone {
			return models.Errorf(models.EConflict, "Only a failed erasure can be retried.")
		}
		if err != nil {
			return err
		}
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("retry erasure: not inside a transaction")
		}
		res, err := s.jobs.InsertTx(ctx, sqlTx, FulfilArgs{RequestID: id}, nil)
		if err != nil {
			return fmt.Errorf("enqueue erasure retry: %w", err)
		}
		if res.UniqueSkippedAsDuplicate {
			if res.Job.State == rivertype.JobStateRunning {
				return models.Errorf(models.EConflict, "The erasure is running right now; reload the page in a moment.")
			}
			if _, err := s.jobs.JobRetryTx(ctx, sqlTx, res.Job.ID); err != nil {
				return fmt.Errorf("retry erasure job now: %w", err)
			}
		}
		return s.audit(ctx, tx, r, actor.Email, "retry_erasure", map[string]any{"source": source})
	})
	return err
}
