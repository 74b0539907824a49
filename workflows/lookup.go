package workflows

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"crypto/rand"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
)

// EmailRequestLinks lists an address's requests with a status link for each.
const EmailRequestLinks = "request_links"

// maxLookupRequests bounds the requests one lookup email lists.
const maxLookupRequests = 10

// RequestLink is one request in a lookup email.
type RequestLink struct {
	ID, Type, Status string
	Filed            time.Time
	StatusURL        string
}

// LookupRequests asks for an email listing the address's requests with a
// status link for each. It only enqueues a job, the same one whether or not
// the address has any requests, so the answer and its cost reveal nothing;
// the job looks the address up and mails only if it found something.
// Errors: EInvalid for a malformed address.
func (s *Service) LookupRequests(ctx context.Context, email, lang string) error {
	email = models.NormalizeEmail(email)
	if !ValidEmail(email) {
		return &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"email": "Enter a valid email address, like name@example.com."}}
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.enqueue(ctx, tx, SendRequestLinksArgs{Email: email, Lang: lang}, nil)
	})
}

// SendRequestLinksArgs is the job that answers a lookup by email.
type SendRequestLinksArgs struct {
	Email string `json:"email"`
	Lang  string `json:"lang,omitempty"` // the language of the page that asked: the email's
}

// Kind names the job.
func (SendRequestLinksArgs) Kind() string { return "send_request_links" }

type sendRequestLinksWorker struct {
	river.WorkerDefaults[SendRequestLinksArgs]
	s *Service
}

// Work queues the lookup email if the address has requests. A retry after
// the email was queued finds it queued already and queues no second one.
func (w *sendRequestLinksWorker) Work(ctx context.Context, job *river.Job[SendRequestLinksArgs]) error {
	err := w.s.sendRequestLinks(ctx, job.ID, job.Args.Email, job.Args.Lang)
	w.s.Metrics.job(job.Kind, err)
	return err
}

func (s *Service) sendRequestLinks(ctx context.Context, jobID int64, email, lang string) error {
	rs, err := models.RequestsForEmail(ctx, s.DB.DB, email, maxLookupRequests)
	if err != nil || len(rs) == 0 {
		return err
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	details := map[string]any{"requests": ids, "job": jobID}
	if locale.Valid(lang) && lang != locale.Default {
		details["lang"] = lang
	}
	data, err := jsonMarshal(details)
	if err != nil {
		return err
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Email{}).Where("kind = ? AND to_addr = ? AND data = ?", EmailRequestLinks, email, data).
			Count(&n).Error; err != nil || n > 0 {
			return err
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		e := &models.Email{
			Kind: EmailRequestLinks, ToAddr: email, Data: data, Status: models.EmailQueued, CreatedAt: s.now(),
			MessageID: fmt.Sprintf("<lookup.%s@%s>", hex.EncodeToString(b), s.mailHost()),
		}
		if err := tx.WithContext(ctx).Create(e).Error; err != nil {
			return fmt.Errorf("queue email: %w", err)
		}
		return s.enqueue(ctx, tx, SendEmailArgs{EmailID: e.ID}, nil)
	})
}

// requestLinks fills d.Links for a lookup email, minting a status token for
// each request it lists.
func (s *Service) requestLinks(ctx context.Context, d *EmailData, tr *locale.Tr) error {
	list, _ := d.Details["requests"].([]any)
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, v := range list {
			id, _ := v.(string)
			r, err := models.FindRequest(ctx, tx, id)
			if err != nil {
				return fmt.Errorf("lookup email request %q: %w", id, err)
			}
			tok, err := s.mintToken(ctx, tx, r.ID, models.PurposeStatus, 0, nil)
			if err != nil {
				return err
			}
			d.Links = append(d.Links, RequestLink{ID: r.ID, Type: tr.Label(r.Type, Label(r.Type)), Status: tr.Label(r.Status, Label(r.Status)),
				Filed: r.CreatedAt, StatusURL: s.StatusURL(r.ID, tok)})
		}
		return nil
	})
}
