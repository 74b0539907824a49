package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Current returns the customer's name ("first last"), email or phone.
func (a *AccountSource) Current(ctx context.Context, db *gorm.DB, s Subject, field string) (string, bool, error) {
	_, c, err := findCustomer(ctx, db, s)
	if err != nil || c == nil {
		return "", false, err
	}
	switch field {
	case models.FieldName:
		return strings.TrimSpace(c.FirstName + " " + c.LastName), true, nil
	case models.FieldEmail:
		return c.Email, true, nil
	case models.FieldPhone:
		return c.Phone, true, nil
	}
	return "", false, nil
}

// Correct writes the customer's name (the last word becomes the last
// name), email or phone in one short transaction. Applied again it
// changes nothing: a changed email is found under the new address.
func (a *AccountSource) Correct(ctx context.Context, db *gorm.DB, s Subject, field, value string) (string, error) {
	_, c, err := findCustomer(ctx, db, s)
	if err != nil {
		return "", err
	}
	if c == nil && field == models.FieldEmail {
		if _, err := FindStoreCustomer(ctx, db, models.NormalizeEmail(value)); err == nil {
			return "changed", nil // applied by an earlier run
		}
	}
	if c == nil {
		return "no account found", nil
	}
	set := map[string]any{}
	switch field {
	case models.FieldName:
		first, last := value, ""
		if i := strings.LastIndexByte(value, ' '); i > 0 {
			first, last = strings.TrimSpace(value[:i]), value[i+1:]
		}
		set["first_name"], set["last_name"] = first, last
	case models.FieldEmail:
		set["email"] = models.NormalizeEmail(value)
	case models.FieldPhone:
		set["phone"] = value
	default:
		return "not held here", nil
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Model(&Customer{}).Where("id = ?", c.ID).Updates(set).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "not changed: another account already uses this email address", nil
	}
	if err != nil {
		return "", err
	}
	return "changed", nil
}
