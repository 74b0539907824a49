package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// AccountSource holds the customer profile, saved addresses, marketing
// preferences and cookie/consent choices made while signed in.
//
// Erasure deletes all of them. The salted hash of the email that keeps the
// person off mailing lists lives in Privacy Desk's suppression list, not
// here, and is added by the deletion workflow. Consent choices made by the
// same browser before signing in carry no customer id and are not touched:
// the visitor cookie may be shared with other people, so they cannot be
// attributed to the subject.
type AccountSource struct{}

// Name returns "account".
func (*AccountSource) Name() string { return SourceAccount }

// Label returns "Your account".
func (*AccountSource) Label() string { return "Your account" }

var (
	customerPolicy = policy{
		"Set up and authenticate your account on the website; communicate with you about your orders and our products.",
		"Until you close your account or ask us to delete it; then deleted.",
	}
	addressPolicy = policy{
		"Facilitate your purchases and deliver the products you request.",
		"Until you remove the address, close your account or ask us to delete it; then deleted.",
	}
	preferencePolicy = policy{
		"Send you marketing only if you opted in, and respect your choices on personalized advertising, sale/sharing and analytics.",
		"Until you close your account or ask us to delete it; then deleted (a salted hash of your email stays on our suppression list so you are never mailed again).",
	}
	consentPolicy = policy{
		"Record your cookie choices (strictly necessary, analytical/performance, functionality, advertising) and prove them; ensure the security of the website.",
		"Until you close your account or ask us to delete it; then deleted.",
	}
)

