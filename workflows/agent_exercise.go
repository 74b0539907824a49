package workflows

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// exercise is a Data Rights Exercise message (section 2.01) with the
// identity claims of section 3.04 Privacy Desk uses.
type exercise struct {
	AgentRequestID string   `json:"agent-request-id"`
	Version        string   `json:"drp.version"`
	Exercise       string   `json:"exercise"`
	Regime         *string  `json:"regime"`
	Relationships  []string `json:"relationships"`
	StatusCallback string   `json:"status_callback"`
	Name           string   `json:"name"`
	Email          string   `json:"email"`
	EmailVerified  any      `json:"email_verified"`
}

var errUnsupportedAction = fatal(models.EInvalid, "Unsupported rights actions submitted.")

// ExerciseDRP files the request of a signed Data Rights Exercise message
// sent with the agent's bearer token, into the same intake and lifecycle
// as every other request (channel "agent"). Access, deletion and an
// opt-in to sale still wait for the person to confirm their email, unless
// the business trusts the agent's verification and the agent marked the
// email verified; an opt-out of sale is done at once. The same signed message again answers
// the request it filed. Errors, in the spec's validation order: EInvalid
// (not base64), EUnauthorized (token), EForbidden (signature, agent-id,
// business-id), EInvalid (times, action, regime, claims; FatalError when
// the message can never succeed), ERateLimited.
func (s *Service) ExerciseDRP(ctx context.Context, token string, body []byte) (*DRPStatus, error) {
	a, m, err := s.openAgentMessage(ctx, token, body)
	if err != nil {
		return nil, err
	}
	var ex exercise
	if err := s.checkEnvelope(m, a, &ex); err != nil {
		return nil, err
	}
	if prior, err := s.replayed(ctx, a, m); !errors.Is(err, models.ErrNotFound) {
		return prior, err
	}
	in, err := s.exerciseRequest(a, &ex)
	if err != nil {
		return nil, err
	}
	r := &models.Request{ID: newRequestID(), Type: in.Type, Email: in.Email, Name: in.Name,
		Scopes: strings.Join(in.Scopes, " "), Channel: in.Channel, Region: in.Region}
	link := &models.AgentRequest{RequestID: r.ID, AgentID: a.ID, MessageHash: m.Hash, AgentRequestID: ex.AgentRequestID,
		Exercise: normalizeAction(ex.Exercise), StatusCallback: ex.StatusCallback, CreatedAt: s.now()}
	if ex.Regime != nil {
		link.Regime = *ex.Regime
	}
	trusted := s.Settings.DRP.TrustAgentVerification && ex.EmailVerified == true
	err = s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.fileForAgent(ctx, tx, a, r, trusted); err != nil {
			return err
		}
		return tx.WithContext(ctx).Create(link).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) { // the same message, sent twice at once
		return s.replayed(ctx, a, m)
	}
	if err != nil {
		return nil, err
	}
	s.Log.Info("drp request filed", "id", r.ID, "type", r.Type, "status", r.Status, "agent", a.ID)
	return s.drpStatus(r, link), nil
}

// openAgentMessage finds the token's agent and verifies the body's signature with its key.
func (s *Service) openAgentMessage(ctx context.Context, token string, body []byte) (*models.Agent, *signed, error) {
	if s.Settings.DRP.BusinessID == "" {
		return nil, nil, errOffState
	}
	// Section 3.07 first checks that the body decodes; the key comes from the token.
	raw, err := decodeSigned(body)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.agentFor(ctx, s.DB.DB, token)
	if err != nil {
		return nil, nil, err
	}
	m, err := verifySigned(raw, a.VerifyKey)
	if err != nil {
		return nil, nil, err
	}
	return a, m, nil
}

