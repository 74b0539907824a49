package workflows

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
)

// DRP request states and reasons (section 3.02).
const (
	drpInProgress = "in_progress"
	drpFulfilled  = "fulfilled"
	drpRevoked    = "revoked"
	drpDenied     = "denied"
)

// DRPStatus is the Exercise Status object (section 3.03).
type DRPStatus struct {
	RequestID           string `json:"request_id"`
	AgentRequestID      string `json:"agent_request_id,omitempty"`
	Status              string `json:"status"`
	Reason              string `json:"reason,omitempty"`
	ReceivedAt          string `json:"received_at"`
	ExpectedBy          string `json:"expected_by,omitempty"`
	ProcessingDetails   string `json:"processing_details,omitempty"`
	UserVerificationURL string `json:"user_verification_url,omitempty"`
	ResultsURL          string `json:"results_url,omitempty"`
}

// denialReasons maps the staff's canned denial reasons to DRP's codes, in
// DenialReasons' order; a reason of their own words is "other".
var denialReasons = []string{"insuf_verification", "no_match", "claim_not_covered", "too_many_requests"}

// drpState maps Privacy Desk's lifecycle onto DRP's states and reasons.
func drpState(r *models.Request, link *models.AgentRequest) (state, reason, details string) {
	switch r.Status {
	case models.StatusPendingVerification:
		return drpInProgress, "need_user_verification", "We have emailed the person a link to confirm this request."
	case models.StatusCompleted:
		return drpFulfilled, "", ""
	case models.StatusExpired:
		return drpDenied, "insuf_verification", "The person did not confirm the request by email in time."
	case models.StatusCancelled:
		if link.RevokedAt == nil && r.CancelReason != "" { // cancelled by staff, not by the person or agent
			return drpDenied, "other", r.CancelReason
		}
		return drpRevoked, "", ""
	case models.StatusDenied:
		if i := slices.Index(DenialReasons, r.DenialReason); i >= 0 {
			return drpDenied, denialReasons[i], r.DenialReason
		}
		return drpDenied, "other", r.DenialReason
	}
	details = ""
	if r.ExtensionReason != "" {
		details = "Extended: " + r.ExtensionReason
	}
	return drpInProgress, "", details
}

// drpStatus builds the status object of an agent's request.
func (s *Service) drpStatus(r *models.Request, link *models.AgentRequest) *DRPStatus {
	st := &DRPStatus{RequestID: r.ID, AgentRequestID: link.AgentRequestID, ReceivedAt: FormatDRPTime(r.CreatedAt)}
	st.Status, st.Reason, st.ProcessingDetails = drpState(r, link)
	if r.Open() {
		if due := r.DueAt; due != nil {
			st.ExpectedBy = FormatDRPTime(*due)
		} else if r.QueueAt != nil {
			st.ExpectedBy = FormatDRPTime(*r.QueueAt)
		}
	}
	switch {
	case st.Reason == "need_user_verification":
		// The page where the person asks for a fresh confirmation link.
		st.UserVerificationURL = s.Settings.BaseURL + links.Resend
	case st.Status == drpFulfilled && r.Type == models.TypeAccess:
		// The page where the person gets their request's links (status
		// and download) mailed to them; the download itself only goes to
		// the person's email, never through the agent.
		st.ResultsURL = s.Settings.BaseURL + links.Lookup
	}
	return st
}

// agentRequest loads request id for the token's agent. Errors:
// EUnauthorized, ENotFound, EForbidden when another agent filed it.
func (s *Service) agentRequest(ctx context.Context, db *gorm.DB, a *models.Agent, id string) (*models.Request, *models.AgentRequest, error) {
	link, err := models.FindAgentRequest(ctx, db, id)
	if err != nil {
		return nil, nil, err
	}
	if link.AgentID != a.ID {
		return nil, nil, models.Errorf(models.EForbidden, "Another agent manages this request.")
	}
	r, err := models.FindRequest(ctx, db, id)
	if err != nil {
		return nil, nil, err
	}
	return r, link, nil
}

// DRPRequestStatus is the Data Rights Status endpoint (section 2.02).
// Errors: EUnauthorized, ENotFound, EForbidden for another agent's request.
func (s *Service) DRPRequestStatus(ctx context.Context, token, id string) (*DRPStatus, error) {
	a, err := s.agentFor(ctx, s.DB.DB, token)
	if err != nil {
		return nil, err
	}
	r, link, err := s.agentRequest(ctx, s.DB.DB, a, id)
	if err != nil {
		return nil, err
	}
	return s.drpStatus(r, link), nil
}

// RevokeDRP is the Data Rights Revoke endpoint (section 2.04): a signed
// {"reason": …} cancels the agent's request while it is still open.
// Errors: EInvalid, EUnauthorized, EForbidden (signature, another agent's
// request), ENotFound, EConflict once it can no longer be cancelled.
func (s *Service) RevokeDRP(ctx context.Context, token, id string, body []byte) (*DRPStatus, error) {
	a, m, err := s.openAgentMessage(ctx, token, body)
	if err != nil {
		return nil, err
	}
	var msg struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(m.JSON, &msg); err != nil {
		return nil, models.Errorf(models.EInvalid, "The signed message must be a JSON object like {\"reason\": \"…\"}.")
	}
	msg.Reason = strings.TrimSpace(msg.Reason)
	if utf8.RuneCountInString(msg.Reason) > MaxReasonLen || !cleanText(msg.Reason, true) {
		return nil, models.Errorf(models.EInvalid, "The reason must be plain text of up to 2,000 characters.")
	}
	var r *models.Request
	var link *models.AgentRequest
	err = s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r, link, err = s.agentRequest(ctx, tx, a, id); err != nil {
			return err
		}
		if !CanCancel(r) {
			return models.Errorf(models.EConflict, "This request is %s and can no longer be revoked.", Label(r.Status))
		}
		now := s.now()
		if err := models.MarkAgentRevoked(ctx, tx, r.ID, msg.Reason, now); err != nil {
			return err
		}
		link.RevokedAt, link.RevokeReason = &now, msg.Reason
		return s.transition(ctx, tx, r, Change{To: models.StatusCancelled, Actor: "agent:" + a.ID, Action: "agent_revoke",
			Details: map[string]any{"agent": a.ID}, Set: map[string]any{"closed_at": now}})
	})
	if err != nil {
		return nil, err
	}
	return s.drpStatus(r, link), nil
}

// agentOf returns the agent that filed r, or nil for another channel.
func agentOf(ctx context.Context, db *gorm.DB, r *models.Request) (*models.Agent, error) {
	if r.Channel != models.ChannelAgent {
		return nil, nil
	}
	link, err := models.FindAgentRequest(ctx, db, r.ID)
	if err != nil {
		return nil, err
	}
	return models.FindAgent(ctx, db, link.AgentID)
}
