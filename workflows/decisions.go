package workflows

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Limits on staff decisions. An extension's own limit follows the
// request's regime (MaxExtensionFor); MaxExtensionDays bounds every regime.
const (
	MaxExtensionDays = 62
	MaxReasonLen     = 2000
)

// DenialReasons are the reasons staff can pick from (or write their own).
var DenialReasons = []string{
	"We could not confirm that you are the person the data is about.",
	"We hold no personal data about you beyond what this request needed.",
	"The law requires us to keep this data (for example, invoices for the accounting period).",
	"This request repeats one we answered within the last 12 months.",
}

// onRequest runs f on the request with id inside one transaction.
func (s *Service) onRequest(ctx context.Context, id string, f func(tx *gorm.DB, r *models.Request) error) (*models.Request, error) {
	var r *models.Request
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = models.FindRequest(ctx, tx, id); err != nil {
			return err
		}
		return f(tx, r)
	})
	return r, err
}

func reasonField(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", invalidField("reason", "Give a reason.")
	case utf8.RuneCountInString(reason) > MaxReasonLen || !cleanText(reason, true):
		return "", invalidField("reason", "Write a reason of up to 2,000 characters.")
	}
	return reason, nil
}

func invalidField(field, msg string) error {
	return &models.Error{Code: models.EInvalid, Message: msg, Fields: map[string]string{field: msg}}
}

// Assign gives the request to a staff member (0: nobody). Errors:
// ENotFound, EInvalid for an unknown or disabled assignee, EConflict once closed.
func (s *Service) Assign(ctx context.Context, actor *models.StaffUser, id string, staffID int64) (*models.Request, error) {
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canAssign(r); err != nil {
			return err
		}
		return s.assign(ctx, tx, r, actor, staffID, "")
	})
}

// assign sets the request's assignee in tx with its audit event, and
// emails the new assignee unless they took it themselves; note, if any,
// goes in the email (it is already saved as a staff note).
func (s *Service) assign(ctx context.Context, tx *gorm.DB, r *models.Request, actor *models.StaffUser, staffID int64, note string) error {
	var assignee any
	var to *models.StaffUser
	details := map[string]any{"assignee_id": nil}
	if staffID != 0 {
		u, err := models.FindStaff(ctx, tx, staffID)
		if err != nil || !u.Active() {
			return invalidField("assignee", "Choose an active staff member.")
		}
		assignee, details["assignee_id"], to = staffID, staffID, u
	}
	if err := tx.Model(&models.Request{}).Where("id = ?", r.ID).Update("assignee_id", assignee).Error; err != nil {
		return err
	}
	action := "assign"
	switch {
	case staffID == actor.ID:
		action = "claim"
	case note != "":
		action = "escalate"
	}
	if err := s.audit(ctx, tx, r, actor.Email, action, details); err != nil {
		return err
	}
	if to == nil || to.ID == actor.ID || r.AssigneeID != nil && *r.AssigneeID == to.ID && note == "" {
		return nil // nobody new to tell
	}
	mail := map[string]any{"by": actor.Name}
	if note != "" {
		mail["note"] = note
	}
	_, err := s.enqueueEmailTo(ctx, tx, r, EmailAssigned, to.Email, mail)
	return err
}

// Escalate sends a request to a privacy admin: it assigns it to them, keeps
// the note on the request and emails them both. It is how an agent hands
// over what only an admin may decide (approving a deletion, say).
// Errors: ENotFound, EInvalid (no note, or not an active admin), EConflict once closed.
func (s *Service) Escalate(ctx context.Context, actor *models.StaffUser, id string, adminID int64, note string) (*models.Request, error) {
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > MaxReasonLen || !cleanText(note, true) {
		return nil, invalidField("note", "Say in up to 2,000 characters what the admin should decide.")
	}
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canEscalate(r); err != nil {
			return err
		}
		u, err := models.FindStaff(ctx, tx, adminID)
		if err != nil || !u.Active() || !u.IsAdmin() || u.ID == actor.ID {
			return invalidField("admin", "Choose an active privacy admin other than yourself.")
		}
		n := &models.Note{RequestID: r.ID, StaffID: actor.ID, Body: "For " + u.Name + ": " + note, CreatedAt: s.now()}
		if err := tx.Create(n).Error; err != nil {
			return err
		}
		return s.assign(ctx, tx, r, actor, adminID, note)
	})
}

// AddNote adds a staff note to the request. Errors: ENotFound, EInvalid.
func (s *Service) AddNote(ctx context.Context, actor *models.StaffUser, id, body string) error {
	body, err := noteField(body)
	if err != nil {
		return err
	}
	_, err = s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		return s.addNote(ctx, tx, r, actor, body)
	})
	return err
}

// noteField checks a staff note. Errors: EInvalid on the "note" field.
func noteField(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > 10000 || !cleanText(body, true) {
		return "", invalidField("note", "Write a note of up to 10,000 characters.")
	}
	return body, nil
}

// addNote saves a checked note on r with its audit event, in tx.
func (s *Service) addNote(ctx context.Context, tx *gorm.DB, r *models.Request, actor *models.StaffUser, body string) error {
	n := &models.Note{RequestID: r.ID, StaffID: actor.ID, Body: body, CreatedAt: s.now()}
	if err := tx.Create(n).Error; err != nil {
		return err
	}
	return s.audit(ctx, tx, r, actor.Email, "note", map[string]any{"note_id": n.ID})
}

