package store

// The types below are what a dataset file says, field for field: the YAML
// decodes into them strictly (an unknown field is an error). A file
// describes how a person is found in the store's database (Person) and
// the sources that hold their data (Sources), each a tree of tables. The
// engine (Engine) reads and erases rows only as these types say; nothing
// of any store's schema is written in Go.
//
// A minimal file:
//
//	person:
//	  table: customers
//	  email: email
//	sources:
//	  - name: account
//	    label: Your account
//	    erase_order: 100
//	    tables:
//	      - table: customers
//	        kind: customer
//	        belongs: {person: true}
//	        columns:
//	          - {name: email, category: contact}

// DatasetFile is one dataset file.
type DatasetFile struct {
	// Person says how a person's account row is found; at most one of the
	// loaded files may have it. Without one, tables can belong to a person
	// only by an email column.
	Person *PersonSpec `yaml:"person"`
	// Sources are the places in the store holding personal data, in the
	// order they are shown and exported.
	Sources []SourceSpec `yaml:"sources"`

	// Path is the file the spec was read from ("" for one built from Go);
	// set by the loader, never read from YAML.
	Path string `yaml:"-"`
}

// PersonSpec is the table of the store's accounts: one row per person,
// found by their normalized email. Its id is the "customer id" other
// tables link to.
type PersonSpec struct {
	// Table is the accounts table, such as store_customers.
	Table string `yaml:"table"`
	// ID is its primary key column ("" means id).
	ID string `yaml:"id"`
	// Email is the column holding the account's email.
	Email string `yaml:"email"`
	// EmailNormalized says the email column holds addresses already
	// normalized (trimmed, lower case), so it is compared with = and its
	// index serves; otherwise lower(column) is compared.
	EmailNormalized bool `yaml:"email_normalized"`
	// Index names the index the lookup by email relies on (documentation,
	// checked by `datasets check` where the database can tell).
	Index string `yaml:"index"`
	// Proofs are values only the person should know, asked for by the
	// stronger verification of access and deletion requests.
	Proofs []ProofSpec `yaml:"proofs"`
	// Correct maps a correctable field (name, email, phone) to the columns
	// of the person table holding it. A name given two columns is split at
	// its last space: the last word goes to the second column.
	Correct map[string][]string `yaml:"correct"`
	// OptOuts are the switches an opt-out request turns off.
	OptOuts []OptOutSpec `yaml:"opt_outs"`
}

// ProofSpec is one kind of identity proof: the values of Column in the
// person's rows of Table (a table of some source whose rows belong to the
// person directly, by customer id or email).
type ProofSpec struct {
	// Kind is order_number or serial_number.
	Kind   string `yaml:"kind"`
	Table  string `yaml:"table"`
	Column string `yaml:"column"`
}

// OptOutSpec is what one opt-out scope switches off in one table: the
// person's rows of Table (a source's table belonging to them directly)
// matching Where get Columns set to false and Stamp set to now.
type OptOutSpec struct {
	// Scope is an opt-out scope: marketing_email, sale_sharing or analytics.
	Scope string `yaml:"scope"`
	Table string `yaml:"table"`
	// Counts says how the change is reported: setting (an account
	// setting switched off) or consent (a cookie permission withdrawn).
	Counts string `yaml:"counts"`
	// Where restricts the rows: column → value, all must match.
	Where map[string]string `yaml:"where"`
	// Columns are the boolean columns switched off; a row is changed
	// (and counted) only if one of them is on.
	Columns []string `yaml:"columns"`
	// Stamp is a time column set to now on a changed row ("" for none).
	Stamp string `yaml:"stamp"`
}

// SourceSpec is one source: a named group of tables exported together
// and erased together.
type SourceSpec struct {
	// Name is the source's stable name (lower case, such as orders).
	Name string `yaml:"name"`
	// Label is the export's title for it, such as "Your orders".
	Label string `yaml:"label"`
	// Purpose says, for the export, why the source's data is held.
	Purpose string `yaml:"purpose"`
	// Categories are the category words the export states for it
	// (contact, address, purchase, device, support, usage).
	Categories []string `yaml:"categories"`
	// EraseOrder is the source's position when erasing: lower first,
	// equal ones in file order. The source holding the person table must
	// come last: deleting the account unlinks everything else.
	EraseOrder int `yaml:"erase_order"`
	// ThirdParties are other people named in the source's rows (support
	// agents), redacted from the export.
	ThirdParties []ThirdPartySpec `yaml:"third_parties"`
	// Tables are the source's tables, parents before children.
	Tables []TableSpec `yaml:"tables"`
}

