package workflows

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
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
	store := tx
	if !s.sameStore() {
		store = s.Store.DB
	}
	var lines []string
	for _, sc := range scopes {
		ch, err := models.ApplyOptOut(ctx, store, r.Email, sc, s.now())
		if err != nil {
			return nil, err
		}
		lines = append(lines, optOutLine(ch))
	}
	return lines, nil
}

// optOutLine says in words what one scope's opt-out changed.
func optOutLine(ch models.OptOutChange) string {
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
