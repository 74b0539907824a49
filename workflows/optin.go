package workflows

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// completeOptIn carries out a confirmed opt-in (an agent's sale:opt-in,
// CCPA §7028: the person asked through the agent, then confirmed by email
// or through the agent the business trusts): it takes the email's salted
// hash off the suppression list for the request's scopes and completes
// the request in tx, with its audit event and confirmation email. The
// store's own account settings are left as the person set them.
func (s *Service) completeOptIn(ctx context.Context, tx *gorm.DB, r *models.Request, actor string) error {
	removed, err := models.RemoveSuppressions(ctx, tx, emailHash(s.salt, r.Email), r.ScopeList())
	if err != nil {
		return fmt.Errorf("remove suppression: %w", err)
	}
	return s.transition(ctx, tx, r, Change{To: models.StatusCompleted, Actor: actor, Action: "opt_in",
		Details: map[string]any{"channel": r.Channel, "scopes": r.ScopeList(), "removed": removed},
		Set:     map[string]any{"closed_at": s.now()}})
}
