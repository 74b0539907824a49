package workflows

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// StatusView is what a requester may see of their request.
type StatusView struct {
	Request  *models.Request
	History  []models.AuditEvent // only the events RequesterSees
	Download *DownloadInfo       // completed access requests: the download box
	Appeal   *models.Appeal      // the requester's appeal of a denial, if any
}

// requesterEvents are the events within one status that concern the
// requester; every other such event (claim, assign, note, a retried
// collection) is staff-internal.
var requesterEvents = map[string]bool{
	"verification_resent": true, "extend": true, "export_built": true, "download": true,
	"merged": true, "gpc_opt_out": true, "download_link_sent": true,
	"appeal_filed": true, "appeal_decided": true,
}

// RequesterSees reports whether the requester's history (status page and
// API) shows e: every change of status, and the few events within a
// status that concern them. It is the one filter both use.
func RequesterSees(e models.AuditEvent) bool {
	return e.FromStatus != e.ToStatus || requesterEvents[e.Action]
}

// requestForToken returns the request a status token belongs to, only if
// it is the request named by id; any mismatch is the same not-found, so a
// token never reveals whether another request exists.
func (s *Service) requestForToken(ctx context.Context, db *gorm.DB, id, token string) (*models.Request, error) {
	t, err := s.checkToken(ctx, db, models.PurposeStatus, token)
	if err != nil {
		return nil, err
	}
	if t.RequestID != id {
		return nil, errBadLink
	}
	r, err := models.FindRequest(ctx, db, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, errBadLink
	}
	return r, err
}

// Status returns a request and its history for the holder of its status token.
// Errors: ENotFound for a wrong, forged or other request's token.
func (s *Service) Status(ctx context.Context, id, token string) (*StatusView, error) {
	r, err := s.requestForToken(ctx, s.DB.DB, id, token)
	if err != nil {
		return nil, err
	}
	all, err := models.AuditEventsFor(ctx, s.DB.DB, r.ID)
	if err != nil {
		return nil, err
	}
	hist := make([]models.AuditEvent, 0, len(all))
	for _, e := range all {
		if RequesterSees(e) {
			hist = append(hist, e)
		}
	}
	dl, err := s.downloadInfo(ctx, s.DB.DB, r)
	if err != nil {
		return nil, err
	}
	ap, err := appealFor(ctx, s.DB.DB, r.ID)
	if err != nil {
		return nil, err
	}
	return &StatusView{Request: r, History: hist, Download: dl, Appeal: ap}, nil
}

// CanCancel reports whether the requester may still cancel r.
func CanCancel(r *models.Request) bool { return CanTransition(r.Status, models.StatusCancelled) }

// Cancel cancels an open request for the holder of its status token.
// Errors: ENotFound for a wrong token, EConflict once it can no longer be cancelled.
func (s *Service) Cancel(ctx context.Context, id, token string) (*models.Request, error) {
	var r *models.Request
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = s.requestForToken(ctx, tx, id, token); err != nil {
			return err
		}
		if !CanCancel(r) {
			return models.Errorf(models.EConflict, "This request is %s and can no longer be cancelled.", Label(r.Status))
		}
		return s.transition(ctx, tx, r, Change{To: models.StatusCancelled, Actor: "customer", Action: "cancel",
			Set: map[string]any{"closed_at": s.now()}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
