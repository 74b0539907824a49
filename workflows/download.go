package workflows

import (
	"context"
	"errors"
	"os"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Download checks a download link's token for the request and counts the
// download in the audit trail; it returns the export to send. Each link
// works MaxDownloads times within ExportLife.
// Errors: ENotFound (forged, another request's), EGone (expired, used up,
// or the file already deleted).
func (s *Service) Download(ctx context.Context, id, token string) (*models.Export, error) {
	var exp *models.Export
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := s.checkToken(ctx, tx, models.PurposeDownload, token)
		if errors.Is(err, errUsedLink) {
			return models.Errorf(models.EGone, "This download link has been used %d times, the most it allows. Please file a new access request.", MaxDownloads)
		}
		if err != nil {
			return err
		}
		if t.RequestID != id {
			return errBadLink
		}
		r, err := models.FindRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		exp, err = models.LatestExport(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) {
			return models.Errorf(models.EGone, "This export has expired and been deleted. Please file a new access request.")
		}
		if err != nil {
			return err
		}
		if !s.now().Before(exp.ExpiresAt) {
			return errExpiredLink
		}
		if err := models.UseToken(ctx, tx, t, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, r, "customer", "download", map[string]any{"download": t.Uses, "of": MaxDownloads})
	})
	if err != nil {
		return nil, err
	}
	return exp, nil
}

// PurgeExports deletes export files past their expiry and returns how many.
func (s *Service) PurgeExports(ctx context.Context) (int, error) {
	es, err := models.ExpiredExports(ctx, s.DB.DB, s.now(), 200)
	if err != nil {
		return 0, err
	}
	for _, e := range es {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		if err := s.DB.DB.WithContext(ctx).Model(&models.Export{}).Where("id = ?", e.ID).Update("deleted_at", s.now()).Error; err != nil {
			return 0, err
		}
	}
	return len(es), nil
}

// PurgeExportsArgs is the periodic job that deletes expired exports.
type PurgeExportsArgs struct{}

// Kind names the job.
func (PurgeExportsArgs) Kind() string { return "purge_exports" }

type purgeExportsWorker struct {
	river.WorkerDefaults[PurgeExportsArgs]
	s *Service
}

func (w *purgeExportsWorker) Work(ctx context.Context, job *river.Job[PurgeExportsArgs]) error {
	n, err := w.s.PurgeExports(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Info("expired exports deleted", "count", n)
	}
	return err
}
