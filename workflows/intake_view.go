package workflows

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

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
	if len(emails) == 0 { // nothing to look up; add still has maps to fill
		return &batchView{counts: map[models.FilingKey]int64{}, pending: map[models.FilingKey][]models.Request{}}, nil
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
