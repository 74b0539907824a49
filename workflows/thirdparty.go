package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
)

// ThirdParty is a recipient of customers' data that must be told of a
// deletion or opt-out (GDPR Art. 19, CCPA deletion and opt-out notices).
type ThirdParty struct {
	Name  string
	Email string
	Types []string // request types it must hear about: deletion, opt_out
}

// DefaultThirdParties are the kinds of recipient the privacy policy names.
var DefaultThirdParties = []ThirdParty{
	{Name: "PayPal (payment processor)", Email: "privacy-requests@paypal.example", Types: []string{models.TypeDeletion}},
	{Name: "ParcelGo (delivery partner)", Email: "dpo@parcelgo.example", Types: []string{models.TypeDeletion}},
	{Name: "AdReach (advertising network)", Email: "privacy@adreach.example", Types: []string{models.TypeDeletion, models.TypeOptOut}},
	{Name: "MetricsHub (analytics provider)", Email: "privacy@metricshub.example", Types: []string{models.TypeDeletion, models.TypeOptOut}},
}

// ParseThirdParties reads "Name|email|type,type;Name|email|type".
func ParseThirdParties(s string) ([]ThirdParty, error) {
	var out []ThirdParty
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		parts := strings.Split(entry, "|")
		if len(parts) != 3 {
			return nil, fmt.Errorf("third party %q: write Name|email|types", entry)
		}
		tp := ThirdParty{Name: strings.TrimSpace(parts[0]), Email: NormalizeEmail(parts[1])}
		if tp.Name == "" || !ValidEmail(tp.Email) {
			return nil, fmt.Errorf("third party %q: needs a name and a valid email", entry)
		}
		for _, t := range strings.Split(parts[2], ",") {
			t = strings.TrimSpace(t)
			if t != models.TypeDeletion && t != models.TypeOptOut {
				return nil, fmt.Errorf("third party %q: types are deletion and opt_out (got %q)", entry, t)
			}
			tp.Types = append(tp.Types, t)
		}
		out = append(out, tp)
	}
	return out, nil
}

// notifyThirdParties emails each recipient that must hear of r's type, in
// tx, once: the minimum it needs to act (the email, the request type, the
// opt-out scopes), and records who was told.
func (s *Service) notifyThirdParties(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	for _, tp := range s.Settings.ThirdParties {
		if !slices.Contains(tp.Types, r.Type) {
			continue
		}
		e, err := s.enqueueEmailTo(ctx, tx, r, EmailThirdParty, tp.Email, map[string]any{"recipient": tp.Name})
		if err != nil {
			return err
		}
		n := &models.ThirdPartyNotice{RequestID: r.ID, Recipient: tp.Name, Email: tp.Email, EmailID: e.ID, CreatedAt: s.now()}
		if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(n).Error; err != nil {
			return fmt.Errorf("record notice to %s: %w", tp.Name, err)
		}
	}
	return nil
}
