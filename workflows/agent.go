package workflows

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// DRP actions this endpoint knows, in their canonical spelling; the
// ecosystem also writes sale:opt_out and sale:opt_in (normalizeAction).
const (
	ActionAccess   = "access"
	ActionDeletion = "deletion"
	ActionOptOut   = "sale:opt-out"
	ActionOptIn    = "sale:opt-in"
)

// DRPActions lists the actions Privacy Desk can carry out for an agent.
// sale:opt-in (reconsent) becomes an opt_in request the person confirms.
var DRPActions = []string{ActionAccess, ActionDeletion, ActionOptOut, ActionOptIn}

// DRPVerifications are the identity claims a business may list as supported.
var DRPVerifications = []string{"email", "phone_number", "address"}

// DRPSettings configure the Data Rights Protocol endpoint.
type DRPSettings struct {
	BusinessID    string   // this business's id in the DRP directory; empty: the endpoint is off
	Actions       []string // supported actions, canonical spelling (default DRPActions)
	Verifications []string // supported verifications (informational; default email)
	// TrustAgentVerification files a request whose email the agent marked
	// verified as confirmed, without mailing the person a confirmation.
	TrustAgentVerification bool
	// InternalCallbacks lets status callbacks reach loopback and private
	// addresses: only for testing against an agent on the same machine.
	InternalCallbacks bool
}

// normalizeAction returns the canonical spelling of a DRP action.
func normalizeAction(a string) string {
	a = strings.ToLower(strings.TrimSpace(a))
	switch a {
	case "sale:opt_out":
		return ActionOptOut
	case "sale:opt_in":
		return ActionOptIn
	}
	return a
}

// ParseDRPActions reads a comma-separated list of actions (either
// spelling); empty means DRPActions. It returns an error naming an action
// Privacy Desk cannot carry out.
func ParseDRPActions(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return DRPActions, nil
	}
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = normalizeAction(a)
		if !slices.Contains(DRPActions, a) {
			return nil, fmt.Errorf("%q is not an action Privacy Desk carries out (choose from %s)", a, strings.Join(DRPActions, ", "))
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ParseDRPVerifications reads a comma-separated list of verifications;
// empty means email.
func ParseDRPVerifications(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{"email"}, nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(DRPVerifications, v) {
			return nil, fmt.Errorf("%q is not a DRP verification (choose from %s)", v, strings.Join(DRPVerifications, ", "))
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) drpActions() []string {
	if len(s.Settings.DRP.Actions) == 0 {
		return DRPActions
	}
	return s.Settings.DRP.Actions
}

// NewAgent is a directory entry staff add for a trusted agent.
type NewAgent struct {
	ID               string
	Name             string
	VerifyKey        string // base64 Ed25519 public key, as the directory lists it
	CallbackHosts    []string
	TechnicalContact string
	BusinessContact  string
}

var (
	agentIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	hostPattern    = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)
)

// validate normalizes in and returns an EInvalid error with a message per bad field.
func (in *NewAgent) validate() error {
	in.ID, in.Name = strings.TrimSpace(in.ID), strings.TrimSpace(in.Name)
	in.VerifyKey = strings.TrimSpace(in.VerifyKey)
	fields := map[string]string{}
	if !agentIDPattern.MatchString(in.ID) {
		fields["id"] = "Enter the agent's DRP id: letters, digits, _ . - (up to 100)."
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxNameLen || !cleanText(in.Name, false) {
		fields["name"] = "Enter the agent's name (up to 200 characters)."
	}
	if k, err := base64.StdEncoding.DecodeString(in.VerifyKey); err != nil || len(k) != ed25519.PublicKeySize {
		fields["verify-key"] = "Enter the agent's verify key: 32 bytes in base64, as the DRP directory lists it."
	}
	var hosts []string
	for _, h := range in.CallbackHosts {
		for _, h := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ' ' }) {
			h = strings.ToLower(h)
			if !validHost(h) {
				fields["callback-hosts"] = fmt.Sprintf("%q is not a host name like agent.example.com (no scheme or path).", h)
			} else if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	in.CallbackHosts = hosts
	for k, c := range map[string]*string{"technical-contact": &in.TechnicalContact, "business-contact": &in.BusinessContact} {
		*c = models.NormalizeEmail(*c)
		if *c != "" && !ValidEmail(*c) {
			fields[k] = "Enter an email address, or leave it empty."
		}
	}
	if len(fields) > 0 {
		return &models.Error{Code: models.EInvalid, Message: "Please correct the agent's details.", Fields: fields}
	}
	return nil
}

// validHost reports whether h is a host name or IP, with an optional port.
func validHost(h string) bool {
	if host, port, err := net.SplitHostPort(h); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
		h = host
	}
	if net.ParseIP(h) != nil {
		return true
	}
	return h != "" && len(h) <= 253 && hostPattern.MatchString(h) && !strings.Contains(h, "..")
}

// AddAgent adds a trusted agent to the directory, or replaces the entry
// with the same id (a new key ends the tokens issued under the old one).
// actor names who did it in the audit trail. Errors: EInvalid with fields.
func (s *Service) AddAgent(ctx context.Context, actor string, in NewAgent) (*models.Agent, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	a := &models.Agent{ID: in.ID, Name: in.Name, VerifyKey: in.VerifyKey, CallbackHosts: strings.Join(in.CallbackHosts, " "),
		TechnicalContact: in.TechnicalContact, BusinessContact: in.BusinessContact, CreatedAt: now, UpdatedAt: now}
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := models.FindAgent(ctx, tx, a.ID)
		if err != nil && models.ErrorCode(err) != models.ENotFound {
			return err
		}
		if old != nil && old.VerifyKey != a.VerifyKey {
			if err := tx.WithContext(ctx).Where("agent_id = ?", a.ID).Delete(&models.AgentToken{}).Error; err != nil {
				return err
			}
		}
		if err := models.SaveAgent(ctx, tx, a); err != nil {
			return fmt.Errorf("save agent: %w", err)
		}
		return s.auditEvent(ctx, tx, actor, "agent_saved", map[string]any{"agent": a.ID, "callback_hosts": in.CallbackHosts})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Agents lists the configured agents.
func (s *Service) Agents(ctx context.Context) ([]models.Agent, error) {
	return models.ListAgents(ctx, s.DB.DB)
}

// auditEvent records an event of no request in the audit trail.
func (s *Service) auditEvent(ctx context.Context, tx *gorm.DB, actor, action string, details map[string]any) error {
	d, err := jsonMarshal(details)
	if err != nil {
		return err
	}
	return models.AppendAuditEvent(ctx, tx, s.DB.Dialect, &models.AuditEvent{
		Actor: actor, Action: action, Details: d, CreatedAt: s.now()})
}

// agentToken returns a new bearer token and the hash that is stored.
func agentToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenDigest(token)
}

func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
