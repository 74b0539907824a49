package workflows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// DownloadLink is what the page of a download link shows: how many more
// downloads it allows and until when.
type DownloadLink struct {
	RequestID string
	UsesLeft  int
	ExpiresAt time.Time
}

var errDownloadsUsed = models.Errorf(models.EGone, "This download link has been used %d times, the most it allows. "+
	"Open your request's status page (its link is in the same email) to have a fresh download link sent to you, "+
	"or look up your requests by email.", MaxDownloads)

// downloadToken checks a download link for request id without using it.
// Errors: ENotFound (forged, another request's), EGone (expired, used up,
// or the file already deleted).
func (s *Service) downloadToken(ctx context.Context, db *gorm.DB, id, token string) (*models.RequestToken, *models.Export, error) {
	t, err := s.checkToken(ctx, db, models.PurposeDownload, token)
	if errors.Is(err, errUsedLink) {
		return nil, nil, errDownloadsUsed
	}
	if err != nil {
		return nil, nil, err
	}
	if t.RequestID != id {
		return nil, nil, errBadLink
	}
	exp, err := models.LatestExport(ctx, db, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, models.Errorf(models.EGone, "This export has expired and been deleted. Please file a new access request.")
	}
	if err != nil {
		return nil, nil, err
	}
	if !s.now().Before(exp.ExpiresAt) {
		return nil, nil, errExpiredLink
	}
	return t, exp, nil
}

// CheckDownloadLink looks at a download link without counting a use, for
// the page the emailed link opens (a mail scanner or a Range probe of it
// costs nothing). Errors as Download.
func (s *Service) CheckDownloadLink(ctx context.Context, id, token string) (*DownloadLink, error) {
	t, exp, err := s.downloadToken(ctx, s.DB.DB, id, token)
	if err != nil {
		return nil, err
	}
	return &DownloadLink{RequestID: id, UsesLeft: t.MaxUses - t.Uses, ExpiresAt: exp.ExpiresAt}, nil
}

// Download checks a download link's token for the request, takes one of its
// uses, and calls send with the export. Only a send that delivered the
// whole file keeps the use and is counted in the audit trail; a failed one
// gives the use back. Each link works MaxDownloads times within ExportLife.
// Errors: ENotFound (forged, another request's), EGone (expired, used up,
// or the file already deleted), or send's error.
func (s *Service) Download(ctx context.Context, id, token string, send func(*models.Export) error) error {
	var exp *models.Export
	var t *models.RequestToken
	db := s.DB.DB.WithContext(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		if t, exp, err = s.downloadToken(ctx, tx, id, token); err != nil {
			return err
		}
		return models.UseToken(ctx, tx, t, s.now())
	})
	if err != nil {
		return err
	}
	if sendErr := send(exp); sendErr != nil {
		// The client went away mid-file: that was no download.
		if err := models.ReleaseTokenUse(context.WithoutCancel(ctx), s.DB.DB, t.ID); err != nil {
			s.Log.Error("give back a download use", "request", id, "err", err)
		}
		return sendErr
	}
	return s.DB.DB.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		r, err := models.FindRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, r, "customer", "download", map[string]any{"download": t.Uses, "of": MaxDownloads})
	})
}

// DownloadInfo is the status page's download box of a completed access
// request: until when its export can be downloaded and how many downloads
// its newest link has left.
type DownloadInfo struct {
	ExpiresAt time.Time
	UsesLeft  int
	MaxUses   int
	Available bool // the export file still exists and has not expired
}

// downloadInfo returns the download box for r, or nil when r has no export.
func (s *Service) downloadInfo(ctx context.Context, db *gorm.DB, r *models.Request) (*DownloadInfo, error) {
	if r.Type != models.TypeAccess || r.Status != models.StatusCompleted {
		return nil, nil
	}
	exp, err := models.LatestExport(ctx, db, r.ID)
	if errors.Is(err, models.ErrNotFound) {
		return &DownloadInfo{}, nil // deleted after expiry
	}
	if err != nil {
		return nil, err
	}
	d := &DownloadInfo{ExpiresAt: exp.ExpiresAt, MaxUses: MaxDownloads, Available: s.now().Before(exp.ExpiresAt)}
	t, err := models.LatestToken(ctx, db, r.ID, models.PurposeDownload)
	switch {
	case err == nil:
		d.UsesLeft = max(t.MaxUses-t.Uses, 0)
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	return d, nil
}

// Fresh download links: at most this many emailed per request per day.
const (
	maxDownloadLinks    = 3
	downloadLinksWindow = 24 * time.Hour
)

// SendDownloadLink emails a fresh download link for a completed access
// request to the address it was confirmed from (never another), for the
// holder of its status token, at most maxDownloadLinks times a day. The
// link's token is minted when the email is sent, as for every link.
// Errors: ENotFound (wrong token), EConflict (nothing to download),
// ERateLimited.
func (s *Service) SendDownloadLink(ctx context.Context, id, token string) error {
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.requestForToken(ctx, tx, id, token)
		if err != nil {
			return err
		}
		d, err := s.downloadInfo(ctx, tx, r)
		if err != nil {
			return err
		}
		if d == nil || !d.Available {
			return models.Errorf(models.EConflict, "There is no export to download for this request any more. Please file a new access request.")
		}
		hist, err := models.AuditEventsFor(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		n, since := 0, s.now().Add(-downloadLinksWindow)
		for _, e := range hist {
			if e.Action == "download_link_sent" && e.CreatedAt.After(since) {
				n++
			}
		}
		if n >= maxDownloadLinks {
			return &models.Error{Code: models.ERateLimited, RetryAfter: downloadLinksWindow,
				Message: fmt.Sprintf("We have sent %d fresh download links for this request today. Please use the newest one, or try again tomorrow.", n)}
		}
		if err := s.audit(ctx, tx, r, "customer", "download_link_sent", nil); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, r, EmailCompleted, map[string]any{"fresh": true})
	})
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
