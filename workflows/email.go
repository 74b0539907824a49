package workflows

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"crypto/rand"
	mrand "math/rand/v2"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
)

// Email kinds; each has templates/emails/<kind>.txt and .html.
const (
	EmailVerify     = "verify"
	EmailReceipt    = "receipt"
	EmailDenied     = "denied"
	EmailCancelled  = "cancelled"
	EmailCompleted  = "completed"
	EmailOptOutDone = "opt_out_done"
	EmailOptInDone  = "opt_in_done"
	EmailStaffNew   = "staff_new_request"
	EmailExtended   = "extended"
	EmailReminder   = "staff_reminder"
	EmailThirdParty = "third_party_notice"
	EmailAssigned   = "staff_assigned"
	// EmailVerifyLocked tells staff a request's verification locked after wrong answers.
	EmailVerifyLocked = "verification_locked"

	EmailAppealReceived = "appeal_received" // to the requester: we have your appeal
	EmailStaffAppeal    = "staff_appeal"    // to the support address: an appeal to decide
	EmailAppealDecided  = "appeal_decided"  // to the requester: the written answer
)

// staffEmails and third-party notices go to others than the requester and
// carry no requester links.
var staffEmails = map[string]bool{EmailStaffNew: true, EmailReminder: true, EmailThirdParty: true, EmailAssigned: true,
	EmailVerifyLocked: true, EmailStaffAppeal: true}

// enqueueEmail puts an email in the outbox and its send job in the queue,
// in tx: customer emails go to the requester, staff emails to the support address.
func (s *Service) enqueueEmail(ctx context.Context, tx *gorm.DB, r *models.Request, kind string, details map[string]any) error {
	to := r.Email
	if staffEmails[kind] {
		to = s.Settings.SupportEmail
	}
	_, err := s.enqueueEmailTo(ctx, tx, r, kind, to, details)
	return err
}

// enqueueEmailTo is enqueueEmail with an explicit recipient; no recipient,
// no email (and a nil *Email).
func (s *Service) enqueueEmailTo(ctx context.Context, tx *gorm.DB, r *models.Request, kind, to string, details map[string]any) (*models.Email, error) {
	if to == "" {
		return nil, nil
	}
	data, err := jsonMarshal(details)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := r.ID
	e := &models.Email{
		RequestID: &id, Kind: kind, ToAddr: to, Data: data, Status: models.EmailQueued,
		MessageID: fmt.Sprintf("<%s.%s.%s@%s>", strings.ToLower(r.ID), kind, hex.EncodeToString(b), s.mailHost()),
		CreatedAt: s.now(),
	}
	if keepEmail(ctx, e) {
		return e, nil // written with the batch's others, which sets e.ID
	}
	if err := tx.WithContext(ctx).Create(e).Error; err != nil {
		return nil, fmt.Errorf("queue email: %w", err)
	}
	return e, s.enqueue(ctx, tx, SendEmailArgs{EmailID: e.ID}, nil)
}

func (s *Service) mailHost() string {
	if u, err := url.Parse(s.Settings.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "privacydesk.invalid"
}

// SendEmailArgs is the job that delivers one outbox email.
type SendEmailArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind names the job.
func (SendEmailArgs) Kind() string { return "send_email" }

// InsertOpts gives an email enough attempts to outlast a day without a mail
// server at the pace emailRetryDelay sets.
func (SendEmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 127} }

type sendEmailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	s *Service
}

// NextRetry retries a failed email at emailRetryDelay.
func (w *sendEmailWorker) NextRetry(job *river.Job[SendEmailArgs]) time.Time {
	return time.Now().Add(emailRetryDelay(len(job.Errors) + 1))
}

// emailRetryDelay is River's backoff (attempt⁴ seconds) capped at 30 seconds
// for the first 30 attempts, then at 15 minutes, with up to a tenth more of
// jitter. River's own would wait 81 seconds after the third failure and 17
// minutes after the sixth, so mail would lag an outage by as long again;
// this way it goes within about half a minute of the server's return, and
// a long outage still does not use up the attempts.
func emailRetryDelay(attempt int) time.Duration {
	limit := 30 * time.Second
	if attempt > 30 {
		limit = 15 * time.Minute
	}
	d := min(time.Duration(attempt*attempt*attempt*attempt)*time.Second, limit)
	return d + mrand.N(d/10+1)
}

// Work sends the email unless it already went, so a retried job never sends
// it twice; links with fresh tokens are minted here, never stored in clear.
func (w *sendEmailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	err := w.s.sendEmail(ctx, job.Args.EmailID, job.Attempt >= job.MaxAttempts)
	w.s.Metrics.job(job.Kind, err)
	return err
}

