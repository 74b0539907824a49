package store

import (
	"strings"
	"time"

	"gorm.io/gorm"
)

// The store models below mirror the records Kactoily.com keeps about its
// customers, as listed in the privacy policy. Their tables are prefixed
// store_ so they never collide with Privacy Desk's own tables, and they are
// created by migrations/*/00002_store.sql.

// Address kinds.
const (
	AddressShipping = "shipping"
	AddressBilling  = "billing"
)

// Cookie consent categories, as named in the privacy policy's cookie list.
const (
	ConsentNecessary     = "necessary"
	ConsentAnalytics     = "analytics"
	ConsentFunctionality = "functionality"
	ConsentAdvertising   = "advertising"
)

// StoreModels returns one zero value of every store model, parents before
// children, so creating tables or inserting rows in this order satisfies the
// foreign keys (and deleting in reverse order does too).
func StoreModels() []any {
	return []any{
		&Customer{},
		&Address{},
		&MarketingPreference{},
		&ConsentChoice{},
		&Order{},
		&OrderLine{},
		&ProductRegistration{},
		&ExtendedWarranty{},
		&SupportTicket{},
		&SupportMessage{},
		&Attachment{},
		&ActivityRecord{},
	}
}

// Customer is a store account: contact data (email, name, phone, date of
// birth) and account timestamps. Email is stored trimmed and lower case.
type Customer struct {
	ID          int64  `gorm:"primaryKey"`
	Email       string `gorm:"not null;uniqueIndex:store_customers_email"`
	FirstName   string `gorm:"not null"`
	LastName    string `gorm:"not null"`
	Phone       string `gorm:"not null"`
	DateOfBirth *time.Time
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
	LastLoginAt *time.Time
}

// TableName prefixes the table with store_.
func (Customer) TableName() string { return "store_customers" }

// BeforeSave normalizes the email so lookups by email are exact matches.
func (c *Customer) BeforeSave(*gorm.DB) error {
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	return nil
}

// FullName returns "First Last".
func (c *Customer) FullName() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// Address is a customer's saved shipping or billing address: address data
// (recipient name, postal address, phone).
type Address struct {
	ID            int64  `gorm:"primaryKey"`
	CustomerID    int64  `gorm:"not null;index:store_addresses_customer_id"`
	Kind          string `gorm:"not null"` // AddressShipping or AddressBilling
	RecipientName string `gorm:"not null"`
	Line1         string `gorm:"not null"`
	Line2         string `gorm:"not null"`
	City          string `gorm:"not null"`
	Region        string `gorm:"not null"`
	PostalCode    string `gorm:"not null"`
	Country       string `gorm:"not null"` // ISO 3166-1 alpha-2
	Phone         string `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (Address) TableName() string { return "store_addresses" }

// MarketingPreference holds a customer's marketing and tracking choices
// (contact preferences): true means the customer allows it. At most one
// row per customer.
type MarketingPreference struct {
	ID              int64     `gorm:"primaryKey"`
	CustomerID      int64     `gorm:"not null;uniqueIndex:store_marketing_preferences_customer_id"`
	EmailMarketing  bool      `gorm:"not null"`
	SMSMarketing    bool      `gorm:"not null"`
	PersonalizedAds bool      `gorm:"not null"`
	SaleSharing     bool      `gorm:"not null"` // sale or sharing of personal information (CCPA)
	Analytics       bool      `gorm:"not null"`
	UpdatedAt       time.Time `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (MarketingPreference) TableName() string { return "store_marketing_preferences" }

// ConsentChoice is one cookie-banner choice for one category, by a browser
// (VisitorID is the visitor cookie) and, once signed in, a customer: device
// data (IP address, user agent). CustomerID is nil for anonymous visitors.
type ConsentChoice struct {
	ID         int64     `gorm:"primaryKey"`
	CustomerID *int64    `gorm:"index:store_consent_choices_customer_id"`
	VisitorID  string    `gorm:"not null;index:store_consent_choices_visitor_id"`
	Category   string    `gorm:"not null"` // one of the Consent* categories
	Granted    bool      `gorm:"not null"`
	RecordedAt time.Time `gorm:"not null"`
	IPAddress  string    `gorm:"not null"`
	UserAgent  string    `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (ConsentChoice) TableName() string { return "store_consent_choices" }

// ActivityRecord is one page view on www.kactoily.com: device and usage data
// (IP address, browser, operating system, page, referrer, time). CustomerID
// is nil for visitors who were not signed in.
type ActivityRecord struct {
	ID         int64     `gorm:"primaryKey"`
	CustomerID *int64    `gorm:"index:store_activity_records_customer_id"`
	VisitorID  string    `gorm:"not null;index:store_activity_records_visitor_id"`
	IPAddress  string    `gorm:"not null"`
	UserAgent  string    `gorm:"not null"`
	Browser    string    `gorm:"not null"`
	OS         string    `gorm:"not null"`
	PageURL    string    `gorm:"not null"`
	Referrer   string    `gorm:"not null"`
	OccurredAt time.Time `gorm:"not null;index:store_activity_records_occurred_at"`
}

// TableName prefixes the table with store_.
func (ActivityRecord) TableName() string { return "store_activity_records" }
