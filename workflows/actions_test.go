package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// actionCase is a request in one state, as staff find it.
type actionCase struct {
	name      string
	typ       string
	status    string
	due       int  // days from now to the due date; 0: none (not verified)
	extended  bool // extended once already
	locked    bool // verification locked after wrong answers
	undecided bool // a correction request's detail awaits a decision
	appeal    string
	mine      bool // assigned to the actor
}

// Appeal states of an actionCase.
const (
	noAppeal       = ""
	appealByOther  = "open, denied by someone else"
	appealByActor  = "open, denied by the actor"
	appealAnswered = "decided"
)

var actionCases = []actionCase{
	{name: "access waiting for confirmation", typ: models.TypeAccess, status: models.StatusPendingVerification},
	{name: "access locked by wrong answers", typ: models.TypeAccess, status: models.StatusPendingVerification, locked: true},
	{name: "access confirmed", typ: models.TypeAccess, status: models.StatusVerified, due: 20},
	{name: "access confirmed past its due date", typ: models.TypeAccess, status: models.StatusVerified, due: -1},
	{name: "access in progress, extended", typ: models.TypeAccess, status: models.StatusInProgress, due: 40, extended: true},
	{name: "access in review, mine", typ: models.TypeAccess, status: models.StatusAwaitingApproval, due: 10, mine: true},
	{name: "deletion in progress past its due date", typ: models.TypeDeletion, status: models.StatusInProgress, due: -3},
	{name: "deletion in review", typ: models.TypeDeletion, status: models.StatusAwaitingApproval, due: 10},
	{name: "deletion being carried out", typ: models.TypeDeletion, status: models.StatusFulfilling, due: 5},
	{name: "correction in review, undecided", typ: models.TypeCorrection, status: models.StatusAwaitingApproval, due: 10, undecided: true},
	{name: "correction in review, decided", typ: models.TypeCorrection, status: models.StatusAwaitingApproval, due: 10},
	{name: "access completed", typ: models.TypeAccess, status: models.StatusCompleted, due: 3},
	{name: "access denied, appealed", typ: models.TypeAccess, status: models.StatusDenied, due: 3, appeal: appealByOther},
	{name: "access denied by the actor, appealed", typ: models.TypeAccess, status: models.StatusDenied, due: 3, appeal: appealByActor},
	{name: "access denied, appeal answered", typ: models.TypeAccess, status: models.StatusDenied, due: 3, appeal: appealAnswered},
	{name: "access cancelled", typ: models.TypeAccess, status: models.StatusCancelled, due: 3},
	{name: "access expired", typ: models.TypeAccess, status: models.StatusExpired},
}

// staffAction is one action as the service takes it, with valid input.
type staffAction struct {
	name    string
	allowed func(workflows.Actions) bool
	do      func(ctx context.Context, s *workflows.Service, actor, otherAdmin *models.StaffUser, id string) error
}

const because = "The requester asked us by phone."

var staffActions = []staffAction{
	{"assign", func(a workflows.Actions) bool { return a.Assign }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Assign(ctx, me, id, 0)
		return err
	}},
	{"claim", func(a workflows.Actions) bool { return a.Claim }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Assign(ctx, me, id, me.ID)
		return err
	}},
	{"note", func(a workflows.Actions) bool { return a.Note }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		return s.AddNote(ctx, me, id, "Called the customer.")
	}},
	{"start", func(a workflows.Actions) bool { return a.Start }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Advance(ctx, me, id, models.StatusInProgress)
		return err
	}},
	{"review", func(a workflows.Actions) bool { return a.Review }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Advance(ctx, me, id, models.StatusAwaitingApproval)
		return err
	}},
	{"approve", func(a workflows.Actions) bool { return a.Approve }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Approve(ctx, me, id)
		return err
	}},
	{"deny", func(a workflows.Actions) bool { return a.Deny }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Deny(ctx, me, id, because)
		return err
	}},
	{"cancel", func(a workflows.Actions) bool { return a.Cancel }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.StaffCancel(ctx, me, id, because)
		return err
	}},
	{"extend", func(a workflows.Actions) bool { return a.Extend }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.Extend(ctx, me, id, 10, because)
		return err
	}},
	{"escalate", func(a workflows.Actions) bool { return a.Escalate }, func(ctx context.Context, s *workflows.Service, me, admin *models.StaffUser, id string) error {
		_, err := s.Escalate(ctx, me, id, admin.ID, "Please decide.")
		return err
	}},
	{"retry erasure", func(a workflows.Actions) bool { return a.RetryErasure }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		err := s.RetryErasure(ctx, me, id, "account")
		if models.ErrorMessage(err) == "Only a failed erasure can be retried." {
			return nil // allowed for the request; this source just has nothing failed to retry
		}
		return err
	}},
	{"decide correction", func(a workflows.Actions) bool { return a.DecideCorrections }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		return s.DecideCorrection(ctx, me, id, models.FieldName, models.CorrectionAccepted, because)
	}},
	{"decide appeal", func(a workflows.Actions) bool { return a.DecideAppeal }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.DecideAppeal(ctx, me, id, workflows.DecisionUphold, "We checked again; the denial stands.")
		return err
	}},
	{"unlock verification", func(a workflows.Actions) bool { return a.UnlockVerification }, func(ctx context.Context, s *workflows.Service, me, _ *models.StaffUser, id string) error {
		_, err := s.UnlockVerification(ctx, me, id)
		return err
	}},
}

