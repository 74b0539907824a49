package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ChannelAgent is the channel of a request an authorized agent filed over
// the Data Rights Protocol.
const ChannelAgent = "agent"

// Channels are the ways a request arrives, in display order.
var Channels = []string{"web", "api", "staff", ChannelAgent}

// Agent is one trusted authorized agent of the Data Rights Protocol, as
// staff configured it from the agent directory.
type Agent struct {
	ID               string    `gorm:"primaryKey"` // the agent's DRP id, e.g. CR_AA_DRP_ID_001
	Name             string    `gorm:"not null"`
	VerifyKey        string    `gorm:"not null"` // base64 Ed25519 public key
	CallbackHosts    string    `gorm:"not null"` // host names status callbacks may go to, space separated
	TechnicalContact string    `gorm:"not null"`
	BusinessContact  string    `gorm:"not null"`
	CreatedAt        time.Time `gorm:"not null"`
	UpdatedAt        time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Agent) TableName() string { return "agents" }

// CallbackHostList returns the hosts status callbacks may go to.
func (a *Agent) CallbackHostList() []string { return strings.Fields(a.CallbackHosts) }

// AgentToken is the SHA-256 hash of a bearer token issued to an agent by
// pair-wise setup. The token itself is never stored.
type AgentToken struct {
	Hash      string    `gorm:"primaryKey"`
	AgentID   string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (AgentToken) TableName() string { return "agent_tokens" }

// AgentRequest links a request to the agent that filed it.
type AgentRequest struct {
	RequestID      string `gorm:"primaryKey"`
	AgentID        string `gorm:"not null"`
	MessageHash    string `gorm:"not null;uniqueIndex"` // SHA-256 of the signed message: a replay finds it
	AgentRequestID string `gorm:"not null"`             // the agent's own id, echoed in statuses
	Exercise       string `gorm:"not null"`             // the DRP action as sent
	Regime         string `gorm:"not null"`
	StatusCallback string `gorm:"not null"`
	RevokeReason   string `gorm:"not null"`
	RevokedAt      *time.Time
	CreatedAt      time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (AgentRequest) TableName() string { return "agent_requests" }

// SaveAgent adds an agent or replaces the entry with the same id.
func SaveAgent(ctx context.Context, db *gorm.DB, a *Agent) error {
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "verify_key", "callback_hosts", "technical_contact", "business_contact", "updated_at"}),
	}).Create(a).Error
}

// FindAgent returns the agent with id, or ErrNotFound.
func FindAgent(ctx context.Context, db *gorm.DB, id string) (*Agent, error) {
	var a Agent
	if err := take(db.WithContext(ctx).Where("id = ?", id), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ListAgents returns every configured agent by id.
func ListAgents(ctx context.Context, db *gorm.DB) ([]Agent, error) {
	var as []Agent
	err := db.WithContext(ctx).Order("id").Find(&as).Error
	return as, err
}

// ReplaceAgentToken makes hash the agent's only valid token.
func ReplaceAgentToken(ctx context.Context, tx *gorm.DB, agentID, hash string, now time.Time) error {
	if err := tx.WithContext(ctx).Where("agent_id = ?", agentID).Delete(&AgentToken{}).Error; err != nil {
		return err
	}
	return tx.WithContext(ctx).Create(&AgentToken{Hash: hash, AgentID: agentID, CreatedAt: now}).Error
}

// AgentForTokenHash returns the agent a token hash was issued to, or ErrNotFound.
func AgentForTokenHash(ctx context.Context, db *gorm.DB, hash string) (*Agent, error) {
	var t AgentToken
	if err := take(db.WithContext(ctx).Where("hash = ?", hash), &t); err != nil {
		return nil, err
	}
	return FindAgent(ctx, db, t.AgentID)
}

// FindAgentRequest returns the agent link of request id, or ErrNotFound.
func FindAgentRequest(ctx context.Context, db *gorm.DB, requestID string) (*AgentRequest, error) {
	return findAgentRequest(db.WithContext(ctx).Where("request_id = ?", requestID))
}

// AgentRequestByMessage returns the request filed by the signed message
// with hash, or ErrNotFound.
func AgentRequestByMessage(ctx context.Context, db *gorm.DB, hash string) (*AgentRequest, error) {
	return findAgentRequest(db.WithContext(ctx).Where("message_hash = ?", hash))
}

// MarkAgentRevoked records an agent's revocation of a request.
func MarkAgentRevoked(ctx context.Context, tx *gorm.DB, requestID, reason string, now time.Time) error {
	return tx.WithContext(ctx).Model(&AgentRequest{}).Where("request_id = ?", requestID).
		Updates(map[string]any{"revoke_reason": reason, "revoked_at": now}).Error
}

func findAgentRequest(q *gorm.DB) (*AgentRequest, error) {
	var ar AgentRequest
	if err := take(q, &ar); err != nil {
		return nil, err
	}
	return &ar, nil
}

// take is Take with gorm's not-found turned into ErrNotFound.
func take(q *gorm.DB, dst any) error {
	err := q.Take(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
