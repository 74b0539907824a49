package store

import "time"

// Support message author kinds.
const (
	AuthorCustomer = "customer"
	AuthorAgent    = "agent"
)

// SupportTicket is a customer-support case: support data (email, subject,
// channel email|phone|chat|social, status). CustomerID is nil when the
// writer had no account, or once the customer is deleted; AnonymizedAt is
// set when only anonymous metadata is kept.
type SupportTicket struct {
	ID           int64     `gorm:"primaryKey"`
	CustomerID   *int64    `gorm:"index:store_support_tickets_customer_id"`
	Email        string    `gorm:"not null"`
	Subject      string    `gorm:"not null"`
	Status       string    `gorm:"not null"`
	Channel      string    `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	ClosedAt     *time.Time
	AnonymizedAt *time.Time
}

// TableName prefixes the table with store_.
func (SupportTicket) TableName() string { return "store_support_tickets" }

// SupportMessage is one message on a ticket: support data. AuthorName of an
// agent's message is the agent's name, which is another person's data and
// is left out of a customer's export.
type SupportMessage struct {
	ID         int64     `gorm:"primaryKey"`
	TicketID   int64     `gorm:"not null;index:store_support_messages_ticket_id"`
	AuthorKind string    `gorm:"not null"` // AuthorCustomer or AuthorAgent
	AuthorName string    `gorm:"not null"`
	Body       string    `gorm:"not null"`
	SentAt     time.Time `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (SupportMessage) TableName() string { return "store_support_messages" }

// Attachment is the metadata of a file sent with a support message (support
// data); the file itself lives in object storage under StorageKey.
type Attachment struct {
	ID          int64  `gorm:"primaryKey"`
	MessageID   int64  `gorm:"not null;index:store_attachments_message_id"`
	FileName    string `gorm:"not null"`
	ContentType string `gorm:"not null"`
	SizeBytes   int64  `gorm:"not null"`
	StorageKey  string `gorm:"not null"`
}

// TableName prefixes the table with store_.
func (Attachment) TableName() string { return "store_attachments" }
