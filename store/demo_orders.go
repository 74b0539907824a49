package store

import "time"

// Order is a purchase: purchase data (number, amounts, status) plus the
// contact and address data it was shipped with, copied onto the order so it
// stays accurate when the customer edits their profile. Payment is by
// PayPal: PaymentReference is PayPal's transaction id, never card data.
// CustomerID is nil for guest checkouts and once the customer is deleted;
// AnonymizedAt is set when the contact and address columns were blanked
// while the order is kept for the accounting period.
type Order struct {
	ID                 int64     `gorm:"primaryKey"`
	CustomerID         *int64    `gorm:"index:store_orders_customer_id"`
	Number             string    `gorm:"not null;uniqueIndex:store_orders_number"` // e.g. KT-100234
	PlacedAt           time.Time `gorm:"not null"`
	Status             string    `gorm:"not null"`
	Currency           string    `gorm:"not null"` // ISO 4217
	TotalCents         int64     `gorm:"not null"`
	Email              string    `gorm:"not null"`
	Phone              string    `gorm:"not null"`
	ShippingName       string    `gorm:"not null"`
	ShippingLine1      string    `gorm:"not null"`
	ShippingLine2      string    `gorm:"not null"`
	ShippingCity       string    `gorm:"not null"`
	ShippingRegion     string    `gorm:"not null"`
	ShippingPostalCode string    `gorm:"not null"`
	ShippingCountry    string    `gorm:"not null"`
	PaymentProvider    string    `gorm:"not null"` // "paypal"
	PaymentReference   string    `gorm:"not null"`
	AnonymizedAt       *time.Time
}

// TableName prefixes the table with store_.
func (Order) TableName() string { return "store_orders" }

// OrderLine is one product on an order: purchase data.
type OrderLine struct {
	ID             int64  `gorm:"primaryKey"`
	OrderID        int64  `gorm:"not null;index:store_order_lines_order_id"`
	SKU            string `gorm:"not null"`
	ProductName    string `gorm:"not null"`
	Quantity       int    `gorm:"not null"`
	UnitPriceCents int64  `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (OrderLine) TableName() string { return "store_order_lines" }

// ProductRegistration records a device a customer registered, with its
// serial number: purchase data. CustomerID becomes nil when the customer is
// deleted but an active paid warranty on the device must be kept.
type ProductRegistration struct {
	ID           int64     `gorm:"primaryKey"`
	CustomerID   *int64    `gorm:"index:store_product_registrations_customer_id"`
	ProductName  string    `gorm:"not null"`
	SKU          string    `gorm:"not null"`
	SerialNumber string    `gorm:"not null"`
	PurchasedAt  time.Time `gorm:"not null"`
	RegisteredAt time.Time `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (ProductRegistration) TableName() string { return "store_product_registrations" }

// ExtendedWarranty is a warranty plan bought for a registered device:
// purchase data. An active paid one is kept, anonymized, until it ends.
type ExtendedWarranty struct {
	ID             int64     `gorm:"primaryKey"`
	RegistrationID int64     `gorm:"not null;index:store_extended_warranties_registration_id"`
	CustomerID     *int64    `gorm:"index:store_extended_warranties_customer_id"`
	Plan           string    `gorm:"not null"`
	PriceCents     int64     `gorm:"not null"`
	Paid           bool      `gorm:"not null"`
	StartsAt       time.Time `gorm:"not null"`
	EndsAt         time.Time `gorm:"not null"`
	AnonymizedAt   *time.Time
}

// TableName prefixes the table with store_.
func (ExtendedWarranty) TableName() string { return "store_extended_warranties" }

// Active reports whether the warranty is paid and has not ended at t. That
// includes plans that start only when the standard warranty runs out: the
// customer has paid for them, so they must be kept too.
func (w *ExtendedWarranty) Active(t time.Time) bool {
	return w.Paid && t.Before(w.EndsAt)
}
