package workflows

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Bulk actions on the filtered queue.
const (
	BulkClaim  = "claim"
	BulkAssign = "assign"
	BulkNote   = "note"
	BulkDeny   = "deny"
)

// BulkActions lists the bulk actions in the order the queue offers them.
var BulkActions = []string{BulkClaim, BulkAssign, BulkNote, BulkDeny}

// MaxBulk is the most requests one bulk action takes: enough for a day's
// clean-up, few enough that the page answering it stays quick.
const MaxBulk = 500

// BulkSelection is which requests a bulk action is for: the queue's filter
// and either the ids ticked on the page or, with All, every request the
// filter selects. Ids the filter does not select are never touched.
type BulkSelection struct {
	Filter models.QueueFilter
	IDs    []string
	All    bool
}

// BulkAction is one action for each selected request.
type BulkAction struct {
	Action   string // one of BulkActions
	Assignee int64  // BulkAssign: the staff member who gets them
	Note     string // BulkNote: the note added to each
	Reason   string // BulkDeny: the reason each requester reads
}

// BulkSkip is a request a bulk action left as it was, and why.
type BulkSkip struct {
	ID, Reason string
}

// BulkResult is what a bulk action did and what it skipped.
type BulkResult struct {
	Action  string
	Done    []string
	Skipped []BulkSkip
}

// Bulk-action refusals.
const (
	skipOutside  = "not in the filtered queue"
	skipLeft     = "no longer matches the filter"
	skipGone     = "no such request"
	skipYours    = "already assigned to you"
	skipAssigned = "already assigned to them"
	skipDenied   = "already denied"
)

// BulkSelect resolves a selection: the ids it names that the filter
// selects, in queue order, and the ticked ids it does not (to report as
// skipped, untouched). Errors: EInvalid when nothing is selected, more
// than MaxBulk are, or an id holds a control character or is not UTF-8.
func (s *Service) BulkSelect(ctx context.Context, sel BulkSelection) (in, outside []string, err error) {
	f := s.queueFilter(sel.Filter)
	if sel.All {
		in, err = models.QueueMatches(ctx, s.DB.DB, f, nil, MaxBulk+1)
		if err != nil {
			return nil, nil, err
		}
		if len(in) > MaxBulk {
			return nil, nil, models.Errorf(models.EInvalid,
				"This filter matches more than %d requests; a bulk action takes at most %d. Narrow the filter and try again.", MaxBulk, MaxBulk)
		}
		if len(in) == 0 {
			return nil, nil, models.Errorf(models.EInvalid, "No request matches this filter.")
		}
		return in, nil, nil
	}
	var ids []string
	for _, id := range sel.IDs {
		if !cleanText(id, false) {
			return nil, nil, models.Errorf(models.EInvalid, "A selected request id holds characters we cannot accept.")
		}
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, nil, models.Errorf(models.EInvalid, "Select at least one request, or all that match the filter.")
	case len(ids) > MaxBulk:
		return nil, nil, models.Errorf(models.EInvalid, "A bulk action takes at most %d requests; you selected %d.", MaxBulk, len(ids))
	}
	if in, err = models.QueueMatches(ctx, s.DB.DB, f, ids, MaxBulk); err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if !slices.Contains(in, id) {
			outside = append(outside, id)
		}
	}
	return in, outside, nil
}

// BulkCheck checks a bulk action's input, as Bulk does before it touches
// anything (for the page that asks to confirm a bulk denial).
// Errors: EInvalid, with the field at fault.
func (s *Service) BulkCheck(ctx context.Context, a BulkAction) error { return s.checkBulk(ctx, &a) }

// checkBulk checks a bulk action's input and tidies it (trims the note
// and reason). Errors: EInvalid, with the field at fault.
func (s *Service) checkBulk(ctx context.Context, a *BulkAction) error {
	var err error
	switch a.Action {
	case BulkClaim:
	case BulkAssign:
		u, ferr := models.FindStaff(ctx, s.DB.DB, a.Assignee)
		if ferr != nil || !u.Active() {
			return invalidField("to", "Choose an active staff member.")
		}
	case BulkNote:
		a.Note, err = noteField(a.Note)
	case BulkDeny:
		a.Reason, err = reasonField(a.Reason)
	default:
		return invalidField("action", "Choose claim, assign, add a note or deny.")
	}
	return err
}

