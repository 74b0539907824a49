package workflows

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// allowed is the request lifecycle: from status → statuses it may move to.
// "" is a request being created. Nothing else changes a request's status.
var allowed = map[string][]string{
	"":                               {models.StatusPendingVerification, models.StatusVerified, models.StatusCompleted},
	models.StatusPendingVerification: {models.StatusVerified, models.StatusCancelled, models.StatusExpired},
	// A confirmed opt-in is carried out at once: verified → completed (canMove).
	models.StatusVerified:         {models.StatusInProgress, models.StatusDenied, models.StatusCancelled, models.StatusCompleted},
	models.StatusInProgress:       {models.StatusAwaitingApproval, models.StatusDenied, models.StatusCancelled},
	models.StatusAwaitingApproval: {models.StatusFulfilling, models.StatusDenied, models.StatusCancelled},
	models.StatusFulfilling:       {models.StatusCompleted},
	// Only an overturned appeal reopens a denial (DecideAppeal).
	models.StatusDenied: {models.StatusInProgress},
}

// CanTransition reports whether the lifecycle allows from → to.
func CanTransition(from, to string) bool {
	for _, s := range allowed[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Change is one move of a request along the lifecycle.
type Change struct {
	To      string
	Actor   string         // "customer", "system", or a staff email
	Action  string         // what happened, e.g. "verify", "cancel"
	Details map[string]any // recorded in the audit event; never tokens or personal data
	Set     map[string]any // other columns to update with the status
}

// transition moves r to c.To inside tx: it checks the allowed-transition
// table, writes the row (or creates it when r.Status is ""), appends the
// audit event and enqueues the emails the change triggers, all in tx.
// It returns a conflict error for a move the lifecycle does not allow.
func (s *Service) transition(ctx context.Context, tx *gorm.DB, r *models.Request, c Change) error {
	from := r.Status
	if err := canMove(r, c.To); err != nil {
		return err
	}
	now := s.now()
	if from == "" {
		r.Status, r.Queue = c.To, models.QueueFor(c.To)
		r.CreatedAt, r.UpdatedAt = now, now
		r.QueueAt = r.DueAt
		if r.QueueAt == nil {
			nominal := now.AddDate(0, 0, ResponseDays)
			r.QueueAt = &nominal
		}
		if err := s.createRequest(ctx, tx, r); err != nil {
			return err
		}
	} else {
		set := map[string]any{"status": c.To, "queue": models.QueueFor(c.To), "updated_at": now}
		for k, v := range c.Set {
			set[k] = v
		}
		if due, ok := c.Set["due_at"]; ok {
			set["queue_at"] = due
		}
		if err := models.UpdateRequestStatus(ctx, tx, r, from, set); err != nil {
			return err
		}
		// Reload into a zero value: GORM leaves a field as it was when its
		// column is NULL, so a cleared column (expires_at) would stay set in r.
		var fresh models.Request
		if err := tx.WithContext(ctx).Where("id = ?", r.ID).Take(&fresh).Error; err != nil {
			return fmt.Errorf("reload request: %w", err)
		}
		*r = fresh
	}
	if err := s.startJobs(ctx, tx, r, c.To); err != nil {
		return err
	}
	if err := s.queueAgentCallback(ctx, tx, r, from); err != nil {
		return err
	}
	for _, kind := range emailsFor(r, from, c.To) {
		if err := s.enqueueEmail(ctx, tx, r, kind, c.Details); err != nil {
			return err
		}
	}
	// The shared rows come last: the audit chain's head is locked until
	// commit, so the less work after it, the less concurrent transitions
	// wait. Inside an intake batch both are written once at its end.
	if err := s.countMove(ctx, tx, from, c.To); err != nil {
		return fmt.Errorf("count status: %w", err)
	}
	details, err := jsonMarshal(c.Details)
	if err != nil {
		return err
	}
	id := r.ID
	ev := &models.AuditEvent{
		RequestID: &id, Actor: c.Actor, Action: c.Action,
		FromStatus: from, ToStatus: c.To, Details: details, CreatedAt: now,
	}
	if err := s.appendAudit(ctx, tx, ev); err != nil {
		return err
	}
	s.Metrics.transition(r.Type, c.To)
	return nil
}

// startJobs queues the background work a transition starts: collecting
// records once verified, fulfilling once approved, telling third parties
// once a deletion or opt-out is done.
func (s *Service) startJobs(ctx context.Context, tx *gorm.DB, r *models.Request, to string) error {
	switch {
	case to == models.StatusVerified && r.Type != models.TypeOptOut && r.Type != models.TypeOptIn:
		return s.startCollection(ctx, tx, r)
	case to == models.StatusFulfilling:
		return s.enqueue(ctx, tx, FulfilArgs{RequestID: r.ID}, nil)
	case to == models.StatusCompleted && (r.Type == models.TypeDeletion || r.Type == models.TypeOptOut):
		return s.queueThirdPartyNotices(ctx, tx, r, r.Type, r.ScopeList())
	}
	return nil
}

// emailsFor names the emails a transition sends.
func emailsFor(r *models.Request, from, to string) []string {
	switch to {
	case models.StatusPendingVerification:
		return []string{EmailVerify}
	case models.StatusVerified:
		if r.Type == models.TypeOptIn {
			return nil // carried out in the same transaction: its confirmation follows
		}
		// The receipt also says what happens next: collection starts at
		// once, so a second "in progress" email would follow it within the
		// second and could arrive first.
		return []string{EmailReceipt, EmailStaffNew}
	case models.StatusDenied:
		return []string{EmailDenied}
	case models.StatusCancelled:
		return []string{EmailCancelled}
	case models.StatusCompleted:
		switch r.Type {
		case models.TypeOptOut:
			return []string{EmailOptOutDone}
		case models.TypeOptIn:
			return []string{EmailOptInDone}
		}
		return []string{EmailCompleted}
	}
	return nil
}

var labels = map[string]string{
	"":                               "new",
	models.StatusPendingVerification: "awaiting email confirmation",
	models.StatusVerified:            "confirmed",
	models.StatusInProgress:          "in progress",
	models.StatusAwaitingApproval:    "in review",
	models.StatusFulfilling:          "being fulfilled",
	models.StatusCompleted:           "completed",
	models.StatusDenied:              "denied",
	models.StatusCancelled:           "cancelled",
	models.StatusExpired:             "expired",
	models.TypeAccess:                "Access to my data",
	models.TypeDeletion:              "Delete my data",
	models.TypeOptOut:                "Opt out",
	models.TypeCorrection:            "Correct my data",
	models.TypeOptIn:                 "Opt back in to sale/sharing",
	models.ScopeMarketingEmail:       "Marketing email",
	models.ScopeSaleSharing:          "Sale/sharing and personalized advertising",
	models.ScopeAnalytics:            "Analytics",
}

// Label returns the words a person reads for a status, type or scope.
func Label(s string) string {
	if l, ok := labels[s]; ok {
		return l
	}
	return s
}

// jsonMarshal encodes audit or email details; empty is "{}".
func jsonMarshal(v map[string]any) (string, error) {
	if len(v) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode details: %w", err)
	}
	return string(b), nil
}
