package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/models"
	"gorm.io/gorm"
)

// OptOutChange is what one opt-out scope changed in the store.
type OptOutChange struct {
	Scope       string
	Preferences int64 // marketing preference rows switched off
	Consents    int64 // cookie/consent choices withdrawn
}

// ApplyOptOut switches off, for the customer with this normalized email,
// the marketing preferences and consent choices that a scope covers. It is
// idempotent: what is already off is left alone and not counted.
func ApplyOptOut(ctx context.Context, tx *gorm.DB, email, scope string, now time.Time) (OptOutChange, error) {
	ch := OptOutChange{Scope: scope}
	var prefCols []string
	var consent string
	switch scope {
	case models.ScopeMarketingEmail:
		prefCols = []string{"email_marketing"}
	case models.ScopeSaleSharing:
		prefCols = []string{"sale_sharing", "personalized_ads"}
		consent = ConsentAdvertising
	case models.ScopeAnalytics:
		prefCols = []string{"analytics"}
		consent = ConsentAnalytics
	default:
		return ch, fmt.Errorf("unknown opt-out scope %q", scope)
	}
	tx = tx.WithContext(ctx)
	customer := tx.Model(&Customer{}).Select("id").Where("email = ?", email)
	set := map[string]any{"updated_at": now}
	on := make([]string, len(prefCols))
	args := make([]any, len(prefCols))
	for i, c := range prefCols {
		set[c], on[i], args[i] = false, c+" = ?", true
	}
	anyOn := tx.Where("customer_id IN (?)", customer).Where(strings.Join(on, " OR "), args...)
	res := tx.Model(&MarketingPreference{}).Where(anyOn).Updates(set)
	if res.Error != nil {
		return ch, fmt.Errorf("opt out %s preferences: %w", scope, res.Error)
	}
	ch.Preferences = res.RowsAffected
	if consent != "" {
		res := tx.Model(&ConsentChoice{}).
			Where("customer_id IN (?) AND category = ? AND granted = ?", customer, consent, true).
			Updates(map[string]any{"granted": false, "recorded_at": now})
		if res.Error != nil {
			return ch, fmt.Errorf("opt out %s consents: %w", scope, res.Error)
		}
		ch.Consents = res.RowsAffected
	}
	return ch, nil
}
