package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SignInAttempt is one sign-in counted against an account before its
// password is checked.
type SignInAttempt struct {
	ID           int64
	PasswordHash string
	// Counted is the account's attempts counted so far, this one included:
	// failures and attempts still being checked.
	Counted int
	// Locked: this attempt found the account's allowance used up and
	// locked it; it must be refused without a check.
	Locked bool
}

// ReserveSignIn counts one sign-in attempt for the active account with a
// normalized email, in one conditional UPDATE … RETURNING, so concurrent
// attempts cannot all read the same count before any is decided: an
// attempt counts as failed until its password proves right. An expired
// lock starts a fresh count. When max attempts are already counted, the
// account locks until lockEnd and the attempt comes back Locked.
// Errors: ErrNotFound when there is no such active account or it is locked.
func ReserveSignIn(ctx context.Context, db *gorm.DB, email string, now, lockEnd time.Time, max int) (*SignInAttempt, error) {
	var rows []SignInAttempt
	err := db.WithContext(ctx).Raw(`UPDATE staff_users SET
		failed_logins = CASE WHEN locked_until IS NOT NULL THEN 1
			WHEN failed_logins < ? THEN failed_logins + 1 ELSE failed_logins END,
		locked_until = CASE WHEN locked_until IS NOT NULL THEN NULL
			WHEN failed_logins >= ? THEN ? ELSE locked_until END
		WHERE email = ? AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= ?)
		RETURNING id, password_hash, failed_logins AS counted, CASE WHEN locked_until IS NULL THEN 0 ELSE 1 END AS locked`,
		max, max, lockEnd, email, now).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// FailSignIn decides a reserved attempt as failed (it stays counted) and
// locks the account until lockEnd once max attempts are counted. It
// reports whether this call locked it.
func FailSignIn(ctx context.Context, db *gorm.DB, id int64, max int, lockEnd time.Time) (bool, error) {
	res := db.WithContext(ctx).Model(&StaffUser{}).
		Where("id = ? AND failed_logins >= ? AND locked_until IS NULL", id, max).
		Update("locked_until", lockEnd)
	return res.RowsAffected > 0, res.Error
}

// SucceedSignIn decides a reserved attempt as a success: the attempts
// counted up to and including it (counted) are forgiven, later ones stay
// counted, and a lock stays. newHash, if not empty, replaces the
// password hash (parameters upgraded).
func SucceedSignIn(ctx context.Context, db *gorm.DB, id int64, counted int, now time.Time, newHash string) error {
	set := map[string]any{
		"failed_logins": gorm.Expr("CASE WHEN failed_logins > ? THEN failed_logins - ? ELSE 0 END", counted, counted),
		"last_login_at": now,
	}
	if newHash != "" {
		set["password_hash"] = newHash
	}
	return db.WithContext(ctx).Model(&StaffUser{}).Where("id = ?", id).Updates(set).Error
}