// Collect emits the customer, their addresses, marketing preference and
// consent choices. A subject without an account yields nothing.
func (a *AccountSource) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	_, c, err := findCustomer(ctx, db, s)
	if err != nil || c == nil {
		return counts, err
	}
	id := c.ID
	out := func(r Record) error { counts[r.Kind]++; return emit(r) }
	if err := out(customerRecord(c)); err != nil {
		return counts, err
	}
	err = EachPage(ctx, db, OwnedBy(id), func(page []Address) error {
		for i := range page {
			if err := out(addressRecord(&page[i])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return counts, err
	}
	err = EachPage(ctx, db, OwnedBy(id), func(page []MarketingPreference) error {
		for i := range page {
			if err := out(preferenceRecord(&page[i])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return counts, err
	}
	err = EachPage(ctx, db, OwnedBy(id), func(page []ConsentChoice) error {
		for i := range page {
			if err := out(consentRecord(&page[i])); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, err
}

func customerRecord(c *Customer) Record {
	p := customerPolicy
	return Record{Kind: "customer", ID: c.ID, Fields: []Field{
		p.field("email", c.Email, CategoryContact),
		p.field("first_name", c.FirstName, CategoryContact),
		p.field("last_name", c.LastName, CategoryContact),
		p.field("phone", c.Phone, CategoryContact),
		p.field("date_of_birth", utc(c.DateOfBirth), CategoryContact),
		p.field("created_at", c.CreatedAt.UTC(), CategoryUsage),
		p.field("updated_at", c.UpdatedAt.UTC(), CategoryUsage),
		p.field("last_login_at", utc(c.LastLoginAt), CategoryUsage),
	}}
}

func addressRecord(a *Address) Record {
	p := addressPolicy
	return Record{Kind: "address", ID: a.ID, Fields: []Field{
		p.field("kind", a.Kind, CategoryAddress),
		p.field("recipient_name", a.RecipientName, CategoryAddress),
		p.field("line1", a.Line1, CategoryAddress),
		p.field("line2", a.Line2, CategoryAddress),
		p.field("city", a.City, CategoryAddress),
		p.field("region", a.Region, CategoryAddress),
		p.field("postal_code", a.PostalCode, CategoryAddress),
		p.field("country", a.Country, CategoryAddress),
		p.field("phone", a.Phone, CategoryContact),
	}}
}

func preferenceRecord(m *MarketingPreference) Record {
	p := preferencePolicy
	return Record{Kind: "marketing_preference", ID: m.ID, Fields: []Field{
		p.field("email_marketing", m.EmailMarketing, CategoryContact),
		p.field("sms_marketing", m.SMSMarketing, CategoryContact),
		p.field("personalized_ads", m.PersonalizedAds, CategoryContact),
		p.field("sale_sharing", m.SaleSharing, CategoryContact),
		p.field("analytics", m.Analytics, CategoryContact),
		p.field("updated_at", m.UpdatedAt.UTC(), CategoryUsage),
	}}
}

func consentRecord(c *ConsentChoice) Record {
	p := consentPolicy
	return Record{Kind: "consent_choice", ID: c.ID, Fields: []Field{
		p.field("category", c.Category, CategoryUsage),
		p.field("granted", c.Granted, CategoryUsage),
		p.field("recorded_at", c.RecordedAt.UTC(), CategoryUsage),
		p.field("visitor_id", c.VisitorID, CategoryDevice),
		p.field("ip_address", c.IPAddress, CategoryDevice),
		p.field("user_agent", c.UserAgent, CategoryDevice),
	}}
}

// PlanErasure counts the account rows Erase would delete.
func (a *AccountSource) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, _ time.Time) (Plan, error) {
	return a.erase(ctx, db, s, true)
}

// Erase deletes the consent choices, addresses, marketing preference and
// finally the customer row. It returns a models.EConflict error, and
// changes nothing, while orders, registrations, warranties, tickets or
// activity still link to the customer: erase those sources first
// (ErasureOrder), or deleting the account would leave them unlinked but
// full of personal data.
func (a *AccountSource) Erase(ctx context.Context, db *gorm.DB, s Subject, _ time.Time) (Result, error) {
	return a.erase(ctx, db, s, false)
}

func (a *AccountSource) erase(ctx context.Context, db *gorm.DB, s Subject, dry bool) (Plan, error) {
	t := newTally(SourceAccount,
		PlanItem{Kind: "consent_choice", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "address", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "marketing_preference", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "customer", Action: ActionDelete, Reason: eraseReason},
	)
	_, c, err := findCustomer(ctx, db, s)
	if err != nil || c == nil {
		return t.done(), err
	}
	id := c.ID
	children := []struct {
		kind  string
		model any
	}{
		{"consent_choice", &ConsentChoice{}},
		{"address", &Address{}},
		{"marketing_preference", &MarketingPreference{}},
	}
	if dry {
		for _, c := range children {
			n, err := CountRows(ctx, db, c.model, OwnedBy(id))
			if err != nil {
				return t.done(), err
			}
			t.add(c.kind, ActionDelete, n)
		}
		t.add("customer", ActionDelete, 1)
		return t.done(), nil
	}
	if err := checkUnlinked(ctx, db, id); err != nil {
		return t.done(), err
	}
	for _, c := range children {
		n, err := DeleteInBatches(ctx, db, c.model, OwnedBy(id))
		t.add(c.kind, ActionDelete, n)
		if err != nil {
			return t.done(), err
		}
	}
	// The check and the delete share a transaction so a row linked in
	// between cannot lose its link unnoticed.
	var deleted int
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkUnlinked(ctx, tx, id); err != nil {
			return err
		}
		deleted, err = DeleteRows(ctx, tx, &Customer{}, []int64{id})
		return err
	})
	if err != nil {
		return t.done(), err
	}
	t.add("customer", ActionDelete, deleted)
	return t.done(), nil
}

// checkUnlinked returns an EConflict error naming the tables that still
// link to the customer.
func checkUnlinked(ctx context.Context, db *gorm.DB, customerID int64) error {
	linked, err := LinkedRows(ctx, db, customerID)
	if err != nil || len(linked) == 0 {
		return err
	}
	var parts []string
	for table, n := range linked {
		parts = append(parts, fmt.Sprintf("%d %s", n, table))
	}
	sort.Strings(parts)
	return models.Errorf(models.EConflict,
		"The account cannot be deleted yet: %s still belong to it; erase the other sources first.", strings.Join(parts, ", "))
}
