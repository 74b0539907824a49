package workflows

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// FatalError marks a DRP rejection that the same message can never
// overcome (expired, unsupported action): the spec's "fatal" error state.
type FatalError struct{ Err error }

// Error returns the wrapped error's text.
func (e *FatalError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error, so its code and message show through.
func (e *FatalError) Unwrap() error { return e.Err }

// IsFatal reports whether err is a FatalError.
func IsFatal(err error) bool {
	var f *FatalError
	return errors.As(err, &f)
}

func fatal(code, msg string) error { return &FatalError{Err: models.Errorf(code, "%s", msg)} }

var (
	errNoToken  = models.Errorf(models.EUnauthorized, "Present the bearer token from pair-wise setup (POST /v1/agent/{agent-id}).")
	errBadSig   = models.Errorf(models.EForbidden, "The signature does not verify with the key of the agent this token belongs to.")
	errOffState = models.Errorf(models.ENotFound, "This business does not accept Data Rights Protocol requests.")
)

// envelope is the part of every signed DRP message that section 3.07 checks.
type envelope struct {
	AgentID    string `json:"agent-id"`
	BusinessID string `json:"business-id"`
	IssuedAt   string `json:"issued-at"`
	ExpiresAt  string `json:"expires-at"`
}

// signed is a message whose signature verified: the JSON and its hash.
type signed struct {
	JSON []byte
	Hash string // SHA-256 of the whole signed buffer: the same message twice has the same hash
}

// openSigned decodes a base64 body and checks its libsodium combined-mode
// signature (64 bytes of signature, then the message) with key. Errors:
// EInvalid for a body that is not base64 or too short, EForbidden for a
// signature that does not verify.
func openSigned(body []byte, key string) (*signed, error) {
	raw, err := decodeSigned(body)
	if err != nil {
		return nil, err
	}
	return verifySigned(raw, key)
}

// decodeSigned decodes a base64 body long enough to hold a signature.
// Errors: EInvalid.
func decodeSigned(body []byte) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(body)))
	if err != nil {
		return nil, models.Errorf(models.EInvalid, "The body must be the signed message in base64.")
	}
	if len(raw) <= ed25519.SignatureSize {
		return nil, models.Errorf(models.EInvalid, "The body is too short to hold a signature and a message.")
	}
	return raw, nil
}

// verifySigned checks raw's signature with the base64 key. Errors: EForbidden.
func verifySigned(raw []byte, key string) (*signed, error) {
	pub, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("agent verify key is not 32 bytes of base64") // checked by AddAgent
	}
	sig, msg := raw[:ed25519.SignatureSize], raw[ed25519.SignatureSize:]
	if !ed25519.Verify(pub, msg, sig) {
		return nil, errBadSig
	}
	sum := sha256.Sum256(raw)
	return &signed{JSON: msg, Hash: hex.EncodeToString(sum[:])}, nil
}

// checkEnvelope runs the rest of section 3.07's validation order on a
// verified message, for agent a: agent-id, business-id, issued-at not in
// the future, expires-at not passed. It decodes the message into v too.
func (s *Service) checkEnvelope(m *signed, a *models.Agent, v any) error {
	var env envelope
	if err := json.Unmarshal(m.JSON, &env); err != nil {
		return models.Errorf(models.EInvalid, "The signed message is not a JSON object with the DRP fields.")
	}
	if v != nil {
		if err := json.Unmarshal(m.JSON, v); err != nil {
			return models.Errorf(models.EInvalid, "The signed message has a field of the wrong type.")
		}
	}
	if env.AgentID != a.ID {
		return models.Errorf(models.EForbidden, "The agent-id in the message is not the agent this token belongs to.")
	}
	if env.BusinessID != s.Settings.DRP.BusinessID {
		return fatal(models.EForbidden, "The business-id in the message is not this business.")
	}
	now := s.now()
	issued, err := parseDRPTime(env.IssuedAt)
	if err != nil {
		return fatal(models.EInvalid, "issued-at must be an ISO 8601 timestamp.")
	}
	expires, err := parseDRPTime(env.ExpiresAt)
	if err != nil {
		return fatal(models.EInvalid, "expires-at must be an ISO 8601 timestamp.")
	}
	if issued.After(now) {
		return models.Errorf(models.EInvalid, "issued-at is in the future; check the agent's clock.")
	}
	if !now.Before(expires) {
		return fatal(models.EInvalid, "The message has expired (expires-at has passed).")
	}
	return nil
}

// drpLayouts are the ISO 8601 forms agents send: Python's isoformat and
// arrow (6-digit fraction, +00:00), RFC 3339 with Z, and zone-less (UTC).
var drpLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00"}

func parseDRPTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var err error
	for _, l := range drpLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// FormatDRPTime writes t as ISO 8601 that strict parsers (Python's
// fromisoformat before 3.11, arrow) accept: 6-digit fraction and an
// explicit +00:00 instead of Z.
func FormatDRPTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000") + "+00:00"
}

// PairAgent is pair-wise key setup: it checks a message signed by agent
// agentID (section 2.05) and issues a new bearer token, replacing the
// agent's previous one; only its hash is stored. Every failure is
// EForbidden (the spec answers 403 without a body), or errOffState.
func (s *Service) PairAgent(ctx context.Context, agentID string, body []byte) (string, error) {
	if s.Settings.DRP.BusinessID == "" {
		return "", errOffState
	}
	forbidden := models.Errorf(models.EForbidden, "Pair-wise setup refused.")
	a, err := models.FindAgent(ctx, s.DB.DB, agentID)
	if err != nil {
		if models.ErrorCode(err) == models.ENotFound {
			s.Log.Warn("drp setup from unknown agent", "agent", agentID)
			return "", forbidden
		}
		return "", err
	}
	m, err := openSigned(body, a.VerifyKey)
	if err == nil {
		err = s.checkEnvelope(m, a, nil)
	}
	if err != nil {
		if models.ErrorCode(err) == models.EInternal {
			return "", err
		}
		s.Log.Warn("drp setup refused", "agent", agentID, "why", models.ErrorMessage(err))
		return "", forbidden
	}
	token, hash := agentToken()
	err = s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.ReplaceAgentToken(ctx, tx, a.ID, hash, s.now()); err != nil {
			return err
		}
		return s.auditEvent(ctx, tx, "agent:"+a.ID, "agent_paired", map[string]any{"agent": a.ID})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// agentFor returns the agent a bearer token was issued to. Errors:
// EUnauthorized for a missing or unknown token, errOffState.
func (s *Service) agentFor(ctx context.Context, db *gorm.DB, token string) (*models.Agent, error) {
	if s.Settings.DRP.BusinessID == "" {
		return nil, errOffState
	}
	if token == "" {
		return nil, errNoToken
	}
	a, err := models.AgentForTokenHash(ctx, db, tokenDigest(token))
	if models.ErrorCode(err) == models.ENotFound {
		return nil, errNoToken
	}
	return a, err
}

// CheckAgentToken is the Agent Information endpoint (section 2.06): nil
// when token belongs to agentID. Errors: EUnauthorized, EForbidden for
// another agent's token.
func (s *Service) CheckAgentToken(ctx context.Context, agentID, token string) error {
	a, err := s.agentFor(ctx, s.DB.DB, token)
	if err != nil {
		return err
	}
	if a.ID != agentID {
		return models.Errorf(models.EForbidden, "This token belongs to another agent.")
	}
	return nil
}
