package workflows

import (
	"strings"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// Case is what decides which staff actions a request allows: the request,
// its appeal (nil: none) and, for a correction request, how many requested
// details still await a decision.
type Case struct {
	Request   *models.Request
	Appeal    *models.Appeal
	Undecided int
}

// Actions are the staff actions a request allows one staff member now.
// The request page offers exactly these, and each service method refuses
// the rest through the same check, so the page never offers what the
// service refuses. (Retrying one source's collection depends on that
// source's state, not on the request, and is offered per failed source.)
type Actions struct {
	Assign, Claim, Note                  bool
	Start, Review, Approve, Deny, Cancel bool // Start: verified → in progress; Review: → awaiting approval
	Extend, Escalate                     bool
	RetryErasure, DecideCorrections      bool
	DecideAppeal, UnlockVerification     bool
	ApproveRefusal                       string // why Approve is false while the request awaits approval
}

// ActionsFor answers which actions actor may take on k's request at now.
func ActionsFor(k Case, actor *models.StaffUser, now time.Time) Actions {
	r := k.Request
	a := Actions{
		Assign:             canAssign(r) == nil,
		Note:               true, // any request, open or closed, takes a staff note
		Start:              canAdvance(r, models.StatusInProgress) == nil,
		Review:             canAdvance(r, models.StatusAwaitingApproval) == nil,
		Approve:            canApprove(k, actor) == nil,
		Deny:               canMove(r, models.StatusDenied) == nil,
		Cancel:             canMove(r, models.StatusCancelled) == nil,
		Extend:             canExtend(r, now) == nil,
		Escalate:           canEscalate(r) == nil,
		RetryErasure:       canRetryErasure(r) == nil,
		DecideCorrections:  canDecideCorrection(r) == nil,
		DecideAppeal:       canDecideAppeal(k.Appeal, actor) == nil,
		UnlockVerification: canUnlock(r, actor) == nil,
	}
	a.Claim = a.Assign && (r.AssigneeID == nil || *r.AssigneeID != actor.ID)
	if err := canApprove(k, actor); err != nil && r.Status == models.StatusAwaitingApproval {
		a.ApproveRefusal = models.ErrorMessage(err)
	}
	return a
}

// transitionRefusal is the error of a move the lifecycle does not allow.
func transitionRefusal(from, to string) error {
	return models.Errorf(models.EConflict, "A request that is %s cannot become %s.", Label(from), Label(to))
}

// canMove: the lifecycle allows r to become to. Errors: EConflict.
func canMove(r *models.Request, to string) error {
	if !CanTransition(r.Status, to) || (r.Status == models.StatusVerified && to == models.StatusCompleted && r.Type != models.TypeOptIn) {
		return transitionRefusal(r.Status, to)
	}
	return nil
}

// canAssign: an open request can be given to someone. Errors: EConflict.
func canAssign(r *models.Request) error {
	if !r.Open() {
		return models.Errorf(models.EConflict, "This request is %s; it can no longer be assigned.", Label(r.Status))
	}
	return nil
}

// canEscalate: an open request can be handed to an admin. Errors: EConflict.
func canEscalate(r *models.Request) error {
	if !r.Open() {
		return models.Errorf(models.EConflict, "This request is %s; it can no longer be handed over.", Label(r.Status))
	}
	return nil
}

// canAdvance: staff may move r to (in progress or awaiting approval) by
// hand; a denial is reopened only by its appeal. Errors: EConflict.
func canAdvance(r *models.Request, to string) error {
	if r.Status == models.StatusDenied {
		return models.Errorf(models.EConflict, "A denied request is reopened only by overturning its appeal.")
	}
	return canMove(r, to)
}

// canApprove: a request awaiting approval, every correction decided; only
// admins approve deletions. Errors: EForbidden, EConflict.
func canApprove(k Case, actor *models.StaffUser) error {
	r := k.Request
	switch {
	case r.Type == models.TypeDeletion && !actor.IsAdmin():
		return models.Errorf(models.EForbidden, "Only a privacy admin can approve a deletion.")
	case r.Status != models.StatusAwaitingApproval:
		return models.Errorf(models.EConflict, "Only a request awaiting approval can be approved (this one is %s).", Label(r.Status))
	case r.Type == models.TypeCorrection && k.Undecided > 0:
		return models.Errorf(models.EConflict, "Accept or reject every requested correction before approving.")
	}
	return nil
}

// canExtend: an open, verified request, not extended yet, before its due
// date. Errors: EConflict.
func canExtend(r *models.Request, now time.Time) error {
	switch {
	case !r.Open() || r.DueAt == nil:
		return models.Errorf(models.EConflict, "Only an open, verified request can be extended.")
	case r.ExtendedAt != nil:
		return models.Errorf(models.EConflict, "This request has already been extended once.")
	case !now.Before(*r.DueAt):
		return models.Errorf(models.EConflict, "The due date has passed; a deadline cannot be extended after it.")
	}
	return nil
}

// canRetryErasure: a deletion being carried out. Errors: EConflict.
func canRetryErasure(r *models.Request) error {
	if r.Type != models.TypeDeletion || r.Status != models.StatusFulfilling {
		return models.Errorf(models.EConflict, "Only a deletion being carried out can have its erasure retried.")
	}
	return nil
}

// canDecideCorrection: a correction request in review. Errors: EConflict.
func canDecideCorrection(r *models.Request) error {
	if r.Type != models.TypeCorrection || r.Status != models.StatusAwaitingApproval {
		return models.Errorf(models.EConflict, "Only a correction request in review can have its fields decided.")
	}
	return nil
}

// canDecideAppeal: an open appeal, decided by someone other than the
// staff member who denied. Errors: EConflict, EForbidden.
func canDecideAppeal(a *models.Appeal, actor *models.StaffUser) error {
	switch {
	case a == nil || !a.Open():
		return models.Errorf(models.EConflict, "This request has no open appeal.")
	case strings.EqualFold(a.DeniedBy, actor.Email):
		return models.Errorf(models.EForbidden, "You denied this request, so a different staff member must decide its appeal.")
	}
	return nil
}

// canUnlock: an admin, a request waiting for confirmation whose
// verification locked. Errors: EForbidden, EConflict.
func canUnlock(r *models.Request, actor *models.StaffUser) error {
	switch {
	case !actor.IsAdmin():
		return models.Errorf(models.EForbidden, "Only a privacy admin can unlock a request's verification.")
	case r.VerifyLocked == nil || r.Status != models.StatusPendingVerification:
		return models.Errorf(models.EConflict, "This request's verification is not locked.")
	}
	return nil
}
