// Package demo fills an empty store database with a realistic, reproducible
// Kactoily.com customer base for `serve --demo` and for tests.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kactoily/privacydesk/store"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Customers the tests and the demo walk-through rely on.
const (
	// HeavyCustomerEmail has HeavyCustomerOrders orders of about three lines,
	// HeavyCustomerTickets tickets of 3–5 messages and about 5,000 page views.
	HeavyCustomerEmail = "heavy.buyer@example.com"
	// AlexMorganEmail is an ordinary customer with a little of everything:
	// two addresses, four orders (one still processing), a registration with
	// an expired paid warranty and one with an active paid warranty, tickets,
	// consents and activity. An older guest order and guest ticket carry the
	// same email without a customer id.
	AlexMorganEmail = "alex.morgan@example.com"
	// JaneDoeEmail and JaneDoeNetEmail are two different customers, both
	// named Jane Doe, who share the shipping address SharedAddressLine1.
	JaneDoeEmail    = "jane.doe@example.com"
	JaneDoeNetEmail = "jane.doe@example.net"
	// SharedAddressLine1 is the street line of the Jane Does' shared address
	// (Apt 2, Springfield IL 62704, US).
	SharedAddressLine1 = "1428 Elm Street"

	HeavyCustomerOrders  = 3000
	HeavyCustomerTickets = 300
)

var emptyCustomers = []struct{ first, last, email string }{
	{"Noah", "Fischer", "noah.fischer@example.org"},
	{"Maya", "Lindqvist", "maya.lindqvist@example.com"},
	{"Ravi", "Iyer", "ravi.iyer@example.net"},
	{"Clara", "Weber", "clara.weber@example.com"},
	{"Tobias", "Brandt", "tobias.brandt@example.org"},
	{"Nora", "Haddad", "nora.haddad@example.com"},
	{"Felix", "Okoro", "felix.okoro@example.net"},
	{"Elena", "Petrova", "elena.petrova@example.com"},
	{"Samir", "Benali", "samir.benali@example.org"},
	{"Ruth", "Adeyemi", "ruth.adeyemi@example.com"},
}

// EmptyCustomerEmails returns the emails of the accounts that hold nothing
// but the account row itself: no address, order, consent or activity.
func EmptyCustomerEmails() []string {
	out := make([]string, len(emptyCustomers))
	for i, c := range emptyCustomers {
		out[i] = c.email
	}
	return out
}

// Stats counts the rows Seed inserted per store table. Skipped is true, and
// every count zero, when the store already had customers.
type Stats struct {
	Skipped              bool
	Customers            int
	Addresses            int
	MarketingPreferences int
	ConsentChoices       int
	Orders               int
	OrderLines           int
	ProductRegistrations int
	ExtendedWarranties   int
	SupportTickets       int
	SupportMessages      int
	Attachments          int
	ActivityRecords      int
}

// Total returns the number of rows inserted.
func (s Stats) Total() int {
	return s.Customers + s.Addresses + s.MarketingPreferences + s.ConsentChoices + s.Orders + s.OrderLines +
		s.ProductRegistrations + s.ExtendedWarranties + s.SupportTickets + s.SupportMessages + s.Attachments +
		s.ActivityRecords
}

func (s Stats) String() string {
	if s.Skipped {
		return "store already has customers, not seeded"
	}
	return fmt.Sprintf("%d customers, %d addresses, %d marketing preferences, %d consent choices, "+
		"%d orders, %d order lines, %d product registrations, %d extended warranties, "+
		"%d support tickets, %d support messages, %d attachments, %d activity records",
		s.Customers, s.Addresses, s.MarketingPreferences, s.ConsentChoices, s.Orders, s.OrderLines,
		s.ProductRegistrations, s.ExtendedWarranties, s.SupportTickets, s.SupportMessages, s.Attachments,
		s.ActivityRecords)
}

const batchSize = 500

