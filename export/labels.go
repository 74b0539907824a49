package export

import (
	"strings"
	"unicode"

	"github.com/kactoily/privacydesk/store"
)

// kindSpec is how index.html shows one kind of record: its names and the
// columns a person reads, each a label over one or more fields. A child
// kind is shown under its parent, found by the parent's id in parentField.
type kindSpec struct {
	one, many   string // "order", "Orders"
	single      bool   // one record expected: shown as a list of facts, not a table
	parent      string
	parentField string
	hasChildren bool
	sortBy      string // the date field that orders records latest first; else the id
	columns     []column
}

// column is one readable value: the fields joined by sep (", " if empty).
type column struct {
	label  string
	fields []string
	sep    string
	long   bool // free text shown as a paragraph under a child's line
}

func col(label string, fields ...string) column { return column{label: label, fields: fields} }

var kindSpecs = map[string]kindSpec{
	"customer": {one: "account", many: "Account details", single: true, columns: []column{
		{label: "Name", fields: []string{"first_name", "last_name"}, sep: " "},
		col("Email", "email"), col("Phone", "phone"), col("Date of birth", "date_of_birth"),
		col("Account opened", "created_at"), col("Last changed", "updated_at"), col("Last signed in", "last_login_at"),
	}},
	"address": {one: "address", many: "Saved addresses", columns: []column{
		col("Type", "kind"), col("Name", "recipient_name"),
		col("Address", "line1", "line2", "city", "region", "postal_code", "country"), col("Phone", "phone"),
	}},
	"marketing_preference": {one: "marketing preference", many: "Marketing preferences", single: true, columns: []column{
		col("Marketing email", "email_marketing"), col("Text messages", "sms_marketing"),
		col("Personalized advertising", "personalized_ads"), col("Sale or sharing of your data", "sale_sharing"),
		col("Analytics", "analytics"), col("Last changed", "updated_at"),
	}},
	"consent_choice": {one: "cookie choice", many: "Cookie choices", sortBy: "recorded_at", columns: []column{
		col("Cookies", "category"), col("Your choice", "granted"), col("When", "recorded_at"),
		col("IP address", "ip_address"), col("Visitor ID", "visitor_id"), col("Browser", "user_agent"),
	}},
	"order": {one: "order", many: "Orders", hasChildren: true, sortBy: "placed_at", columns: []column{
		col("Order", "number"), col("Placed", "placed_at"), col("Status", "status"), col("Total", "total_cents"),
		col("Email and phone", "email", "phone"),
		col("Shipped to", "shipping_name", "shipping_line1", "shipping_line2", "shipping_city", "shipping_region",
			"shipping_postal_code", "shipping_country"),
		col("Payment", "payment_provider", "payment_reference"),
	}},
	"order_line": {one: "order line", many: "Order lines", parent: "order", parentField: "order_id", columns: []column{
		col("Product", "product_name"), col("SKU", "sku"), col("Quantity", "quantity"), col("Unit price", "unit_price_cents"),
	}},
	"product_registration": {one: "product registration", many: "Registered products", hasChildren: true, sortBy: "registered_at", columns: []column{
		col("Product", "product_name"), col("SKU", "sku"), col("Serial number", "serial_number"),
		col("Bought", "purchased_at"), col("Registered", "registered_at"),
	}},
	"extended_warranty": {one: "extended warranty", many: "Extended warranties", parent: "product_registration",
		parentField: "registration_id", columns: []column{
			col("Plan", "plan"), col("Price", "price_cents"), col("Paid", "paid"), col("From", "starts_at"), col("Until", "ends_at"),
		}},
	"support_ticket": {one: "support ticket", many: "Support tickets", hasChildren: true, sortBy: "created_at", columns: []column{
		col("Subject", "subject"), col("Opened", "created_at"), col("Channel", "channel"), col("Status", "status"),
		col("Closed", "closed_at"), col("Email", "email"),
	}},
	"support_message": {one: "message", many: "Support messages", parent: "support_ticket", parentField: "ticket_id",
		hasChildren: true, columns: []column{
			col("From", "author_name"), col("Sender", "author_kind"), col("Sent", "sent_at"),
			{label: "Message", fields: []string{"body"}, long: true},
		}},
	"attachment": {one: "attachment", many: "Attachments", parent: "support_message", parentField: "message_id", columns: []column{
		col("File", "file_name"), col("Type", "content_type"), col("Size", "size_bytes"), col("Stored as", "storage_key"),
	}},
	"page_view": {one: "page visit", many: "Website visits", sortBy: "occurred_at", columns: []column{
		col("When", "occurred_at"), col("Page", "page_url"), col("Came from", "referrer"), col("Browser", "browser"),
		col("Operating system", "os"), col("IP address", "ip_address"), col("Visitor ID", "visitor_id"),
	}},
}

// specFor returns the kind's spec; an unknown kind gets readable names
// and, per record, one column per field.
func specFor(kind string) kindSpec {
	if s, ok := kindSpecs[kind]; ok {
		return s
	}
	h := humanize(kind)
	return kindSpec{one: strings.ToLower(h), many: h + " records"}
}

// specColumns returns the columns of spec for rec (every field, for a kind
// without a spec).
func specColumns(spec kindSpec, rec store.Record) []column {
	if spec.columns != nil && fitsRecord(spec.columns, rec) {
		return spec.columns
	}
	labels := map[string]int{}
	for _, f := range rec.Fields {
		labels[f.Label]++
	}
	cols := make([]column, 0, len(rec.Fields))
	for _, f := range rec.Fields {
		label := f.Label
		if label == "" || labels[label] > 1 { // a key/value row's two fields share the key's label
			label = humanize(f.Name)
		}
		cols = append(cols, col(label, f.Name))
	}
	return cols
}

// fitsRecord reports whether the kind's columns suit rec: they find a
// field for every column, or they show every field rec has. A kind of
// another store's dataset named like one of the demo store's (customer,
// order) has other fields, shown under their own labels.
func fitsRecord(cols []column, rec store.Record) bool {
	shown := map[string]bool{}
	all := true
	for _, c := range cols {
		found := false
		for _, name := range c.fields {
			shown[name] = true
			found = found || fieldIndex(rec, name) >= 0
		}
		all = all && found
	}
	if all {
		return true
	}
	for _, f := range rec.Fields {
		if !shown[f.Name] {
			return false
		}
	}
	return true
}

func fieldIndex(rec store.Record, name string) int {
	for i, f := range rec.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// sourceTitle is the source's title for the customer, else its name in words.
func sourceTitle(src Source) string {
	if t := src.Label(); t != "" {
		return t
	}
	return humanize(src.Name())
}

// valueWords are the words shown for stored codes; {org} is the
// organization's name (Facts.Store).
var valueWords = map[string]string{
	"paypal": "PayPal", "agent": "{org} support", "customer": "you",
	"shipping": "Shipping", "billing": "Billing",
	"necessary": "Strictly necessary", "analytics": "Analytical/performance",
	"functionality": "Functionality", "advertising": "Advertising",
}

// humanize turns a stored name such as "shipping_postal_code" into
// "Shipping postal code".
func humanize(name string) string {
	s := strings.TrimSpace(strings.ReplaceAll(name, "_", " "))
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
