package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Suppression records that an email address (as a salted hash, never in
// clear) must not be used for a scope: marketing email, sale/sharing, analytics.
type Suppression struct {
	ID        int64     `gorm:"primaryKey"`
	EmailHash string    `gorm:"size:64;not null;uniqueIndex:suppressions_email_scope"`
	Scope     string    `gorm:"size:32;not null;uniqueIndex:suppressions_email_scope"`
	RequestID *string   `gorm:"size:32"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Suppression) TableName() string { return "suppressions" }

// AddSuppressions inserts the suppressions, ignoring ones already present.
func AddSuppressions(ctx context.Context, tx *gorm.DB, s []Suppression) error {
	if len(s) == 0 {
		return nil
	}
	return tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&s).Error
}

// RemoveSuppressions takes an email hash off the suppression list for the
// scopes and returns how many entries it removed.
func RemoveSuppressions(ctx context.Context, tx *gorm.DB, emailHash string, scopes []string) (int64, error) {
	if len(scopes) == 0 {
		return 0, nil
	}
	res := tx.WithContext(ctx).Where("email_hash = ? AND scope IN ?", emailHash, scopes).Delete(&Suppression{})
	return res.RowsAffected, res.Error
}

// SuppressedScopes returns the scopes suppressed for an email hash.
func SuppressedScopes(ctx context.Context, db *gorm.DB, emailHash string) ([]string, error) {
	var scopes []string
	err := db.WithContext(ctx).Model(&Suppression{}).Where("email_hash = ?", emailHash).Order("scope").Pluck("scope", &scopes).Error
	return scopes, err
}

// Secret is a value generated once per installation and shared by every
// instance through the database, such as the salt of suppression hashes.
type Secret struct {
	Name      string    `gorm:"primaryKey;size:64"`
	Value     []byte    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Secret) TableName() string { return "secrets" }

// GetOrCreateSecret returns the named secret, storing value first if none exists.
// Concurrent callers all get the one value that won.
func GetOrCreateSecret(ctx context.Context, db *gorm.DB, name string, value []byte) ([]byte, error) {
	err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&Secret{Name: name, Value: value}).Error
	if err != nil {
		return nil, err
	}
	var s Secret
	err = db.WithContext(ctx).Where("name = ?", name).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return s.Value, err
}