// Seed fills the store tables with about 300 customers and their histories
// when store_customers is empty, and otherwise returns Stats{Skipped: true}.
// The data depends only on now's UTC day, so seeding twice on the same day
// gives identical rows; every time lies before that day's midnight.
//
// Everything is written in one transaction: a failed or interrupted seed
// leaves the store empty (and seedable), never half filled. On PostgreSQL the
// table is locked first so concurrent instances seed once. Errors are the
// database's.
func Seed(ctx context.Context, db *gorm.DB, now time.Time) (Stats, error) {
	// Bulk inserts are slow queries by design: do not log them as warnings.
	db = db.WithContext(ctx).Session(&gorm.Session{Logger: db.Logger.LogMode(logger.Error)})
	var stats Stats
	err := db.Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("LOCK TABLE store_customers IN EXCLUSIVE MODE").Error; err != nil {
				return fmt.Errorf("lock store customers: %w", err)
			}
		}
		var n int64
		if err := tx.Model(&store.Customer{}).Count(&n).Error; err != nil {
			return fmt.Errorf("count store customers: %w", err)
		}
		if n > 0 {
			stats.Skipped = true
			return nil
		}
		var err error
		stats, err = insertPlan(tx, generate(now))
		return err
	})
	if err != nil {
		return Stats{}, fmt.Errorf("seed demo store: %w", err)
	}
	return stats, nil
}

// insertPlan writes parents before children, filling each child's foreign
// key from its parent's new id.
func insertPlan(tx *gorm.DB, p *plan) (Stats, error) {
	customers := p.customers
	if err := insertAll(tx, rowsOf("customers", customers)); err != nil {
		return Stats{}, err
	}
	customerID := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		id := customers[i].ID
		return &id
	}
	addresses := link(p.addresses, func(a *store.Address, i int) { a.CustomerID = customers[i].ID })
	prefs := link(p.prefs, func(m *store.MarketingPreference, i int) { m.CustomerID = customers[i].ID })
	consents := link(p.consents, func(c *store.ConsentChoice, i int) { c.CustomerID = customerID(i) })
	orders := link(p.orders, func(o *store.Order, i int) { o.CustomerID = customerID(i) })
	regs := link(p.regs, func(r *store.ProductRegistration, i int) { r.CustomerID = customerID(i) })
	tickets := link(p.tickets, func(t *store.SupportTicket, i int) { t.CustomerID = customerID(i) })
	activity := link(p.activity, func(a *store.ActivityRecord, i int) { a.CustomerID = customerID(i) })
	if err := insertAll(tx,
		rowsOf("addresses", addresses),
		rowsOf("marketing preferences", prefs),
		rowsOf("consent choices", consents),
		rowsOf("orders", orders),
		rowsOf("product registrations", regs),
		rowsOf("support tickets", tickets),
		rowsOf("activity records", activity),
	); err != nil {
		return Stats{}, err
	}

	lines := link(p.lines, func(l *store.OrderLine, i int) { l.OrderID = orders[i].ID })
	warranties := link(p.warranties, func(w *store.ExtendedWarranty, i int) {
		w.RegistrationID, w.CustomerID = regs[i].ID, regs[i].CustomerID
	})
	messages := link(p.messages, func(m *store.SupportMessage, i int) { m.TicketID = tickets[i].ID })
	if err := insertAll(tx,
		rowsOf("order lines", lines),
		rowsOf("extended warranties", warranties),
		rowsOf("support messages", messages),
	); err != nil {
		return Stats{}, err
	}
	attachments := link(p.attachments, func(a *store.Attachment, i int) { a.MessageID = messages[i].ID })
	if err := insertAll(tx, rowsOf("attachments", attachments)); err != nil {
		return Stats{}, err
	}

	return Stats{
		Customers: len(customers), Addresses: len(addresses), MarketingPreferences: len(prefs),
		ConsentChoices: len(consents), Orders: len(orders), OrderLines: len(lines),
		ProductRegistrations: len(regs), ExtendedWarranties: len(warranties),
		SupportTickets: len(tickets), SupportMessages: len(messages), Attachments: len(attachments),
		ActivityRecords: len(activity),
	}, nil
}

// link copies the rows out of their owned wrappers, letting set fill in the
// parent's id.
func link[T any](rows []owned[T], set func(row *T, parent int)) []T {
	out := make([]T, len(rows))
	for i := range rows {
		out[i] = rows[i].row
		set(&out[i], rows[i].parent)
	}
	return out
}

// table is a slice of rows to insert, named for error messages.
type table struct {
	what string
	n    int
	rows any // pointer to the slice, so GORM writes each new id back into it
}

func rowsOf[T any](what string, rows []T) table { return table{what, len(rows), &rows} }

// insertAll creates the tables' rows in batches, in order, stopping at the
// first error.
func insertAll(tx *gorm.DB, tables ...table) error {
	for _, t := range tables {
		if t.n == 0 {
			continue
		}
		if err := tx.CreateInBatches(t.rows, batchSize).Error; err != nil {
			return fmt.Errorf("insert %s: %w", t.what, err)
		}
	}
	return nil
}
