package models

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// AuditAnchorKeyName names the secret holding the Ed25519 seed anchors are
// signed with.
const AuditAnchorKeyName = "audit_anchor_key"

// AuditAnchor is a signed checkpoint of the audit chain's head: how many
// events it had and the newest one's hash. The chain alone cannot show that
// its newest events were deleted; an anchor can, since the event at its
// count must still be there with its hash.
type AuditAnchor struct {
	ID         int64     `gorm:"primaryKey"`
	EventCount int64     `gorm:"not null"`
	HeadHash   string    `gorm:"size:64;not null"`
	SignedAt   time.Time `gorm:"not null"`
	Signature  string    `gorm:"not null"` // base64 Ed25519 signature of Message()
}

// TableName keeps the table name short and stable.
func (AuditAnchor) TableName() string { return "audit_anchors" }

// Message is what the signature covers.
func (a *AuditAnchor) Message() []byte {
	return []byte("privacydesk audit anchor v1|" + strconv.FormatInt(a.EventCount, 10) + "|" + a.HeadHash + "|" +
		a.SignedAt.UTC().Format(time.RFC3339Nano))
}

// String is the anchor on one line, for printing and keeping elsewhere.
func (a *AuditAnchor) String() string {
	return fmt.Sprintf("anchor #%d: %d events, head %s, signed %s, signature %s",
		a.ID, a.EventCount, a.HeadHash, a.SignedAt.UTC().Format(time.RFC3339), a.Signature)
}

// AuditHead returns the chain's length and newest hash ("" when empty).
// Event ids run 1, 2, 3… so the newest id is the count.
func AuditHead(ctx context.Context, db *gorm.DB) (int64, string, error) {
	var last AuditEvent
	err := db.WithContext(ctx).Order("id DESC").Limit(1).Take(&last).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read audit chain head: %w", err)
	}
	return last.ID, last.Hash, nil
}

// LatestAuditAnchor returns the newest anchor, or ErrNotFound.
func LatestAuditAnchor(ctx context.Context, db *gorm.DB) (*AuditAnchor, error) {
	var a AuditAnchor
	err := db.WithContext(ctx).Order("id DESC").Limit(1).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// SignAuditAnchor signs the head (count events, newest hash head) at t and
// stores the anchor.
func SignAuditAnchor(ctx context.Context, db *gorm.DB, key ed25519.PrivateKey, count int64, head string, t time.Time) (*AuditAnchor, error) {
	a := &AuditAnchor{EventCount: count, HeadHash: head, SignedAt: t.UTC().Truncate(time.Microsecond)}
	a.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, a.Message()))
	if err := db.WithContext(ctx).Create(a).Error; err != nil {
		return nil, fmt.Errorf("store audit anchor: %w", err)
	}
	return a, nil
}

// AuditAnchorKey returns the instance's anchor-signing key, creating it on
// first use (like the suppression salt, one per installation).
func AuditAnchorKey(ctx context.Context, db *gorm.DB, newSeed []byte) (ed25519.PrivateKey, error) {
	seed, err := GetOrCreateSecret(ctx, db, AuditAnchorKeyName, newSeed)
	if err != nil {
		return nil, fmt.Errorf("load audit anchor key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit anchor key has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// AuditAnchorPublicKey returns the public half of the signing key without
// creating one; ErrNotFound when none was ever made.
func AuditAnchorPublicKey(ctx context.Context, db *gorm.DB) (ed25519.PublicKey, error) {
	var s Secret
	err := db.WithContext(ctx).Where("name = ?", AuditAnchorKeyName).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(s.Value) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit anchor key has %d bytes, want %d", len(s.Value), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(s.Value).Public().(ed25519.PublicKey), nil
}

// CheckAuditAnchor checks an anchor against a chain that verified with
// count events: the anchored event must still be there with the anchored
// hash, and the signature must verify with pub. It returns why not, or "".
func CheckAuditAnchor(ctx context.Context, db *gorm.DB, pub ed25519.PublicKey, a *AuditAnchor, count int64) (string, error) {
	sig, err := base64.StdEncoding.DecodeString(a.Signature)
	if err != nil || !ed25519.Verify(pub, a.Message(), sig) {
		return fmt.Sprintf("anchor #%d's signature does not verify", a.ID), nil
	}
	return CheckAnchoredEvent(ctx, db, a.EventCount, a.HeadHash, count)
}

// CheckAnchoredEvent checks that event n of a chain of count events still
// has hash head (n = 0: the chain was empty). It returns why not, or "".
func CheckAnchoredEvent(ctx context.Context, db *gorm.DB, n int64, head string, count int64) (string, error) {
	if n > count {
		return fmt.Sprintf("the anchor counts %d events but only %d remain: the newest events were deleted", n, count), nil
	}
	if n == 0 {
		return "", nil
	}
	var e AuditEvent
	if err := db.WithContext(ctx).Where("id = ?", n).Take(&e).Error; err != nil {
		return "", fmt.Errorf("read anchored event %d: %w", n, err)
	}
	if e.Hash != head {
		return fmt.Sprintf("event %d's hash is not the anchored one: the chain was rewritten after it", n), nil
	}
	return "", nil
}