// Bulk runs one action on each request of the selection, each in its own
// transaction with its own audit event and emails, as the single action
// would. Inside each, the filter is applied again and the request page's
// own check (ActionsFor) decides: a request the filter no longer selects,
// or whose status does not allow the action, is skipped and reported with
// why. Errors: EInvalid for bad input or selection (nothing is touched);
// any other error stops the run (what was done stays done).
func (s *Service) Bulk(ctx context.Context, actor *models.StaffUser, sel BulkSelection, a BulkAction) (*BulkResult, error) {
	if err := s.checkBulk(ctx, &a); err != nil {
		return nil, err
	}
	in, outside, err := s.BulkSelect(ctx, sel)
	if err != nil {
		return nil, err
	}
	res := &BulkResult{Action: a.Action}
	for _, id := range outside {
		res.Skipped = append(res.Skipped, BulkSkip{ID: id, Reason: skipOutside})
	}
	f := s.queueFilter(sel.Filter)
	for _, id := range in {
		skip, err := s.bulkOne(ctx, actor, f, id, a)
		if err != nil {
			return res, fmt.Errorf("bulk %s on %s: %w", a.Action, id, err)
		}
		if skip != "" {
			res.Skipped = append(res.Skipped, BulkSkip{ID: id, Reason: skip})
		} else {
			res.Done = append(res.Done, id)
		}
	}
	s.Log.Info("bulk action", "action", a.Action, "by", actor.ID, "done", len(res.Done), "skipped", len(res.Skipped))
	return res, nil
}

// bulkOne runs a on request id in its own transaction, or answers why not.
func (s *Service) bulkOne(ctx context.Context, actor *models.StaffUser, f models.QueueFilter, id string, a BulkAction) (string, error) {
	skip := ""
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		still, err := models.QueueMatches(ctx, tx, f, []string{id}, 1)
		if err != nil {
			return err
		}
		if len(still) == 0 {
			skip = skipLeft
			return nil
		}
		r, err := models.FindRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if skip = bulkRefusal(a, r, actor, ActionsFor(Case{Request: r}, actor, s.now())); skip != "" {
			return nil
		}
		switch a.Action {
		case BulkClaim:
			return s.assign(ctx, tx, r, actor, actor.ID, "")
		case BulkAssign:
			return s.assign(ctx, tx, r, actor, a.Assignee, "")
		case BulkNote:
			return s.addNote(ctx, tx, r, actor, a.Note)
		default:
			return s.deny(ctx, tx, r, actor, a.Reason)
		}
	})
	switch code := models.ErrorCode(err); {
	case err == nil:
		return skip, nil
	case code == models.ENotFound:
		return skipGone, nil
	case code == models.EConflict || code == models.EInvalid: // changed meanwhile
		return models.ErrorMessage(err), nil
	}
	return "", err
}

// bulkRefusal is why a allows nothing on r (ActionsFor's answer, in the
// words of a bulk report), or "".
func bulkRefusal(a BulkAction, r *models.Request, actor *models.StaffUser, acts Actions) string {
	notNow := "not allowed in status “" + Label(r.Status) + "”"
	switch a.Action {
	case BulkClaim:
		switch {
		case !acts.Assign:
			return notNow
		case !acts.Claim:
			return skipYours
		}
	case BulkAssign:
		switch {
		case !acts.Assign:
			return notNow
		case r.AssigneeID != nil && *r.AssigneeID == a.Assignee:
			if a.Assignee == actor.ID {
				return skipYours
			}
			return skipAssigned
		}
	case BulkNote:
		if !acts.Note {
			return notNow
		}
	case BulkDeny:
		switch {
		case r.Status == models.StatusDenied:
			return skipDenied
		case !acts.Deny:
			return notNow
		}
	}
	return ""
}
