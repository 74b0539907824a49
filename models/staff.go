package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Staff roles.
const (
	RoleAgent = "agent"
	RoleAdmin = "admin"
)

// StaffUser is a support agent or privacy admin who signs in to work the queue.
type StaffUser struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"size:320;not null;uniqueIndex:staff_users_email"`
	Name         string `gorm:"size:200;not null"`
	Role         string `gorm:"size:16;not null"`
	PasswordHash string `gorm:"not null"`
	FailedLogins int    `gorm:"not null"`
	LockedUntil  *time.Time
	LastLoginAt  *time.Time
	DisabledAt   *time.Time
	// SessionVersion is copied into each session at sign-in; raising it
	// (disable, role or password change) ends every older session at once.
	SessionVersion int64     `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (StaffUser) TableName() string { return "staff_users" }

// IsAdmin reports whether the staff member is a privacy admin.
func (u *StaffUser) IsAdmin() bool { return u.Role == RoleAdmin }

// Active reports whether the account may sign in.
func (u *StaffUser) Active() bool { return u.DisabledAt == nil }

func findStaff(ctx context.Context, db *gorm.DB, where string, arg any) (*StaffUser, error) {
	var u StaffUser
	err := db.WithContext(ctx).Where(where, arg).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// FindStaff returns the staff member with id, or ErrNotFound.
func FindStaff(ctx context.Context, db *gorm.DB, id int64) (*StaffUser, error) {
	return findStaff(ctx, db, "id = ?", id)
}

// FindStaffByEmail returns the staff member with a normalized email, or ErrNotFound.
func FindStaffByEmail(ctx context.Context, db *gorm.DB, email string) (*StaffUser, error) {
	return findStaff(ctx, db, "email = ?", email)
}

// ListStaff returns every staff member, active first, by name.
func ListStaff(ctx context.Context, db *gorm.DB) ([]StaffUser, error) {
	var us []StaffUser
	err := db.WithContext(ctx).Order("disabled_at IS NOT NULL, name, id").Find(&us).Error
	return us, err
}

// CountStaff returns how many staff accounts exist.
func CountStaff(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&StaffUser{}).Count(&n).Error
	return n, err
}

// Note is a staff member's note on a request, shown on its page.
type Note struct {
	ID        int64      `gorm:"primaryKey"`
	RequestID string     `gorm:"size:32;not null;index"`
	StaffID   int64      `gorm:"not null"`
	Body      string     `gorm:"not null"`
	CreatedAt time.Time  `gorm:"not null"`
	Staff     *StaffUser `gorm:"foreignKey:StaffID"`
}

// TableName keeps the table name short and stable.
func (Note) TableName() string { return "request_notes" }

// NotesFor returns a request's notes with their authors, oldest first.
func NotesFor(ctx context.Context, db *gorm.DB, requestID string) ([]Note, error) {
	var ns []Note
	err := db.WithContext(ctx).Preload("Staff").Where("request_id = ?", requestID).Order("id").Find(&ns).Error
	return ns, err
}

// ReminderSent records that a deadline reminder went out, so each goes once.
type ReminderSent struct {
	RequestID string    `gorm:"primaryKey;size:32"`
	Kind      string    `gorm:"primaryKey;size:16"` // 7d, 2d or overdue
	DueAt     time.Time `gorm:"primaryKey"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (ReminderSent) TableName() string { return "reminders_sent" }

// StatusCount is the number of requests in one status as of the last fold
// of the transitions' StatusDelta rows (see StatusCounts), so the queue's
// counts cost the same at any size.
type StatusCount struct {
	Status string `gorm:"primaryKey;size:32"`
	N      int64  `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (StatusCount) TableName() string { return "request_status_counts" }