// ThirdPartySpec finds other people's names: the distinct values of
// NameColumn in the rows of Table (one of the source's tables) that
// match Where, under the same root rows as the record being exported.
type ThirdPartySpec struct {
	Table      string            `yaml:"table"`
	NameColumn string            `yaml:"name_column"`
	Where      map[string]string `yaml:"where"`
	// Placeholder replaces each name, such as "Kactoily support".
	Placeholder string `yaml:"placeholder"`
}

// TableSpec is one table of a source and the records it yields.
type TableSpec struct {
	// Table is the table's name in the database.
	Table string `yaml:"table"`
	// Kind is the record kind its rows export as, such as order_line.
	Kind string `yaml:"kind"`
	// ID is its integer primary key column ("" means id).
	ID string `yaml:"id"`
	// Purpose and Retention are what the privacy policy says about its
	// records; a column may override them.
	Purpose   string `yaml:"purpose"`
	Retention string `yaml:"retention"`
	// Belongs says how a row belongs to the person.
	Belongs BelongsSpec `yaml:"belongs"`
	// Index names the index the lookup relies on (documentation, checked
	// by `datasets check` where the database can tell).
	Index string `yaml:"index"`
	// EmailIndex names the index on lower(email column) that finds guest
	// rows by email (belongs.email); without one, every lookup reads all
	// rows without an account. Checked like Index.
	EmailIndex string `yaml:"email_index"`
	// Columns are exported, in this order, as the record's fields.
	Columns []ColumnSpec `yaml:"columns"`
	// Never lists columns that are never exported (password hashes,
	// internal flags); stated so a reviewer sees they were considered.
	Never []string `yaml:"never"`
	// Meta makes this a key/value table: each row is one field of the
	// person, named by its key column; only the listed keys are exported
	// and erased.
	Meta *MetaSpec `yaml:"meta"`
	// Erase says what erasure does to the rows.
	Erase EraseSpec `yaml:"erase"`
	// Words name the records for the customer, in the export and in the
	// deletion summary (nil: words made from the kind).
	Words *WordsSpec `yaml:"words"`
	// Show says how the export's readable index.html shows the records
	// (nil: a table with one column per field, latest first by id).
	Show *ShowSpec `yaml:"show"`
}

// BelongsSpec says how a row belongs to the person; exactly one way is
// given: Person, Parent, or CustomerID and/or Email.
type BelongsSpec struct {
	// Person marks the person table itself (PersonSpec.Table).
	Person bool `yaml:"person"`
	// CustomerID is the column holding the person's account id.
	CustomerID string `yaml:"customer_id"`
	// Email is the column holding the person's email; compared
	// case-insensitively with the normalized email. With CustomerID too,
	// a row matches by email only when it has no account (guest rows):
	// CustomerID is NULL or GuestID.
	Email string `yaml:"email"`
	// GuestID is the customer id value guest rows carry besides NULL
	// (such as 0); nil when only NULL means guest.
	GuestID *int64 `yaml:"guest_id"`
	// Parent links the row to a row of another table of the same source
	// that belongs to the person (order_lines.order_id → orders.id);
	// chains of parents make paths through several tables.
	Parent *ParentSpec `yaml:"parent"`
}

// ParentSpec is one step of a path: Column of this table holds the
// parent table's Key.
type ParentSpec struct {
	Table  string `yaml:"table"`
	Column string `yaml:"column"`
	// Key is the parent's column referenced ("" means its id).
	Key string `yaml:"key"`
}

// ColumnSpec is one exported column.
type ColumnSpec struct {
	Name string `yaml:"name"`
	// Label is a readable title for the field ("" for none).
	Label string `yaml:"label"`
	// Category is one of contact, address, purchase, device, support, usage.
	Category string `yaml:"category"`
	// Purpose and Retention override the table's.
	Purpose   string `yaml:"purpose"`
	Retention string `yaml:"retention"`
	// Type is how the value is exported: string, int, int64, bool or time
	// (UTC); "" keeps the driver's value (bytes become a string).
	Type string `yaml:"type"`
	// Redact replaces the source's third parties' names inside the text.
	Redact bool `yaml:"redact"`
	// RedactWhen replaces the whole value by the placeholder when the
	// row's other columns have these values (an agent's own name as a
	// message author).
	RedactWhen map[string]string `yaml:"redact_when"`
	// Values are the words a person reads for the column's stored codes
	// ("paypal": "PayPal"; a bool column's "true" and "false"), {org}
	// standing for the organization's name. A code not listed is shown
	// as words made from it; a column without values shows what is stored.
	Values map[string]string `yaml:"values"`
}

