package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// AuditEvent is one append-only entry of the audit trail. Each event's Hash
// covers its content and the previous event's hash, so editing, inserting or
// removing an event breaks the chain.
type AuditEvent struct {
	ID         int64     `gorm:"primaryKey"`
	RequestID  *string   `gorm:"size:32;index"`
	Actor      string    `gorm:"size:200;not null"`
	Action     string    `gorm:"size:64;not null"`
	FromStatus string    `gorm:"size:32;not null"`
	ToStatus   string    `gorm:"size:32;not null"`
	Details    string    `gorm:"not null"` // JSON object
	CreatedAt  time.Time `gorm:"not null"`
	PrevHash   string    `gorm:"size:64;not null"`
	Hash       string    `gorm:"size:64;not null"`
}

// TableName keeps the table name short and stable.
func (AuditEvent) TableName() string { return "audit_events" }

// ComputeHash returns the SHA-256 over the event's content and PrevHash.
// Each field is length-prefixed so no two different events hash alike.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	reqID := ""
	if e.RequestID != nil {
		reqID = *e.RequestID
	}
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.ID, 10), reqID, e.Actor, e.Action,
		e.FromStatus, e.ToStatus, e.Details, e.CreatedAt.UTC().Format(time.RFC3339Nano),
	} {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AppendAuditEvent adds e at the end of the chain inside tx. On PostgreSQL it
// takes a transaction-scoped advisory lock so concurrent appends cannot fork
// the chain; SQLite write transactions are already serialized.
func AppendAuditEvent(ctx context.Context, tx *gorm.DB, dialect string, e *AuditEvent) error {
	return AppendAuditEvents(ctx, tx, dialect, []*AuditEvent{e})
}

// AppendAuditEvents adds es at the end of the chain, in order, inside tx:
// one lock, one read of the head and one INSERT for all of them, so a batch
// of transitions holds the chain for one round trip, not one per event.
func AppendAuditEvents(ctx context.Context, tx *gorm.DB, dialect string, es []*AuditEvent) error {
	if len(es) == 0 {
		return nil
	}
	tx = tx.WithContext(ctx)
	if dialect == DialectPostgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(7294001)").Error; err != nil {
			return fmt.Errorf("lock audit chain: %w", err)
		}
	}
	var last AuditEvent
	err := tx.Order("id DESC").Limit(1).Take(&last).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return fmt.Errorf("read audit chain head: %w", err)
	}
	prev := &last
	for _, e := range es {
		e.PrevHash, e.ID = prev.Hash, prev.ID+1
		// Microseconds survive a round trip through both databases unchanged.
		e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Microsecond)
		if e.Details == "" {
			e.Details = "{}"
		}
		e.Hash = e.ComputeHash()
		prev = e
	}
	if err := tx.Create(es).Error; err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// AuditBreak describes the first place the chain does not hold.
type AuditBreak struct {
	EventID int64
	Reason  string
}

// VerifyAuditChain walks every event in order, in pages, and returns the
// number checked and the first break found (nil when the chain holds).
func VerifyAuditChain(ctx context.Context, db *gorm.DB) (int64, *AuditBreak, error) {
	var checked int64
	prevHash, prevID := "", int64(0)
	for {
		var page []AuditEvent
		err := db.WithContext(ctx).Where("id > ?", prevID).Order("id").Limit(1000).Find(&page).Error
		if err != nil {
			return checked, nil, err
		}
		if len(page) == 0 {
			return checked, nil, nil
		}
		for i := range page {
			e := &page[i]
			switch {
			case e.ID != prevID+1:
				return checked, &AuditBreak{e.ID, fmt.Sprintf("event %d is missing", prevID+1)}, nil
			case e.PrevHash != prevHash:
				return checked, &AuditBreak{e.ID, "previous-hash link does not match the event before it"}, nil
			case e.ComputeHash() != e.Hash:
				return checked, &AuditBreak{e.ID, "content does not match its hash (edited)"}, nil
			}
			prevHash, prevID = e.Hash, e.ID
			checked++
		}
	}
}

// AuditEventsFor returns a request's events in order.
func AuditEventsFor(ctx context.Context, db *gorm.DB, requestID string) ([]AuditEvent, error) {
	var es []AuditEvent
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Order("id").Find(&es).Error
	return es, err
}
