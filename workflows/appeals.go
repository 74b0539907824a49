package workflows

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// AppealDays is how long the business has to answer an appeal (Virginia,
// Colorado and Connecticut all give 45 days from receipt).
const AppealDays = 45

// Appeal decisions staff can take.
const (
	DecisionUphold   = "uphold"
	DecisionOverturn = "overturn"
)

// appealText checks a requester's reason or a staff answer: required, up
// to MaxReasonLen characters, the same cleaning as other free text.
func appealText(field, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxReasonLen || !cleanText(text, true) {
		return "", invalidField(field, "Write up to 2,000 characters.")
	}
	return text, nil
}

// CanAppeal reports whether the requester may still appeal r, given its
// appeal (nil when none): a denied request, appealed once.
func CanAppeal(r *models.Request, a *models.Appeal) bool {
	return r.Status == models.StatusDenied && a == nil
}

// appealFor returns the request's appeal, or nil when it has none.
func appealFor(ctx context.Context, db *gorm.DB, id string) (*models.Appeal, error) {
	a, err := models.FindAppeal(ctx, db, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return a, err
}

// deniedBy returns the actor of the request's latest denial.
func deniedBy(ctx context.Context, db *gorm.DB, id string) (string, error) {
	var e models.AuditEvent
	err := db.WithContext(ctx).Where("request_id = ? AND to_status = ? AND from_status <> ?", id, models.StatusDenied, models.StatusDenied).
		Order("id DESC").Limit(1).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return e.Actor, err
}

// FileAppeal records the requester's appeal of a denied request, for the
// holder of its status token: its own item due in AppealDays, an
// appeal_filed event on the request, a receipt to the requester and a
// notice to the support address. Errors: ENotFound for a wrong token,
// EInvalid for a missing or too long reason, EConflict when the request is
// not denied or was appealed already.
func (s *Service) FileAppeal(ctx context.Context, id, token, reason string) (*models.Appeal, error) {
	reason, reasonErr := appealText("reason", reason)
	var a *models.Appeal
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.requestForToken(ctx, tx, id, token)
		if err != nil {
			return err
		}
		prev, err := appealFor(ctx, tx, r.ID)
		switch {
		case err != nil:
			return err
		case r.Status != models.StatusDenied:
			return models.Errorf(models.EConflict, "Only a denied request can be appealed (this one is %s).", Label(r.Status))
		case prev != nil:
			return models.Errorf(models.EConflict, "This decision has already been appealed.")
		case reasonErr != nil: // checked after the token, so a stranger learns nothing from the answer
			return reasonErr
		}
		by, err := deniedBy(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		now := s.now()
		a = &models.Appeal{RequestID: r.ID, Status: models.AppealOpen, Reason: reason, DeniedBy: by,
			FiledAt: now, DueAt: now.AddDate(0, 0, AppealDays)}
		if err := models.CreateAppeal(ctx, tx, a); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, r, "customer", "appeal_filed", map[string]any{"appeal_id": a.ID, "due_at": a.DueAt}); err != nil {
			return err
		}
		if err := s.enqueueEmail(ctx, tx, r, EmailAppealReceived, nil); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, r, EmailStaffAppeal, nil)
	})
	return a, err
}

// DecideAppeal decides a request's open appeal with a written answer that
// is emailed to the requester. Upholding keeps the denial; overturning
// moves the request back to in progress, due by the appeal's own date, so
// staff carry it out. The staff member who denied may not decide.
// Errors: EInvalid (unknown decision, no answer), EForbidden (the denier),
// EConflict (no open appeal).
func (s *Service) DecideAppeal(ctx context.Context, actor *models.StaffUser, id, decision, answer string) (*models.Appeal, error) {
	if decision != DecisionUphold && decision != DecisionOverturn {
		return nil, invalidField("decision", "Choose to uphold or overturn the denial.")
	}
	answer, err := appealText("answer", answer)
	if err != nil {
		return nil, err
	}
	var a *models.Appeal
	_, err = s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		var ferr error
		if a, ferr = appealFor(ctx, tx, r.ID); ferr != nil {
			return ferr
		}
		if err := canDecideAppeal(a, actor); err != nil {
			return err
		}
		status, details := models.AppealUpheld, map[string]any{"appeal_id": a.ID, "decision": models.AppealUpheld}
		if decision == DecisionOverturn {
			status, details["decision"] = models.AppealOverturned, models.AppealOverturned
		}
		if err := models.DecideAppeal(ctx, tx, a, status, actor.ID, answer, s.now()); err != nil {
			return err
		}
		if status == models.AppealOverturned {
			if err := s.transition(ctx, tx, r, Change{To: models.StatusInProgress, Actor: actor.Email, Action: "appeal_decided",
				Details: details, Set: map[string]any{"closed_at": nil, "due_at": a.DueAt}}); err != nil {
				return err
			}
			// Collection may have stopped at the denial: gather the records
			// afresh, so the request reaches approval by itself again.
			if err := s.startCollection(ctx, tx, r); err != nil {
				return err
			}
		} else if err := s.audit(ctx, tx, r, actor.Email, "appeal_decided", details); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, r, EmailAppealDecided, nil)
	})
	return a, err
}

// AppealFigures count the appeals filed in a report's period (Virginia,
// Colorado and Connecticut ask for appeals to be answered within 45 days).
type AppealFigures struct {
	Received   int // filed in the period
	Upheld     int // decided: the denial stands
	Overturned int // decided: the request was reopened
	Open       int // not yet decided
	OnTime     int // decided by the appeal's due date
	Overdue    int // open past the due date now
}

// Decided is how many of the appeals have been decided.
func (f AppealFigures) Decided() int { return f.Upheld + f.Overturned }

// appealFigures counts the appeals filed in [from, to).
func (s *Service) appealFigures(ctx context.Context, from, to time.Time) (AppealFigures, error) {
	var f AppealFigures
	as, err := models.AppealsFiled(ctx, s.DB.DB, from, to)
	if err != nil {
		return f, err
	}
	now := s.now()
	for _, a := range as {
		f.Received++
		switch a.Status {
		case models.AppealUpheld:
			f.Upheld++
		case models.AppealOverturned:
			f.Overturned++
		default:
			f.Open++
			if a.DueAt.Before(now) {
				f.Overdue++
			}
		}
		if a.DecidedAt != nil && !a.DecidedAt.After(a.DueAt) {
			f.OnTime++
		}
	}
	return f, nil
}