func (s *Service) sendEmail(ctx context.Context, id int64, lastAttempt bool) error {
	e, err := models.FindEmail(ctx, s.DB.DB, id)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("email %d no longer exists", id))
	}
	if err != nil {
		return err
	}
	if e.Status == models.EmailSent {
		return nil
	}
	if !s.Renderer.Has(e.Kind) {
		// A kind no longer sent (such as in_progress), queued by an earlier version.
		return river.JobCancel(fmt.Errorf("email %d: kind %q is no longer sent", id, e.Kind))
	}
	if e.ToAddr == "" { // the request's personal data was purged before it went
		return river.JobCancel(fmt.Errorf("email %d has no recipient left", id))
	}
	msg, err := s.composeEmail(ctx, e)
	if err != nil {
		return err
	}
	sendErr := s.Mailer.Send(ctx, msg)
	s.Metrics.email(e.Kind, sendErr)
	set := map[string]any{"attempts": gorm.Expr("attempts + 1")}
	if sendErr != nil {
		set["last_error"] = truncate(sendErr.Error(), 500)
		if lastAttempt {
			set["status"] = models.EmailFailed
		}
		s.Log.Warn("email not sent", "email_id", e.ID, "kind", e.Kind, "err", sendErr)
	} else {
		now := s.now()
		set["status"], set["sent_at"], set["last_error"] = models.EmailSent, now, ""
	}
	// The message has gone; record it even if the job's own context is ending.
	upd := s.DB.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Email{}).Where("id = ?", e.ID).Updates(set)
	if upd.Error != nil {
		return fmt.Errorf("record email %d: %w", e.ID, upd.Error)
	}
	return sendErr
}

// EmailData is what every email template receives.
type EmailData struct {
	Store      string
	Lang       string // the language it is written in
	BaseURL    string
	Request    *models.Request
	Type       string
	Status     string
	Scopes     []string
	Details    map[string]any
	StatusURL  string
	VerifyURL  string
	ResendURL  string
	NewURL     string
	StaffURL   string
	LinkHours  int
	ResponseDs int

	DownloadURL     string     // completed access: the export's link
	DownloadExpires *time.Time // and until when it works
	MaxDownloads    int
	Deletion        *DeletionSummary    // completed deletion: what was deleted, kept and told
	Corrections     []models.Correction // completed correction: each field, accepted or rejected and why
	ThirdParty      string              // third-party notice: the recipient's name
	ThirdPartyHolds string              // and what it holds from us
	// ThirdPartyReason is what the notice is of: deletion or opt_out.
	ThirdPartyReason string
	Links            []RequestLink  // lookup by email: the address's requests
	Appeal           *models.Appeal // appeal emails: the appeal, with its answer once decided
	ReceiptURL       string         // the page that checks the receipt attached to the receipt email

	// An admin's own wording (WordingKinds), placeholders filled in as
	// plain text: the subject replaces the template's, the opening
	// paragraph its first one.
	Subject, Intro string
}

