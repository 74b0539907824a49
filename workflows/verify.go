package workflows

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

var (
	errBadLink     = models.Errorf(models.ENotFound, "This link is not valid. Check that you copied the whole link from our email.")
	errExpiredLink = models.Errorf(models.EGone, "This link has expired. You can ask us to send a new one.")
	errUsedLink    = models.Errorf(models.EGone, "This link has already been used.")
)

// checkToken finds a live token of a purpose: unknown or malformed tokens
// are errBadLink, expired ones errExpiredLink, used-up ones errUsedLink.
func (s *Service) checkToken(ctx context.Context, db *gorm.DB, purpose, raw string) (*models.RequestToken, error) {
	tok, ok := ParseToken(raw)
	if !ok {
		return nil, errBadLink
	}
	t, err := models.FindToken(ctx, db, purpose, HashToken(tok))
	if errors.Is(err, models.ErrNotFound) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, err
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return nil, errExpiredLink
	}
	if t.MaxUses > 0 && t.Uses >= t.MaxUses {
		return nil, errUsedLink
	}
	return t, nil
}

// VerifyLink is what the page of a verification link may show: the request
// it belongs to, and whether the link already confirmed it.
type VerifyLink struct {
	Request *models.Request
	Used    bool // this link confirmed the request; it confirms nothing more

	// ProofKinds name what the page must also ask for (an order number, a
	// product serial number), never a value; empty when the button alone
	// confirms. Locked means wrong answers locked the request; TriesLeft
	// is how many wrong answers it still takes.
	ProofKinds []string
	Locked     bool
	TriesLeft  int
}

// CheckVerifyLink looks at a verification link without using it, so the
// page a mail scanner or a prefetch opens changes nothing. A used link
// still names its request (its hash stays stored, with used_at), so the
// page can say "already confirmed" rather than "not valid"; it never hands
// out a new status token, which only Verify mints for an unused link.
// Errors: ENotFound (forged or malformed), EGone (expired and unused).
func (s *Service) CheckVerifyLink(ctx context.Context, token string) (*VerifyLink, error) {
	tok, ok := ParseToken(token)
	if !ok {
		return nil, errBadLink
	}
	db := s.DB.DB.WithContext(ctx)
	t, err := models.FindToken(ctx, db, models.PurposeVerify, HashToken(tok))
	if errors.Is(err, models.ErrNotFound) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, err
	}
	used := t.MaxUses > 0 && t.Uses >= t.MaxUses
	if !used && t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return nil, errExpiredLink
	}
	r, err := models.FindRequest(ctx, db, t.RequestID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, err
	}
	l := &VerifyLink{Request: r, Used: used}
	if !used && needsProofCheck(r) {
		locked, attempts, err := models.VerifyLockedFor(ctx, db, r.Email)
		if err != nil {
			return nil, err
		}
		l.Locked = locked
		l.TriesLeft = max(MaxProofTries-attempts, 0)
		p, err := s.datasets.IdentityProofs(ctx, s.storeDB(db), r.Email)
		if err != nil {
			return nil, err
		}
		l.ProofKinds = proofKinds(p)
	}
	return l, nil
}

// Verify confirms a requester's email with the token from the verification
// link: the request becomes verified, its due date is set, a receipt is
// sent, and a fresh status-page token is returned. Each link works once.
// An access or deletion request of a store customer also needs proof: one
// of their order numbers or product serials (checkProof); a wrong one
// leaves the link unused, and the MaxProofTries-th locks the request.
// Errors: ENotFound (forged), EGone (expired or used), EConflict (the
// request was cancelled or has expired), EInvalid (wrong proof, on the
// "proof" field), EForbidden (locked).
func (s *Service) Verify(ctx context.Context, token, proof string) (*models.Request, string, error) {
	var r *models.Request
	var statusToken string
	var wrong error // a wrong proof, returned after its count is committed
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := s.checkToken(ctx, tx, models.PurposeVerify, token)
		if err != nil {
			return err
		}
		if r, err = models.FindRequest(ctx, tx, t.RequestID); err != nil {
			return err
		}
		if recorded, err := s.checkProof(ctx, tx, r, proof); err != nil {
			if recorded {
				wrong = err
				return nil
			}
			return err
		}
		if err := models.UseToken(ctx, tx, t, s.now()); err != nil {
			return err
		}
		switch r.Status {
		case models.StatusPendingVerification:
			now := s.now()
			due := now.AddDate(0, 0, ResponseDays)
			err = s.transition(ctx, tx, r, Change{To: models.StatusVerified, Actor: "customer", Action: "verify",
				Set: map[string]any{"verified_at": now, "due_at": due, "expires_at": nil}})
			if err == nil && r.Type == models.TypeOptIn {
				err = s.completeOptIn(ctx, tx, r, "customer")
			}
		case models.StatusExpired:
			err = models.Errorf(models.EGone, "This request expired because its email was not confirmed in time. Please file a new request.")
		case models.StatusCancelled:
			err = models.Errorf(models.EConflict, "This request was cancelled, so it cannot be confirmed.")
		}
		// Any later status means an earlier link already confirmed it: show its status.
		if err != nil {
			return err
		}
		statusToken, err = s.mintToken(ctx, tx, r.ID, models.PurposeStatus, 0, nil)
		return err
	})
	if err == nil {
		err = wrong
	}
	if err != nil {
		return nil, "", err
	}
	return r, statusToken, nil
}