// plant writes a request in c's state straight into the database (and its
// appeal and correction rows) and returns it with its Case.
func plant(t *testing.T, a *testapp.App, c actionCase, actor *models.StaffUser, n int) workflows.Case {
	t.Helper()
	ctx, now := t.Context(), a.Clock.Now()
	r := &models.Request{ID: fmt.Sprintf("PD-ACT%02d-%05d", n%100, n), Type: c.typ, Status: c.status, Queue: models.QueueFor(c.status),
		Email: fmt.Sprintf("case%d@example.com", n), Name: "Alex Morgan", Region: models.RegionOther, Channel: "api",
		CreatedAt: now.AddDate(0, 0, -20), UpdatedAt: now}
	if c.due != 0 {
		due, verified := now.AddDate(0, 0, c.due), now.AddDate(0, 0, -10)
		r.DueAt, r.QueueAt, r.VerifiedAt = &due, &due, &verified
	} else {
		q := now.AddDate(0, 0, 30)
		r.QueueAt = &q
	}
	if c.extended {
		r.ExtendedAt, r.ExtensionReason = &now, because
	}
	if c.locked {
		r.VerifyLocked, r.VerifyAttempts = &now, 3
	}
	if c.mine {
		r.AssigneeID = &actor.ID
	}
	if !r.Open() {
		r.ClosedAt = &now
	}
	if err := a.DB.DB.WithContext(ctx).Create(r).Error; err != nil {
		t.Fatal(err)
	}
	k := workflows.Case{Request: r}
	if c.typ == models.TypeCorrection {
		row := models.Correction{RequestID: r.ID, Field: models.FieldName, Requested: "Alex Morgan-Lee", Current: "{}", Result: "{}"}
		if !c.undecided {
			row.Decision, row.Reason, row.DecidedBy = models.CorrectionAccepted, because, "someone@kactoily.example"
		} else {
			k.Undecided = 1
		}
		if err := a.DB.DB.WithContext(ctx).Create(&row).Error; err != nil {
			t.Fatal(err)
		}
	}
	if c.appeal != noAppeal {
		ap := &models.Appeal{RequestID: r.ID, Status: models.AppealOpen, Reason: "Please look again.", DeniedBy: "someone@kactoily.example",
			FiledAt: now, DueAt: now.AddDate(0, 0, 45)}
		switch c.appeal {
		case appealByActor:
			ap.DeniedBy = actor.Email
		case appealAnswered:
			ap.Status, ap.DecidedAt, ap.Answer = models.AppealUpheld, &now, "It stands."
		}
		if err := models.CreateAppeal(ctx, a.DB.DB, ap); err != nil {
			t.Fatal(err)
		}
		k.Appeal = ap
	}
	return k
}

// TestServiceRefusesExactlyWhatActionsForDoesNotOffer takes every staff
// action on requests in every state the page shows, as an agent and as an
// admin, assigned or not: where ActionsFor offers it the service does it,
// and where it does not the service refuses it (409 or 403). So the page,
// which offers only ActionsFor's actions, never offers what the service
// refuses, a past due date included.
func TestServiceRefusesExactlyWhatActionsForDoesNotOffer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Start: clockStart, NoJobs: true})
		agent := addStaff(t, a, "agent@kactoily.example", "Agent Ada", models.RoleAgent)
		admin := addStaff(t, a, "admin@kactoily.example", "Admin Ann", models.RoleAdmin)
		other := addStaff(t, a, "admin2@kactoily.example", "Admin Bo", models.RoleAdmin)
		n := 0
		for _, actor := range []*models.StaffUser{agent, admin} {
			for _, c := range actionCases {
				for _, act := range staffActions {
					n++
					k := plant(t, a, c, actor, n)
					want := act.allowed(workflows.ActionsFor(k, actor, a.Clock.Now()))
					err := act.do(t.Context(), a.Svc, actor, other, k.Request.ID)
					code := models.ErrorCode(err)
					switch {
					case want && err != nil:
						t.Errorf("%s, %s by %s: offered, but the service refused: %v", c.name, act.name, actor.Role, err)
					case !want && err == nil && act.name != "claim":
						t.Errorf("%s, %s by %s: not offered, but the service did it", c.name, act.name, actor.Role)
					case !want && err != nil && code != models.EConflict && code != models.EForbidden:
						t.Errorf("%s, %s by %s: refused with %v, want a conflict or forbidden", c.name, act.name, actor.Role, err)
					}
				}
			}
		}
	})
}

// TestActionsForWithholdsClaimFromTheAssigneeAndExtendPastTheDueDate
// proves the two rules that only depend on who and when: claiming is not
// offered to the assignee, and extending is not offered from the due date on.
func TestActionsForWithholdsClaimFromTheAssigneeAndExtendPastTheDueDate(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	me := &models.StaffUser{ID: 7, Email: "me@kactoily.example", Role: models.RoleAgent}
	for _, c := range []struct {
		name          string
		due           time.Time
		assignee      *int64
		claim, extend bool
	}{
		{"unassigned, due tomorrow", now.AddDate(0, 0, 1), nil, true, true},
		{"mine, due tomorrow", now.AddDate(0, 0, 1), &me.ID, false, true},
		{"unassigned, due now", now, nil, true, false},
		{"unassigned, due yesterday", now.AddDate(0, 0, -1), nil, true, false},
	} {
		r := &models.Request{Type: models.TypeAccess, Status: models.StatusInProgress, DueAt: &c.due, AssigneeID: c.assignee}
		got := workflows.ActionsFor(workflows.Case{Request: r}, me, now)
		if got.Claim != c.claim || got.Extend != c.extend {
			t.Errorf("%s: claim %v extend %v, want %v %v", c.name, got.Claim, got.Extend, c.claim, c.extend)
		}
	}
}