// composeEmail renders an outbox email, minting the tokens its links need.
func (s *Service) composeEmail(ctx context.Context, e *models.Email) (*mail.Message, error) {
	d := EmailData{
		Store: s.Settings.Org.Name, BaseURL: s.Settings.BaseURL,
		ResendURL: s.Settings.BaseURL + links.Resend, NewURL: s.Settings.BaseURL + links.NewRequest,
		LinkHours: int(VerifyLinkLife.Hours()), ResponseDs: ResponseDays, ReceiptURL: s.ReceiptURL(),
	}
	if err := json.Unmarshal([]byte(e.Data), &d.Details); err != nil {
		return nil, fmt.Errorf("email %d data: %w", e.ID, err)
	}
	d.Lang = locale.Default
	if l, _ := d.Details["lang"].(string); locale.Valid(l) {
		d.Lang = l // a lookup by email: the language of the page that asked
	}
	if e.RequestID != nil {
		r, err := models.FindRequest(ctx, s.DB.DB, *e.RequestID)
		if err != nil {
			return nil, fmt.Errorf("email %d request: %w", e.ID, err)
		}
		if r.VerifiedAt == nil {
			// Until the address is confirmed, the name is anyone's text:
			// never put it in our email to that address.
			anon := *r
			anon.Name = ""
			r = &anon
		}
		if !staffEmails[e.Kind] && locale.Valid(r.Lang) {
			d.Lang = r.Lang // every email to the requester is in the language they filed in
		}
		tr := s.Renderer.Tr(d.Lang)
		d.Request, d.Type, d.Status = r, tr.Label(r.Type, Label(r.Type)), tr.Label(r.Status, Label(r.Status))
		for _, sc := range r.ScopeList() {
			d.Scopes = append(d.Scopes, tr.Label(sc, Label(sc)))
		}
		d.StaffURL = s.Settings.BaseURL + links.StaffRequestPage(r.ID)
		if !staffEmails[e.Kind] {
			err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				tok, err := s.mintToken(ctx, tx, r.ID, models.PurposeStatus, 0, nil)
				if err != nil {
					return err
				}
				d.StatusURL = s.StatusURL(r.ID, tok)
				if e.Kind == EmailCompleted && r.Type == models.TypeAccess {
					if err := s.downloadLink(ctx, tx, r, &d); err != nil {
						return err
					}
				}
				if e.Kind == EmailVerify {
					exp := s.now().Add(VerifyLinkLife)
					if d.Details["reminder"] == true && r.ExpiresAt != nil && r.ExpiresAt.Before(exp) {
						// A reminder's fresh link lasts as long as the request
						// still waits, and says how long that is.
						exp = *r.ExpiresAt
						d.LinkHours = max(1, int(math.Ceil(exp.Sub(s.now()).Hours())))
					}
					tok, err := s.mintToken(ctx, tx, r.ID, models.PurposeVerify, 1, &exp)
					if err != nil {
						return err
					}
					d.VerifyURL = s.Settings.BaseURL + links.VerifyPage(tok)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("email %d links: %w", e.ID, err)
			}
		}
	}
	if d.Request != nil && e.Kind == EmailCompleted && d.Request.Type == models.TypeDeletion {
		sum, err := s.deletionSummary(ctx, d.Request)
		if err != nil {
			return nil, err
		}
		d.Deletion = sum
	}
	if d.Request != nil && e.Kind == EmailCompleted && d.Request.Type == models.TypeCorrection {
		cs, err := models.CorrectionsFor(ctx, s.DB.DB, d.Request.ID)
		if err != nil {
			return nil, err
		}
		d.Corrections = cs
	}
	if d.Request != nil && (e.Kind == EmailAppealReceived || e.Kind == EmailStaffAppeal || e.Kind == EmailAppealDecided) {
		var err error
		if d.Appeal, err = models.FindAppeal(ctx, s.DB.DB, d.Request.ID); err != nil {
			return nil, fmt.Errorf("email %d appeal: %w", e.ID, err)
		}
	}
	if e.Kind == EmailRequestLinks {
		if err := s.requestLinks(ctx, &d, s.Renderer.Tr(d.Lang)); err != nil {
			return nil, err
		}
	}
	if name, ok := d.Details["recipient"].(string); ok {
		d.ThirdParty = name
		d.ThirdPartyHolds, _ = d.Details["holds"].(string)
		d.ThirdPartyReason, _ = d.Details["reason"].(string)
		if scopes, ok := d.Details["scopes"].([]any); ok { // only those the recipient is concerned with
			d.Scopes = nil
			for _, sc := range scopes {
				d.Scopes = append(d.Scopes, Label(fmt.Sprint(sc)))
			}
		}
	}
	if err := s.applyEditedWording(ctx, e.Kind, &d); err != nil {
		return nil, err
	}
	subject, text, html, err := s.Renderer.RenderIn(d.Lang, e.Kind, d)
	if err != nil {
		return nil, err
	}
	if d.Subject != "" {
		subject = d.Subject
	}
	msg := &mail.Message{
		From: s.Settings.MailFrom, To: e.ToAddr, Subject: subject, Text: text, HTML: html,
		MessageID: e.MessageID, Date: s.now(),
	}
	if e.Kind == EmailReceipt && d.Request != nil {
		att, err := s.receiptAttachment(ctx, d.Request)
		if err != nil {
			return nil, fmt.Errorf("email %d: %w", e.ID, err)
		}
		msg.Attachments = []mail.Attachment{att}
	}
	return msg, nil
}

// StatusURL is the absolute link to a request's status page.
func (s *Service) StatusURL(id, token string) string {
	return s.Settings.BaseURL + links.StatusPage(id, token)
}

// mintToken stores the hash of a new token for a request and returns the token.
func (s *Service) mintToken(ctx context.Context, tx *gorm.DB, requestID, purpose string, maxUses int, expires *time.Time) (string, error) {
	tok, hash := newToken()
	t := &models.RequestToken{
		RequestID: requestID, Purpose: purpose, Hash: hash, MaxUses: maxUses,
		ExpiresAt: expires, CreatedAt: s.now(),
	}
	if err := tx.WithContext(ctx).Create(t).Error; err != nil {
		return "", fmt.Errorf("store %s token: %w", purpose, err)
	}
	return tok, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// downloadLink mints the export's download token (MaxDownloads uses, until
// the export expires) into d.
func (s *Service) downloadLink(ctx context.Context, tx *gorm.DB, r *models.Request, d *EmailData) error {
	exp, err := models.LatestExport(ctx, tx, r.ID)
	if err != nil {
		return fmt.Errorf("export for %s: %w", r.ID, err)
	}
	tok, err := s.mintToken(ctx, tx, r.ID, models.PurposeDownload, MaxDownloads, &exp.ExpiresAt)
	if err != nil {
		return err
	}
	d.DownloadURL = s.Settings.BaseURL + links.DownloadPage(r.ID, tok)
	d.DownloadExpires, d.MaxDownloads = &exp.ExpiresAt, MaxDownloads
	return nil
}