// MetaSpec describes a key/value table.
type MetaSpec struct {
	KeyColumn   string `yaml:"key_column"`
	ValueColumn string `yaml:"value_column"`
	// Keys are the keys holding the person's data; rows with other keys
	// are neither exported nor erased.
	Keys []MetaKeySpec `yaml:"keys"`
}

// MetaKeySpec is one key of a key/value table.
type MetaKeySpec struct {
	Key       string `yaml:"key"`
	Label     string `yaml:"label"`
	Category  string `yaml:"category"`
	Purpose   string `yaml:"purpose"`
	Retention string `yaml:"retention"`
	// Erase is delete (the row goes, the default) or set (the value
	// column becomes Set).
	Erase string   `yaml:"erase"`
	Set   *SetSpec `yaml:"set"`
	// Never keeps the key's rows out of every export while erasure still
	// applies to them (login sessions, one-time keys).
	Never bool `yaml:"never"`
}

// EraseSpec says what erasure does to a table's rows: by default, delete
// them. With Keep, the rows for which its condition holds are kept (and
// changed as Keep.Action says) until it stops holding, when the daily
// retention job applies Keep.Then.
type EraseSpec struct {
	// Action is delete (the default) or anonymize (the row stays with Set
	// applied: statistics kept without end).
	Action string `yaml:"action"`
	// Reason is what the customer reads for the rows deleted or
	// anonymized ("" gives the standard deleted-at-your-request reason).
	Reason string `yaml:"reason"`
	// Set are the column changes of anonymize, for Action and for kept
	// rows whose Keep.Action is anonymize.
	Set []SetSpec `yaml:"set"`
	// Mark is a nullable time column set to now when a row is anonymized:
	// rows with it set are not anonymized again, and the retention job
	// finds the kept rows by it.
	Mark string `yaml:"mark"`
	// Keep keeps some rows for a legal reason.
	Keep *KeepSpec `yaml:"keep"`
	// Summary is what the deletion summary email says of the rows
	// deleted or anonymized by Action (nil: the counted words, and Reason
	// for anonymized rows).
	Summary *SummarySpec `yaml:"summary"`
}

// SetSpec is one column change: to NULL (to_null: true), to a fixed Value, or to a
// Pattern where {id} is the row's id (erased+order.{id}@anonymized.invalid
// keeps a unique column unique).
type SetSpec struct {
	Column  string  `yaml:"column"`
	ToNull  bool    `yaml:"to_null"`
	Value   *string `yaml:"value"`
	Pattern string  `yaml:"pattern"`
}

// KeepSpec is a keep rule: the row is kept while every given condition
// holds, until the date they stop holding.
type KeepSpec struct {
	// Reason is the legal reason the customer reads; required.
	Reason string `yaml:"reason"`
	// Action is what happens to a kept row now: anonymize (Set applied,
	// the default) or keep (unchanged; it holds no personal data itself).
	Action string `yaml:"action"`
	// Within keeps a row while Column is less than Years old.
	Within *WithinSpec `yaml:"within"`
	// Future keeps a row while this time column is after now.
	Future string `yaml:"future"`
	// WhileTrue keeps a row only while these boolean columns are true.
	WhileTrue []string `yaml:"while_true"`
	// WithChildren keeps a row while one of its rows in this child table
	// (a table of the source whose parent it is) is kept, until the last
	// of them goes.
	WithChildren string `yaml:"with_children"`
	// WithParent keeps a row as long as its parent row is kept.
	WithParent bool `yaml:"with_parent"`
	// Then is what the retention job does once the rule stops holding:
	// delete (the default).
	Then string `yaml:"then"`
	// Summary is what the deletion summary email says of the kept rows
	// (nil: "for this reason: " and Reason).
	Summary *SummarySpec `yaml:"summary"`
}

// WithinSpec is a period counted from a time column.
type WithinSpec struct {
	Column string `yaml:"column"`
	Years  int    `yaml:"years"`
}
