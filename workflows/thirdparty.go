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
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

// ParseThirdParties reads "Name|email|types[|what they hold];…" (the
// PRIVACYDESK_THIRD_PARTIES setting). A type is deletion, opt_out (every
// opt-out scope) or an opt-out scope (marketing_email, sale_sharing,
// analytics: opt-outs of that scope only), as org.NoticeKinds reads them.
func ParseThirdParties(s string) ([]org.ThirdParty, error) {
	var out []org.ThirdParty
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		parts := strings.Split(entry, "|")
		if len(parts) != 3 && len(parts) != 4 {
			return nil, fmt.Errorf("third party %q: write Name|email|types or Name|email|types|what they hold", entry)
		}
		tp := org.ThirdParty{Name: strings.TrimSpace(parts[0]), Email: models.NormalizeEmail(parts[1])}
		if len(parts) == 4 {
			tp.Holds = strings.TrimSpace(parts[3])
		}
		if tp.Name == "" || !ValidEmail(tp.Email) {
			return nil, fmt.Errorf("third party %q: needs a name and a valid email", entry)
		}
		types, scopes, err := org.NoticeKinds(strings.Split(parts[2], ","))
		if err != nil {
			return nil, fmt.Errorf("third party %q: %w", entry, err)
		}
		tp.Types, tp.Scopes = types, scopes
		out = append(out, tp)
	}
	return out, nil
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
		if _, err := store.FindStoreCustomer(ctx, s.Store.DB, r.Email); errors.Is(err, models.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var told []string
		if err := tx.Model(&models.ThirdPartyNotice{}).Where("request_id = ? AND reason = ?", r.ID, a.Reason).
			Pluck("recipient", &told).Error; err != nil {
			return err
		}
		for _, tp := range s.Settings.ThirdParties {
			ok, scopes := tp.Concerns(a.Reason, a.Scopes)
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
