package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Token purposes: each token opens exactly one kind of door.
const (
	PurposeVerify   = "verify"
	PurposeStatus   = "status"
	PurposeDownload = "download"
)

// RequestToken is the SHA-256 hash of a random token mailed to a requester.
// The token itself is never stored.
type RequestToken struct {
	ID        int64  `gorm:"primaryKey"`
	RequestID string `gorm:"size:32;not null;index"`
	Purpose   string `gorm:"size:16;not null"`
	Hash      string `gorm:"size:64;not null;uniqueIndex"`
	MaxUses   int    `gorm:"not null"` // 0 = unlimited
	Uses      int    `gorm:"not null"`
	ExpiresAt *time.Time
	UsedAt    *time.Time
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (RequestToken) TableName() string { return "request_tokens" }

// FindToken returns the token with the given hash and purpose, or ErrNotFound.
func FindToken(ctx context.Context, db *gorm.DB, purpose, hash string) (*RequestToken, error) {
	var t RequestToken
	err := db.WithContext(ctx).Where("hash = ? AND purpose = ?", hash, purpose).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// UseToken counts one use of a token, only if it still has uses left; it
// returns a conflict error when another use got there first.
func UseToken(ctx context.Context, tx *gorm.DB, t *RequestToken, now time.Time) error {
	q := tx.WithContext(ctx).Model(&RequestToken{}).Where("id = ? AND uses = ?", t.ID, t.Uses)
	res := q.Updates(map[string]any{"uses": t.Uses + 1, "used_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return Errorf(EConflict, "This link has just been used.")
	}
	t.Uses++
	t.UsedAt = &now
	return nil
}

// ReleaseTokenUse gives back one use counted by UseToken, for a use that did
// not happen after all (a download the client broke off).
func ReleaseTokenUse(ctx context.Context, tx *gorm.DB, id int64) error {
	return tx.WithContext(ctx).Model(&RequestToken{}).Where("id = ? AND uses > 0", id).
		Update("uses", gorm.Expr("uses - 1")).Error
}

// LatestToken returns the newest token of a purpose for a request, or ErrNotFound.
func LatestToken(ctx context.Context, db *gorm.DB, requestID, purpose string) (*RequestToken, error) {
	var t RequestToken
	err := db.WithContext(ctx).Where("request_id = ? AND purpose = ?", requestID, purpose).Order("id DESC").Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}
