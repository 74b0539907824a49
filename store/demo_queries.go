package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kactoily/privacydesk/models"
	"gorm.io/gorm"
)

// The queries below find one person's records in the store for the
// data-subject request sources in workflows/source_*.go. A person is found
// by their normalized email and by the customer id of their account, never
// by name or address: two customers may share both.

// StoreBatchSize is how many rows the store queries read or change at a
// time: large enough to be efficient, small enough that memory stays
// bounded whatever the history size and a write holds its locks only briefly.
const StoreBatchSize = 500

// Filter narrows a query on one store table to one person's rows (a GORM
// scope); pass it to EachPage, CountRows or DeleteInBatches.
type Filter = func(*gorm.DB) *gorm.DB

// FindStoreCustomer returns the store account with this normalized email,
// or models.ErrNotFound.
func FindStoreCustomer(ctx context.Context, db *gorm.DB, email string) (*Customer, error) {
	var c Customer
	err := db.WithContext(ctx).Where("email = ?", email).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find store customer: %w", err)
	}
	return &c, nil
}

// OwnedBy matches the rows of a table with a customer_id column that hang
// off the account customerID (0 matches nothing).
func OwnedBy(customerID int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("customer_id = ?", customerID) }
}

// PlacedBy matches the orders or support tickets of a person: those of their
// account, and guest ones (no customer id) carrying their normalized email.
// A row of another account is never matched, whatever its email.
func PlacedBy(customerID int64, email string) Filter {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where("(customer_id = ? OR (customer_id IS NULL AND lower(email) = ?))", customerID, email)
	}
}

// LinesOfOrders matches the order lines of the orders.
func LinesOfOrders(orderIDs []int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("order_id IN ?", orderIDs) }
}

// WarrantiesOfRegistrations matches the extended warranties of the product
// registrations.
func WarrantiesOfRegistrations(registrationIDs []int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("registration_id IN ?", registrationIDs) }
}

// MessagesOfTickets matches the support messages of the tickets.
func MessagesOfTickets(ticketIDs []int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("ticket_id IN ?", ticketIDs) }
}

// AttachmentsOfMessages matches the attachments of the support messages.
func AttachmentsOfMessages(messageIDs []int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("message_id IN ?", messageIDs) }
}

// AttachmentsOfTickets matches the attachments of every message of the
// tickets, in one query.
func AttachmentsOfTickets(ticketIDs []int64) Filter {
	return func(db *gorm.DB) *gorm.DB {
		messages := db.Session(&gorm.Session{NewDB: true}).Model(&SupportMessage{}).
			Select("id").Where("ticket_id IN ?", ticketIDs)
		return db.Where("message_id IN (?)", messages)
	}
}

// IDs matches the rows with these primary keys.
func IDs(ids []int64) Filter {
	return func(db *gorm.DB) *gorm.DB { return db.Where("id IN ?", ids) }
}

// storeRow is a store model with an int64 primary key, so EachPage can
// continue after the last row of a page.
type storeRow interface{ rowID() int64 }

func (r Customer) rowID() int64            { return r.ID }
func (r Address) rowID() int64             { return r.ID }
func (r MarketingPreference) rowID() int64 { return r.ID }
func (r ConsentChoice) rowID() int64       { return r.ID }
func (r Order) rowID() int64               { return r.ID }
func (r OrderLine) rowID() int64           { return r.ID }
func (r ProductRegistration) rowID() int64 { return r.ID }
func (r ExtendedWarranty) rowID() int64    { return r.ID }
func (r SupportTicket) rowID() int64       { return r.ID }
func (r SupportMessage) rowID() int64      { return r.ID }
func (r Attachment) rowID() int64          { return r.ID }
func (r ActivityRecord) rowID() int64      { return r.ID }

// EachPage reads the rows of T that filter matches in ascending id order,
// StoreBatchSize at a time, and calls fn with each page. It uses keyset
// pagination (WHERE id > last ORDER BY id LIMIT n), so each page costs the
// same however deep into the table it is, no more than one page is held in
// memory, and fn may change or delete the rows it was given. It stops at
// the first error, from the database or from fn, and returns it.
func EachPage[T storeRow](ctx context.Context, db *gorm.DB, filter Filter, fn func(page []T) error) error {
	var last int64
	for {
		var page []T
		err := db.WithContext(ctx).Scopes(filter).Where("id > ?", last).
			Order("id").Limit(StoreBatchSize).Find(&page).Error
		if err != nil {
			return fmt.Errorf("read %T page: %w", page, err)
		}
		if len(page) == 0 {
			return nil
		}
		last = page[len(page)-1].rowID()
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < StoreBatchSize {
			return nil
		}
	}
}

// IDsOf returns the primary keys of a page of rows.
func IDsOf[T storeRow](rows []T) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.rowID()
	}
	return ids
}

// CountRows counts the rows of model's table that filter matches.
func CountRows(ctx context.Context, db *gorm.DB, model any, filter Filter) (int, error) {
	var n int64
	if err := db.WithContext(ctx).Model(model).Scopes(filter).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count %T: %w", model, err)
	}
	return int(n), nil
}

// AgentNamesOfTickets returns the distinct names of the support agents who
// wrote on the tickets: other people's data, to be redacted from exports.
func AgentNamesOfTickets(ctx context.Context, db *gorm.DB, ticketIDs []int64) ([]string, error) {
	var names []string
	err := db.WithContext(ctx).Model(&SupportMessage{}).Distinct("author_name").
		Where("ticket_id IN ? AND author_kind = ? AND author_name <> ?", ticketIDs, AuthorAgent, "").
		Order("author_name").Pluck("author_name", &names).Error
	if err != nil {
		return nil, fmt.Errorf("agent names: %w", err)
	}
	return names, nil
}
