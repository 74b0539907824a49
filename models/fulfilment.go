package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Collection states.
const (
	CollectPending = "pending"
	CollectDone    = "done"
	CollectFailed  = "failed"
)

// Collection is what collecting one source found for a request.
type Collection struct {
	RequestID string    `gorm:"primaryKey;size:32"`
	Source    string    `gorm:"primaryKey;size:32"`
	Status    string    `gorm:"not null"`
	Counts    string    `gorm:"not null"` // JSON object: record kind → count
	Samples   string    `gorm:"not null"` // JSON: a few records per kind for the staff preview
	Error     string    `gorm:"not null"`
	Attempts  int       `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Collection) TableName() string { return "collections" }

// CollectionsFor returns a request's collections by source name.
func CollectionsFor(ctx context.Context, db *gorm.DB, requestID string) ([]Collection, error) {
	var cs []Collection
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Order("source").Find(&cs).Error
	return cs, err
}

// Export is an access export written to disk.
type Export struct {
	ID        int64     `gorm:"primaryKey"`
	RequestID string    `gorm:"size:32;not null;index"`
	Path      string    `gorm:"not null"`
	SizeBytes int64     `gorm:"not null"`
	SHA256    string    `gorm:"column:sha256;not null"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
	DeletedAt *time.Time
}

// TableName keeps the table name short and stable.
func (Export) TableName() string { return "exports" }

// LatestExport returns the newest export of a request that is not deleted, or ErrNotFound.
func LatestExport(ctx context.Context, db *gorm.DB, requestID string) (*Export, error) {
	var e Export
	err := db.WithContext(ctx).Where("request_id = ? AND deleted_at IS NULL", requestID).Order("id DESC").Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &e, err
}

// ExpiredExports returns up to limit exports past their expiry and not yet deleted.
func ExpiredExports(ctx context.Context, db *gorm.DB, now time.Time, limit int) ([]Export, error) {
	var es []Export
	err := db.WithContext(ctx).Where("deleted_at IS NULL AND expires_at <= ?", now).Order("id").Limit(limit).Find(&es).Error
	return es, err
}

// Erasure is what erasing one source did for a request.
type Erasure struct {
	RequestID string    `gorm:"primaryKey;size:32"`
	Source    string    `gorm:"primaryKey;size:32"`
	Status    string    `gorm:"not null"` // partial (interrupted; counts so far) or done
	Result    string    `gorm:"not null"` // JSON of the source's result
	Error     string    `gorm:"not null"` // the last failure while partial; "" once done
	DoneAt    time.Time `gorm:"not null"`
}

// Erasure states.
const (
	ErasurePartial = "partial"
	ErasureDone    = "done"
)

// TableName keeps the table name short and stable.
func (Erasure) TableName() string { return "erasures" }

// ErasuresFor returns a request's finished erasures.
func ErasuresFor(ctx context.Context, db *gorm.DB, requestID string) ([]Erasure, error) {
	var es []Erasure
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Find(&es).Error
	return es, err
}

// ThirdPartyNotice records that a recipient was emailed about a request.
type ThirdPartyNotice struct {
	ID        int64     `gorm:"primaryKey"`
	RequestID string    `gorm:"size:32;not null"`
	Recipient string    `gorm:"not null"`
	Email     string    `gorm:"not null"`
	Reason    string    `gorm:"not null"` // deletion or opt_out: what it was told of
	EmailID   int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (ThirdPartyNotice) TableName() string { return "third_party_notices" }

// NoticesFor returns the third-party notices of a request.
func NoticesFor(ctx context.Context, db *gorm.DB, requestID string) ([]ThirdPartyNotice, error) {
	var ns []ThirdPartyNotice
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Order("id").Find(&ns).Error
	return ns, err
}
