package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Email statuses in the outbox.
const (
	EmailQueued = "queued"
	EmailSent   = "sent"
	EmailFailed = "failed"
)

// Email is one message in the outbox: what to send, to whom, and whether it
// went. Links with tokens are minted at send time, so Data never holds one.
type Email struct {
	ID        int64   `gorm:"primaryKey"`
	RequestID *string `gorm:"size:32;index"`
	Kind      string  `gorm:"size:64;not null"`
	ToAddr    string  `gorm:"size:320;not null"`
	Data      string  `gorm:"not null"` // JSON template data
	Status    string  `gorm:"size:16;not null"`
	Attempts  int     `gorm:"not null"`
	LastError string  `gorm:"not null"`
	MessageID string  `gorm:"size:200;not null"`
	SentAt    *time.Time
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Email) TableName() string { return "emails" }

// FindEmail returns the outbox email with id, or ErrNotFound.
func FindEmail(ctx context.Context, db *gorm.DB, id int64) (*Email, error) {
	var e Email
	err := db.WithContext(ctx).Where("id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// EmailsFor returns a request's outbox emails in order.
func EmailsFor(ctx context.Context, db *gorm.DB, requestID string) ([]Email, error) {
	var es []Email
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Order("id").Find(&es).Error
	return es, err
}
