package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
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
	for _, src := range ErasureOrder(s.sources) {
		p, seen := prev[src.Name()]
		if seen && p.Status == "done" {
			continue
		}
		var sofar Result
		if seen {
			_ = json.Unmarshal([]byte(p.Result), &sofar)
		}
		res, eerr := src.Erase(ctx, s.Store.DB, Subject{Email: r.Email}, s.now())
		total := mergeResults(src.Name(), sofar, res)
		status := "done"
		if eerr != nil {
			status = "partial"
		}
		b, _ := json.Marshal(total)
		rec := models.Erasure{RequestID: r.ID, Source: src.Name(), Status: status, Result: string(b), DoneAt: s.now()}
		werr := s.DB.DB.WithContext(context.WithoutCancel(ctx)).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "request_id"}, {Name: "source"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "result", "done_at"}),
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

// mergeResults adds what a resumed Erase did to what earlier runs did.
func mergeResults(source string, a, b Result) Result {
	t := newTally(source, a.Items...)
	for _, it := range b.Items {
		t.add(it.Kind, it.Action, it.Count)
		for i := range t.plan.Items {
			if t.plan.Items[i].Kind == it.Kind && t.plan.Items[i].Action == it.Action {
				if t.plan.Items[i].Reason == "" {
					t.plan.Items[i].Reason = it.Reason
				}
				t.plan.Items[i].keptUntil(it.Until)
				t.plan.Items[i].keptUntil(it.UntilFirst)
			}
		}
	}
	return t.done()
}

// ErasureResults returns what erasure did per source, in erasure order.
func (s *Service) ErasureResults(ctx context.Context, id string) ([]Result, error) {
	es, err := models.ErasuresFor(ctx, s.DB.DB, id)
	if err != nil {
		return nil, err
	}
	by := map[string]Result{}
	for _, e := range es {
		var r Result
		if err := json.Unmarshal([]byte(e.Result), &r); err != nil {
			return nil, err
		}
		by[e.Source] = r
	}
	var out []Result
	for _, src := range ErasureOrder(s.sources) {
		if r, ok := by[src.Name()]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// ErasurePlan returns what erasing the request's records would do now, per source.
func (s *Service) ErasurePlan(ctx context.Context, id string) ([]Plan, error) {
	r, err := models.FindRequest(ctx, s.DB.DB, id)
	if err != nil {
		return nil, err
	}
	var out []Plan
	for _, src := range ErasureOrder(s.sources) {
		p, err := src.PlanErasure(ctx, s.Store.DB, Subject{Email: r.Email}, s.now())
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", src.Name(), err)
		}
		out = append(out, p)
	}
	return out, nil
}
