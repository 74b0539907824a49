package workflows

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// submitOptOut records an opt-out and completes it at once: no identity
// verification is needed to stop using someone's data (CCPA §7026).
func (s *Service) submitOptOut(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	now := s.now()
	due := AddBusinessDays(now, OptOutBusinessDays)
	r.DueAt, r.ClosedAt = &due, &now
	changes, err := s.applyOptOut(ctx, tx, r, r.ScopeList())
	if err != nil {
		return err
	}
	return s.transition(ctx, tx, r, Change{To: models.StatusCompleted, Actor: "customer", Action: "opt_out",
		Details: map[string]any{"channel": r.Channel, "gpc": r.GPC, "scopes": r.ScopeList(), "changes": changes}})
}

// honourGPC applies a Global Privacy Control signal received with r (an
// access or deletion request, or its status page) as an opt-out of
// sale/sharing, and tells the third parties concerned like any opt-out.
func (s *Service) honourGPC(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	if _, err := s.applyOptOut(ctx, tx, r, []string{models.ScopeSaleSharing}); err != nil {
		return err
	}
	return s.queueThirdPartyNotices(ctx, tx, r, models.TypeOptOut, []string{models.ScopeSaleSharing})
}

// applyOptOut puts the email's salted hash on the suppression list for each
// scope and switches off the matching customer's preferences. It returns a
// readable line per scope of what changed, the same whether or not the
// email is a customer's, so the answer leaks nothing.
func (s *Service) applyOptOut(ctx context.Context, tx *gorm.DB, r *models.Request, scopes []string) ([]string, error) {
	hash := emailHash(s.salt, r.Email)
	sup := make([]models.Suppression, 0, len(scopes))
	for _, sc := range scopes {
		id := r.ID
		sup = append(sup, models.Suppression{EmailHash: hash, Scope: sc, RequestID: &id, CreatedAt: s.now()})
	}
	if err := models.AddSuppressions(ctx, tx, sup); err != nil {
		return nil, fmt.Errorf("record suppression: %w", err)
	}
	db := tx
	if !s.sameStore() {
		db = s.Store.DB
	}
	var lines []string
	for _, sc := range scopes {
		ch, err := s.datasets.ApplyOptOut(ctx, db, r.Email, sc, s.now())
		if err != nil {
			return nil, err
		}
		lines = append(lines, optOutLine(ch))
	}
	return lines, nil
}

// optOutLine says in words what one scope's opt-out changed.
func optOutLine(ch store.OptOutChange) string {
	var parts []string
	if ch.Preferences > 0 {
		parts = append(parts, "switched off in your account settings")
	}
	switch {
	case ch.Consents == 1:
		parts = append(parts, "1 cookie permission withdrawn")
	case ch.Consents > 1:
		parts = append(parts, fmt.Sprintf("%d cookie permissions withdrawn", ch.Consents))
	}
	if len(parts) == 0 {
		parts = append(parts, "added to our do-not-use list (there was nothing else to switch off)")
	} else {
		parts = append(parts, "added to our do-not-use list")
	}
	return Label(ch.Scope) + ": " + strings.Join(parts, "; ")
}

// IsSuppressed reports whether an email is on the suppression list for a scope.
func (s *Service) IsSuppressed(ctx context.Context, email, scope string) (bool, error) {
	scopes, err := models.SuppressedScopes(ctx, s.DB.DB, emailHash(s.salt, email))
	if err != nil {
		return false, err
	}
	for _, sc := range scopes {
		if sc == scope {
			return true, nil
		}
	}
	return false, nil
}

// HonourStatusGPC records, for the holder of request id's status token
// whose browser sends the Global Privacy Control signal, an opt-out of
// sale/sharing for the request's email, once: it reports true when it
// recorded it now, false when the address was already opted out (by this
// or any request). Third parties are told as of any opt-out. Errors:
// ENotFound and EGone for a bad token, as Status.
func (s *Service) HonourStatusGPC(ctx context.Context, id, token string) (bool, error) {
	recorded := false
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.requestForToken(ctx, tx, id, token)
		if err != nil {
			return err
		}
		rid := r.ID
		sup := models.Suppression{EmailHash: emailHash(s.salt, r.Email), Scope: models.ScopeSaleSharing, RequestID: &rid, CreatedAt: s.now()}
		res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&sup)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // already opted out: nothing more to do
		}
		recorded = true
		if err := s.honourGPC(ctx, tx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, r, "customer", "gpc_opt_out", map[string]any{"scopes": []string{models.ScopeSaleSharing}})
	})
	return recorded, err
}
