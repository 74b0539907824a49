package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Fields a correction request can name: the store sources apply name,
// email and phone; address and other are free text staff apply by hand.
const (
	FieldName    = "name"
	FieldEmail   = "email"
	FieldPhone   = "phone"
	FieldAddress = "address"
	FieldOther   = "other"
)

// CorrectionFields lists the fields in display order.
var CorrectionFields = []string{FieldName, FieldEmail, FieldPhone, FieldAddress, FieldOther}

// Correction decisions.
const (
	CorrectionAccepted = "accepted"
	CorrectionRejected = "rejected"
)

// Correction is one field a correction request asks to change, staff's
// decision on it, and what applying it did per source.
type Correction struct {
	RequestID string `gorm:"primaryKey;size:32"`
	Field     string `gorm:"primaryKey;size:16"`
	Requested string `gorm:"not null"` // the value the requester says is right
	Current   string `gorm:"not null"` // JSON source → value, snapshot when staff decided
	Decision  string `gorm:"not null"` // "", accepted or rejected
	Reason    string `gorm:"not null"` // why, as the requester reads it
	DecidedBy string `gorm:"not null"` // staff email
	DecidedAt *time.Time
	AppliedAt *time.Time
	Result    string `gorm:"not null"` // JSON source → what applying did
}

// TableName keeps the table name short and stable.
func (Correction) TableName() string { return "corrections" }

// CorrectionsFor returns a request's corrections in display order.
func CorrectionsFor(ctx context.Context, db *gorm.DB, requestID string) ([]Correction, error) {
	var cs []Correction
	if err := db.WithContext(ctx).Where("request_id = ?", requestID).Find(&cs).Error; err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, f := range CorrectionFields {
		order[f] = i
	}
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && order[cs[j].Field] < order[cs[j-1].Field]; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	return cs, nil
}
