package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Appeal statuses: open until a staff member decides it.
const (
	AppealOpen       = "open"
	AppealUpheld     = "upheld"     // the denial stands
	AppealOverturned = "overturned" // the request is reopened to be carried out
)

// Appeal is a requester's appeal of a denied request: its own tracked
// item with its own deadline, one per request. DeniedBy is the audit actor
// who denied, so the decider can be told apart from them.
type Appeal struct {
	ID        int64     `gorm:"primaryKey"`
	RequestID string    `gorm:"size:32;not null"`
	Status    string    `gorm:"size:16;not null"`
	Reason    string    `gorm:"not null"`
	DeniedBy  string    `gorm:"size:200;not null"`
	FiledAt   time.Time `gorm:"not null"`
	DueAt     time.Time `gorm:"not null"`
	DecidedBy *int64
	DecidedAt *time.Time
	Answer    string `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Appeal) TableName() string { return "appeals" }

// Open reports whether the appeal still awaits a decision.
func (a *Appeal) Open() bool { return a.Status == AppealOpen }

// FindAppeal returns the appeal of a request, or ErrNotFound.
func FindAppeal(ctx context.Context, db *gorm.DB, requestID string) (*Appeal, error) {
	var a Appeal
	err := db.WithContext(ctx).Where("request_id = ?", requestID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateAppeal stores a new appeal; a second one for the same request is
// EConflict (the unique index decides, so two at once cannot both succeed).
func CreateAppeal(ctx context.Context, tx *gorm.DB, a *Appeal) error {
	err := tx.WithContext(ctx).Create(a).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Errorf(EConflict, "This decision has already been appealed.")
	}
	return err
}

// DecideAppeal records the decision on an open appeal; EConflict when it
// was decided meanwhile.
func DecideAppeal(ctx context.Context, tx *gorm.DB, a *Appeal, status string, by int64, answer string, at time.Time) error {
	res := tx.WithContext(ctx).Model(&Appeal{}).Where("id = ? AND status = ?", a.ID, AppealOpen).
		Updates(map[string]any{"status": status, "decided_by": by, "decided_at": at, "answer": answer})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return Errorf(EConflict, "This appeal has already been decided.")
	}
	a.Status, a.DecidedBy, a.DecidedAt, a.Answer = status, &by, &at, answer
	return nil
}

// AppealsFiled returns the appeals filed in [from, to).
func AppealsFiled(ctx context.Context, db *gorm.DB, from, to time.Time) ([]Appeal, error) {
	var as []Appeal
	err := db.WithContext(ctx).Select("id, request_id, status, filed_at, due_at, decided_at").
		Where("filed_at >= ? AND filed_at < ?", from, to).Order("id").Find(&as).Error
	return as, err
}

// OpenAppealIDs returns which of the given requests have an open appeal.
func OpenAppealIDs(ctx context.Context, db *gorm.DB, requestIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(requestIDs) == 0 {
		return out, nil
	}
	var ids []string
	err := db.WithContext(ctx).Model(&Appeal{}).Where("request_id IN ? AND status = ?", requestIDs, AppealOpen).
		Pluck("request_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// CountOpenAppeals counts the appeals awaiting a decision.
func CountOpenAppeals(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Appeal{}).Where("status = ?", AppealOpen).Count(&n).Error
	return n, err
}