// replayed answers a message already filed, or ErrNotFound.
func (s *Service) replayed(ctx context.Context, a *models.Agent, m *signed) (*DRPStatus, error) {
	link, err := models.AgentRequestByMessage(ctx, s.DB.DB, m.Hash)
	if err != nil {
		return nil, err
	}
	if link.AgentID != a.ID {
		return nil, errBadSig
	}
	r, err := models.FindRequest(ctx, s.DB.DB, link.RequestID)
	if err != nil {
		return nil, err
	}
	return s.drpStatus(r, link), nil
}

// exerciseRequest turns the message's action, regime and claims into a
// validated NewRequest.
func (s *Service) exerciseRequest(a *models.Agent, ex *exercise) (NewRequest, error) {
	in := NewRequest{Email: ex.Email, Name: ex.Name, Channel: models.ChannelAgent}
	action := normalizeAction(ex.Exercise)
	if !slices.Contains(s.drpActions(), action) {
		return in, errUnsupportedAction
	}
	switch action {
	case ActionAccess:
		in.Type = models.TypeAccess
	case ActionDeletion:
		in.Type = models.TypeDeletion
	case ActionOptOut:
		in.Type, in.Scopes = models.TypeOptOut, []string{models.ScopeSaleSharing}
	case ActionOptIn:
		in.Type, in.Scopes = models.TypeOptIn, []string{models.ScopeSaleSharing}
	default:
		return in, errUnsupportedAction
	}
	switch {
	case ex.Regime == nil || *ex.Regime == "" || *ex.Regime == "voluntary":
		in.Region = DefaultRegion
	case *ex.Regime == "ccpa":
		in.Region = models.RegionCalifornia
	default:
		return in, fatal(models.EInvalid, "Unsupported regime: send ccpa, or none for voluntary processing.")
	}
	if ex.StatusCallback != "" {
		if err := callbackAllowed(a, ex.StatusCallback); err != nil {
			return in, &FatalError{Err: err}
		}
	}
	if err := in.Validate(); err != nil {
		return in, &FatalError{Err: err}
	}
	return in, nil
}

// callbackAllowed checks a status_callback URL against the agent's hosts.
// Errors: EInvalid.
func callbackAllowed(a *models.Agent, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return models.Errorf(models.EInvalid, "status_callback must be an absolute https URL.")
	}
	host := strings.ToLower(u.Host)
	if !slices.Contains(a.CallbackHostList(), host) && !slices.Contains(a.CallbackHostList(), strings.ToLower(u.Hostname())) {
		return models.Errorf(models.EInvalid, "status_callback's host is not one this business allows for this agent.")
	}
	return nil
}

// fileForAgent creates r in tx: an opt-out completed at once, a trusted
// verified email confirmed (and an opt-in so carried out), anything else waiting for the person's email
// confirmation, as a web filing does (minus the merge with a waiting one,
// since each agent request is its own record).
func (s *Service) fileForAgent(ctx context.Context, tx *gorm.DB, a *models.Agent, r *models.Request, trusted bool) error {
	now := s.now()
	n, err := models.CountRecentRequests(ctx, tx, r.Email, r.Type, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if n >= maxPerEmailPerHour {
		return errTooManyFilings
	}
	actor, details := "agent:"+a.ID, map[string]any{"channel": r.Channel, "agent": a.ID}
	switch {
	case r.Type == models.TypeOptOut:
		return s.submitOptOut(ctx, tx, r)
	case trusted:
		due := now.AddDate(0, 0, ResponseDays)
		r.VerifiedAt, r.DueAt, r.IdentityConfirmed = &now, &due, "email verified by authorized agent "+a.ID
		details["identity_confirmed"] = true
		if err := s.transition(ctx, tx, r, Change{To: models.StatusVerified, Actor: actor, Action: "agent_file", Details: details}); err != nil {
			return err
		}
		if r.Type == models.TypeOptIn {
			return s.completeOptIn(ctx, tx, r, actor)
		}
		return nil
	}
	exp := now.Add(VerifyLinkLife)
	r.ExpiresAt = &exp
	return s.transition(ctx, tx, r, Change{To: models.StatusPendingVerification, Actor: actor, Action: "submit", Details: details})
}
