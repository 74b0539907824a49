package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kactoily/privacydesk/models"
	"gorm.io/gorm"
)

// maxProofValues bounds how many order numbers and serials one person's
// check loads; a real customer has far fewer.
const maxProofValues = 1000

// IdentityProofs are the store values only the person behind an email
// should know, for the stronger verification of access and deletion
// requests: the order numbers of their orders (their account's and guest
// orders placed with the email) and the serial numbers of the products
// their account registered. Both empty means there is nothing to ask.
type IdentityProofs struct {
	OrderNumbers []string
	Serials      []string
}

// Empty reports whether there is no value to ask for.
func (p *IdentityProofs) Empty() bool { return len(p.OrderNumbers) == 0 && len(p.Serials) == 0 }

// FindIdentityProofs loads the IdentityProofs of a normalized email. An
// email with no store account gives only its guest orders' numbers.
func FindIdentityProofs(ctx context.Context, db *gorm.DB, email string) (*IdentityProofs, error) {
	var customerID int64
	c, err := FindStoreCustomer(ctx, db, email)
	switch {
	case err == nil:
		customerID = c.ID
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	p := &IdentityProofs{}
	err = db.WithContext(ctx).Model(&Order{}).Scopes(PlacedBy(customerID, email)).
		Order("id").Limit(maxProofValues).Pluck("number", &p.OrderNumbers).Error
	if err != nil {
		return nil, fmt.Errorf("order numbers: %w", err)
	}
	if customerID != 0 {
		err = db.WithContext(ctx).Model(&ProductRegistration{}).Scopes(OwnedBy(customerID)).
			Order("id").Limit(maxProofValues).Pluck("serial_number", &p.Serials).Error
		if err != nil {
			return nil, fmt.Errorf("serial numbers: %w", err)
		}
	}
	return p, nil
}
