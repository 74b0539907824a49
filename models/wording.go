package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Wording is an admin's own subject and opening paragraph of one customer
// email kind (or the privacy center's introduction) in one language. An
// empty field keeps the built-in text for it.
type Wording struct {
	Kind      string    `gorm:"primaryKey"`
	Lang      string    `gorm:"primaryKey"`
	Subject   string    `gorm:"not null"`
	Intro     string    `gorm:"not null"`
	UpdatedBy string    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name short and stable.
func (Wording) TableName() string { return "wordings" }

// FindWording returns the wording of kind in lang, or ErrNotFound when the
// built-in one applies.
func FindWording(ctx context.Context, db *gorm.DB, kind, lang string) (*Wording, error) {
	var w Wording
	err := db.WithContext(ctx).Where("kind = ? AND lang = ?", kind, lang).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// ListWordings returns every edited wording, by kind and language.
func ListWordings(ctx context.Context, db *gorm.DB) ([]Wording, error) {
	var ws []Wording
	err := db.WithContext(ctx).Order("kind, lang").Find(&ws).Error
	return ws, err
}

// SaveWording inserts or replaces the wording of w's kind and language.
func SaveWording(ctx context.Context, tx *gorm.DB, w *Wording) error {
	return tx.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "kind"}, {Name: "lang"}},
		DoUpdates: clause.AssignmentColumns([]string{"subject", "intro", "updated_by", "updated_at"}),
	}).Create(w).Error
}

// DeleteWording removes the wording of kind in lang and reports whether
// there was one.
func DeleteWording(ctx context.Context, tx *gorm.DB, kind, lang string) (bool, error) {
	res := tx.WithContext(ctx).Where("kind = ? AND lang = ?", kind, lang).Delete(&Wording{})
	return res.RowsAffected > 0, res.Error
}