// Resend asks for a new verification link for each of the address's
// requests still awaiting confirmation. It only enqueues a ResendLinksArgs
// job, the same one statement for every valid address, so neither its
// answer nor its time tells whether any request is waiting; the job finds
// them and mails the links. Errors: EInvalid for a bad address.
func (s *Service) Resend(ctx context.Context, email string) error {
	email = models.NormalizeEmail(email)
	if msg := EmailProblem(email); msg != "" {
		return &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"email": msg}}
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.enqueue(ctx, tx, ResendLinksArgs{Email: email}, nil)
	})
}

// ResendLinksArgs is the job that re-sends the verification links of one
// address's waiting requests.
type ResendLinksArgs struct {
	Email string `json:"email"`
}

// Kind names the job.
func (ResendLinksArgs) Kind() string { return "resend_links" }

type resendLinksWorker struct {
	river.WorkerDefaults[ResendLinksArgs]
	s *Service
}

func (w *resendLinksWorker) Work(ctx context.Context, job *river.Job[ResendLinksArgs]) error {
	err := w.s.resendLinks(ctx, job.Args.Email)
	w.s.Metrics.job(job.Kind, err)
	return err
}

// resendLinks gives each waiting request of email a new day to be
// confirmed and queues its verification email, in one transaction (so a
// retried job repeats nothing).
func (s *Service) resendLinks(ctx context.Context, email string) error {
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		rs, err := models.PendingRequestsForEmail(ctx, tx, email, now, maxPendingResends)
		if err != nil {
			return err
		}
		for i := range rs {
			if err := s.remail(ctx, tx, &rs[i], "verification_resent", nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// remail gives a waiting request a new day to be confirmed, records why
// (action) and queues its verification email with details.
func (s *Service) remail(ctx context.Context, tx *gorm.DB, r *models.Request, action string, details map[string]any) error {
	exp := s.now().Add(VerifyLinkLife)
	if err := tx.Model(&models.Request{}).Where("id = ?", r.ID).Update("expires_at", exp).Error; err != nil {
		return err
	}
	r.ExpiresAt = &exp
	if err := s.audit(ctx, tx, r, "customer", action, nil); err != nil {
		return err
	}
	return s.enqueueEmail(ctx, tx, r, EmailVerify, details)
}

// ExpireUnverified moves requests whose email was not confirmed in time to
// expired, in small batches, and returns how many it moved.
func (s *Service) ExpireUnverified(ctx context.Context) (int, error) {
	total := 0
	for {
		rs, err := models.ExpiredUnverified(ctx, s.DB.DB, s.now(), expireBatch)
		if err != nil || len(rs) == 0 {
			return total, err
		}
		for i := range rs {
			r := &rs[i]
			err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return s.transition(ctx, tx, r, Change{To: models.StatusExpired, Actor: "system", Action: "expire",
					Set: map[string]any{"closed_at": s.now()}})
			})
			if models.ErrorCode(err) == models.EConflict {
				continue // verified or cancelled meanwhile
			}
			if err != nil {
				return total, err
			}
			total++
		}
		if len(rs) < expireBatch {
			return total, nil
		}
	}
}

// audit records an event that does not change the request's status.
func (s *Service) audit(ctx context.Context, tx *gorm.DB, r *models.Request, actor, action string, details map[string]any) error {
	d, err := jsonMarshal(details)
	if err != nil {
		return err
	}
	id := r.ID
	return s.appendAudit(ctx, tx, &models.AuditEvent{
		RequestID: &id, Actor: actor, Action: action, FromStatus: r.Status, ToStatus: r.Status,
		Details: d, CreatedAt: s.now(),
	})
}

// AddBusinessDays returns t plus n weekdays (Saturday and Sunday skipped).
func AddBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}
