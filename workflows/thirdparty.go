package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"
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
	// Scopes are the opt-out scopes it is concerned with; empty means all.
	// It hears of an opt-out only for these, and only of these.
	Scopes []string
	Holds  string // what it holds from us, named in its notices
}

// DefaultThirdParties are the kinds of recipient the privacy policy names.
var DefaultThirdParties = []ThirdParty{
	{Name: "PayPal (payment processor)", Email: "privacy-requests@paypal.example", Types: []string{models.TypeDeletion},
		Holds: "payment references for the customer's orders"},
	{Name: "ParcelGo (delivery partner)", Email: "dpo@parcelgo.example", Types: []string{models.TypeDeletion},
		Holds: "delivery names, addresses and phone numbers for the customer's orders"},
	{Name: "AdReach (advertising network)", Email: "privacy@adreach.example", Types: []string{models.TypeDeletion, models.TypeOptOut},
		Scopes: []string{models.ScopeSaleSharing}, Holds: "advertising identifiers and audience data for personalized advertising"},
	{Name: "MetricsHub (analytics provider)", Email: "privacy@metricshub.example", Types: []string{models.TypeDeletion, models.TypeOptOut},
		Scopes: []string{models.ScopeAnalytics}, Holds: "website visit and device data from analytics cookies"},
}

// ParseThirdParties reads "Name|email|types[|what they hold];…". A type is
// deletion, opt_out (every opt-out scope) or an opt-out scope
// (marketing_email, sale_sharing, analytics: opt-outs of that scope only).
func ParseThirdParties(s string) ([]ThirdParty, error) {
	var out []ThirdParty
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		parts := strings.Split(entry, "|")
		if len(parts) != 3 && len(parts) != 4 {
			return nil, fmt.Errorf("third party %q: write Name|email|types or Name|email|types|what they hold", entry)
		}
		tp := ThirdParty{Name: strings.TrimSpace(parts[0]), Email: models.NormalizeEmail(parts[1])}
		if len(parts) == 4 {
			tp.Holds = strings.TrimSpace(parts[3])
		}
		if tp.Name == "" || !ValidEmail(tp.Email) {
			return nil, fmt.Errorf("third party %q: needs a name and a valid email", entry)
		}
		allScopes := false
		for _, t := range strings.Split(parts[2], ",") {
			t = strings.TrimSpace(t)
			switch {
			case t == models.TypeDeletion:
			case t == models.TypeOptOut:
				allScopes = true
			case slices.Contains(models.OptOutScopes, t):
				tp.Scopes = append(tp.Scopes, t)
				t = models.TypeOptOut
			default:
				return nil, fmt.Errorf("third party %q: types are deletion, opt_out and the opt-out scopes %s (got %q)",
					entry, strings.Join(models.OptOutScopes, ", "), t)
			}
			if !slices.Contains(tp.Types, t) {
				tp.Types = append(tp.Types, t)
			}
		}
		if allScopes {
			tp.Scopes = nil
		}
		out = append(out, tp)
	}
	return out, nil
}

// concerns returns what tp must hear of a notice: for a deletion, whether
// it hears of deletions; for an opt-out, the scopes among scopes it is
// concerned with (none: it is not told).
func (tp ThirdParty) concerns(reason string, scopes []string) (bool, []string) {
	if !slices.Contains(tp.Types, reason) {
		return false, nil
	}
	if reason != models.TypeOptOut {
		return true, nil
	}
	var mine []string
	for _, sc := range scopes {
		if len(tp.Scopes) == 0 || slices.Contains(tp.Scopes, sc) {
			mine = append(mine, sc)
		}
	}
	return len(mine) > 0, mine
}

// NotifyThirdPartiesArgs is the job that tells the third parties of one
// completed deletion, or of one opt-out (Reason opt_out, of Scopes: a
// completed opt-out request, or a Global Privacy Control signal received
// with another request).
type NotifyThirdPartiesArgs struct {
	RequestID string   `json:"request_id"`
	Reason    string   `json:"reason"`
	Scopes    []string `json:"scopes,omitempty"`
}

// Kind names the job.
func (NotifyThirdPartiesArgs) Kind() string { return "notify_third_parties" }

type notifyThirdPartiesWorker struct {
	river.WorkerDefaults[NotifyThirdPartiesArgs]
	s *Service
}

func (w *notifyThirdPartiesWorker) Work(ctx context.Context, job *river.Job[NotifyThirdPartiesArgs]) error {
	err := w.s.notifyThirdParties(ctx, job.Args)
	w.s.Metrics.job(job.Kind, err)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	return err
}

// queueThirdPartyNotices enqueues, in tx, the job that tells third parties
// of r's deletion or opt-out. It is the same one insert for every request,
// customer's or not, so the filing's time reveals nothing: the job decides.
func (s *Service) queueThirdPartyNotices(ctx context.Context, tx *gorm.DB, r *models.Request, reason string, scopes []string) error {
	if len(s.Settings.ThirdParties) == 0 {
		return nil
	}
	return s.enqueue(ctx, tx, NotifyThirdPartiesArgs{RequestID: r.ID, Reason: reason, Scopes: scopes}, nil)
}

// notifyThirdParties emails each recipient concerned, once per request and
// reason: the minimum it needs to act (the email, the request type, the
// opt-out scopes it is concerned with, what it holds), and records who was
// told. An opt-out is passed on only when the address is a store
// customer's: anyone may file one for any address, unverified, and a
// stranger's address must not be handed to partners as a customer's.
func (s *Service) notifyThirdParties(ctx context.Context, a NotifyThirdPartiesArgs) error {
	r, err := models.FindRequest(ctx, s.DB.DB, a.RequestID)
	if err != nil {
		return err
	}
	if a.Reason == models.TypeOptOut {
		if _, found, err := s.datasets.FindPerson(ctx, s.Store.DB, r.Email); err != nil {
			return err
		} else if !found {
			return nil
		}
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var told []string
		if err := tx.Model(&models.ThirdPartyNotice{}).Where("request_id = ? AND reason = ?", r.ID, a.Reason).
			Pluck("recipient", &told).Error; err != nil {
			return err
		}
		for _, tp := range s.Settings.ThirdParties {
			ok, scopes := tp.concerns(a.Reason, a.Scopes)
			if !ok || slices.Contains(told, tp.Name) {
				continue
			}
			// The notice row is claimed first: of two jobs running at once for
			// the same request and reason, only the one that wrote it mails.
			n := &models.ThirdPartyNotice{RequestID: r.ID, Recipient: tp.Name, Email: tp.Email, Reason: a.Reason, CreatedAt: s.now()}
			res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(n)
			if res.Error != nil {
				return fmt.Errorf("record notice to %s: %w", tp.Name, res.Error)
			}
			if res.RowsAffected != 1 {
				continue
			}
			e, err := s.enqueueEmailTo(ctx, tx, r, EmailThirdParty, tp.Email,
				map[string]any{"recipient": tp.Name, "reason": a.Reason, "scopes": scopes, "holds": tp.Holds})
			if err != nil {
				return err
			}
			if err := tx.WithContext(ctx).Model(n).Update("email_id", e.ID).Error; err != nil {
				return fmt.Errorf("record notice to %s: %w", tp.Name, err)
			}
		}
		return nil
	})
}