// Advance moves a request one step along the staff's own work: start
// (verified → in progress) or review (in progress → awaiting approval).
func (s *Service) Advance(ctx context.Context, actor *models.StaffUser, id, to string) (*models.Request, error) {
	if to != models.StatusInProgress && to != models.StatusAwaitingApproval {
		return nil, models.Errorf(models.EInvalid, "Unknown step.")
	}
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canAdvance(r, to); err != nil {
			return err
		}
		return s.transition(ctx, tx, r, Change{To: to, Actor: actor.Email, Action: "advance"})
	})
}

// Approve approves a request awaiting approval; only admins approve deletions.
// Errors: EForbidden, EConflict.
func (s *Service) Approve(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error) {
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		undecided, err := undecidedCorrections(ctx, tx, r)
		if err != nil {
			return err
		}
		if err := canApprove(Case{Request: r, Undecided: undecided}, actor); err != nil {
			return err
		}
		return s.transition(ctx, tx, r, Change{To: models.StatusFulfilling, Actor: actor.Email, Action: "approve"})
	})
}

// Deny closes a request with a reason the requester will read.
// Errors: EInvalid (no reason), EConflict.
func (s *Service) Deny(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error) {
	reason, err := reasonField(reason)
	if err != nil {
		return nil, err
	}
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		return s.deny(ctx, tx, r, actor, reason)
	})
}

// deny moves r to denied with a checked reason, in tx (its audit event and
// the requester's email with it).
func (s *Service) deny(ctx context.Context, tx *gorm.DB, r *models.Request, actor *models.StaffUser, reason string) error {
	return s.transition(ctx, tx, r, Change{To: models.StatusDenied, Actor: actor.Email, Action: "deny",
		Set: map[string]any{"denial_reason": reason, "closed_at": s.now()}})
}

// StaffCancel cancels a request on the requester's behalf (they asked by
// phone, say); the requester's email says the privacy team cancelled it
// and gives the reason.
func (s *Service) StaffCancel(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error) {
	reason, err := reasonField(reason)
	if err != nil {
		return nil, err
	}
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		return s.transition(ctx, tx, r, Change{To: models.StatusCancelled, Actor: actor.Email, Action: "staff_cancel",
			Set: map[string]any{"cancel_reason": reason, "closed_at": s.now()}})
	})
}

// Extend moves the due date once, by 1 day up to the limit of the
// request's regime (45 days under CCPA, two months under GDPR), with a
// reason emailed to the requester. Refused once the due date has passed.
// Errors: EInvalid, EConflict.
func (s *Service) Extend(ctx context.Context, actor *models.StaffUser, id string, days int, reason string) (*models.Request, error) {
	if days < 1 || days > MaxExtensionDays {
		return nil, invalidField("days", fmt.Sprintf("Extend by 1 to %d days.", MaxExtensionDays))
	}
	reason, err := reasonField(reason)
	if err != nil {
		return nil, err
	}
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canExtend(r, s.now()); err != nil {
			return err
		}
		if days > MaxExtensionFor(r) {
			return invalidField("days", fmt.Sprintf("Under %s this request can be extended by at most %d days.",
				RegimeFor(r).Law, MaxExtensionFor(r)))
		}
		due := r.DueAt.AddDate(0, 0, days)
		now := s.now()
		res := tx.Model(&models.Request{}).Where("id = ? AND extended_at IS NULL", r.ID).Updates(map[string]any{
			"due_at": due, "queue_at": due, "extended_at": now, "extension_reason": reason, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Errorf(models.EConflict, "This request has already been extended once.")
		}
		r.DueAt, r.ExtendedAt, r.ExtensionReason = &due, &now, reason
		if err := s.audit(ctx, tx, r, actor.Email, "extend", map[string]any{"days": days, "due_at": due}); err != nil {
			return err
		}
		if err := s.enqueueEmail(ctx, tx, r, EmailExtended, nil); err != nil {
			return err
		}
		return s.queueAgentUpdate(ctx, tx, r) // DRP 3.08: the agent hears of the new expected_by
	})
}

// FileOnBehalf files a request for a requester who phoned or wrote. It
// still needs their email verification unless an admin confirms their
// identity with a reason. Errors: EInvalid, EForbidden.
func (s *Service) FileOnBehalf(ctx context.Context, actor *models.StaffUser, in NewRequest, confirmedReason string) (*models.Request, error) {
	in.Channel = "staff"
	if err := in.Validate(); err != nil {
		return nil, err
	}
	confirmedReason = strings.TrimSpace(confirmedReason)
	if confirmedReason != "" && !actor.IsAdmin() {
		return nil, models.Errorf(models.EForbidden, "Only a privacy admin can confirm identity without email verification.")
	}
	if in.Type == models.TypeOptOut || confirmedReason == "" {
		// Who filed it goes in with the request, so there is never a request without it.
		in.FiledBy = &actor.ID
		return s.Submit(ctx, in)
	}
	if _, err := reasonField(confirmedReason); err != nil {
		return nil, err
	}
	now := s.now()
	due := now.AddDate(0, 0, ResponseDays)
	r := &models.Request{ID: newRequestID(), Type: in.Type, Email: in.Email, Name: in.Name, Details: in.Details,
		Region: in.Region, Channel: in.Channel, VerifiedAt: &now, DueAt: &due, IdentityConfirmed: confirmedReason, FiledBy: &actor.ID}
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.transition(ctx, tx, r, Change{To: models.StatusVerified, Actor: actor.Email, Action: "file_confirmed",
			Details: map[string]any{"identity_confirmed": true}}); err != nil {
			return err
		}
		return addCorrections(ctx, tx, r, in.Corrections)
	})
	return r, err
}
