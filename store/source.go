package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// A Source is one place in the store that holds personal data about a
// customer (DESIGN.md, "Records collected"). It finds the person's records
// by their verified, normalized email and by the customer id of their
// account (never by name or address), streams them for an access export,
// and plans and carries out their erasure.
//
// Every method reads and writes in pages of StoreBatchSize rows, so
// memory and lock times stay bounded whatever the history size. Erase works
// in short transactions and is idempotent: after an interruption, calling it
// again finishes the work without erasing anything twice, and once finished
// a further call changes nothing and reports nothing.
type Source interface {
	// Name is the source's stable name: account, orders, warranty, support
	// or activity.
	Name() string
	// Label is the source's title for the customer, such as "Your account".
	Label() string
	// Collect calls emit with every record of the subject, page by page,
	// and returns how many records of each kind it emitted. Records of one
	// kind always carry the same fields in the same order (a CSV header can
	// be taken from the first one); a child record (order_line, say) comes
	// after its parent and names it in a field (order_id). An unknown email
	// yields no record and no error. It stops at the first error from the
	// database or from emit and returns it with the counts so far.
	Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error)
	// PlanErasure is Erase's dry run: it changes nothing and returns
	// exactly what Erase would do at now.
	PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error)
	// Erase deletes or anonymizes the subject's records as planned and
	// returns what this call did; with an error, what it did before it.
	// Errors are the database's, or
	// models.EConflict for an account that other sources still link to.
	Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error)
}

// Compile-time checks that every source implements Source.
var (
	_ Source = (*AccountSource)(nil)
	_ Source = (*OrdersSource)(nil)
	_ Source = (*WarrantySource)(nil)
	_ Source = (*SupportSource)(nil)
	_ Source = (*ActivitySource)(nil)
)

// Sources returns one of each source with default settings, in the order
// they are shown and exported: account, orders, warranty, support, activity.
func Sources() []Source {
	return []Source{&AccountSource{}, &OrdersSource{}, &WarrantySource{}, &SupportSource{}, &ActivitySource{}}
}

// ErasureOrder returns the sources of Sources in the order they must be
// erased: the account last. Deleting the customer row unlinks every other
// table from it (ON DELETE SET NULL), after which their rows could no
// longer be found; AccountSource.Erase therefore refuses to run while other
// sources still link to the customer.
func ErasureOrder(sources []Source) []Source {
	var out []Source
	var account []Source
	for _, s := range sources {
		if s.Name() == SourceAccount {
			account = append(account, s)
		} else {
			out = append(out, s)
		}
	}
	return append(out, account...)
}

// Subject identifies whose records to find: the verified email. Sources
// normalize it (NormalizeEmail) before use.
type Subject struct{ Email string }

// Record is one row found about the subject, as fields ready for export.
type Record struct {
	Kind   string // such as customer, order, order_line, support_message
	ID     int64  // the row's id in its store table
	Fields []Field
}

// Field is one value of a record with what the privacy policy says about
// it: why it is held and how long. Value is a string, int64, int, bool,
// time.Time (UTC) or nil. A Redacted field's Value is a replacement, because
// the original is another person's data (a support agent's name).
type Field struct {
	Name      string
	Value     any
	Category  string // one of the Category* constants
	Purpose   string
	Retention string
	Redacted  bool
}

// Field categories, as the privacy policy groups personal information.
const (
	CategoryContact  = "contact"
	CategoryAddress  = "address"
	CategoryPurchase = "purchase"
	CategoryDevice   = "device"
	CategorySupport  = "support"
	CategoryUsage    = "usage"
)

// Counts is the number of records per kind.
type Counts map[string]int

// Erasure actions.
const (
	ActionDelete    = "delete"
	ActionAnonymize = "anonymize" // personal fields removed, row kept
	ActionKeep      = "keep"      // kept as is: holds no personal data itself
)

// Plan is what erasing a source does to the subject's records: one item per
// record kind and action that applies to at least one row, in a fixed order.
type Plan struct {
	Source string
	Items  []PlanItem
}

// PlanItem is one action on Count records of one kind, with the reason,
// written for the customer's summary (for keep and anonymize, the legal
// ground for keeping the row).
type PlanItem struct {
	Kind   string
	Action string
	Count  int
	Reason string
	// Until is, for records kept for a period, the day the last of them is
	// due to be deleted, and UntilFirst the day the first of them is; both
	// are nil for records kept without end (anonymous statistics) and for
	// deleted ones.
	Until      *time.Time `json:",omitempty"`
	UntilFirst *time.Time `json:",omitempty"`
}

// keptUntil widens the item's kept-until range to take in u (nil: no change).
func (it *PlanItem) keptUntil(u *time.Time) {
	if u == nil {
		return
	}
	v := u.UTC()
	if it.Until == nil || v.After(*it.Until) {
		last := v
		it.Until = &last
	}
	if it.UntilFirst == nil || v.Before(*it.UntilFirst) {
		first := v
		it.UntilFirst = &first
	}
}

// Result is what Erase did, in the same shape as the Plan it carries out.
type Result = Plan

// Count returns the number of records of kind under action.
func (p Plan) Count(kind, action string) int {
	n := 0
	for _, it := range p.Items {
		if it.Kind == kind && it.Action == action {
			n += it.Count
		}
	}
	return n
}

// Total returns the number of records under action, all kinds together.
func (p Plan) Total(action string) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == action {
			n += it.Count
		}
	}
	return n
}

// Source names.
const (
	SourceAccount  = "account"
	SourceOrders   = "orders"
	SourceWarranty = "warranty"
	SourceSupport  = "support"
	SourceActivity = "activity"
)

// policy is what the privacy policy says about one kind of record.
type policy struct{ purpose, retention string }

func (p policy) field(name string, v any, category string) Field {
	return Field{Name: name, Value: v, Category: category, Purpose: p.purpose, Retention: p.retention}
}

// tally accumulates a plan or result over pages; its items are declared up
// front so plans and results list them in the same order.
type tally struct{ plan Plan }

func newTally(source string, items ...PlanItem) *tally {
	return &tally{Plan{Source: source, Items: items}}
}

func (t *tally) add(kind, action string, n int) {
	for i := range t.plan.Items {
		if it := &t.plan.Items[i]; it.Kind == kind && it.Action == action {
			it.Count += n
			return
		}
	}
	t.plan.Items = append(t.plan.Items, PlanItem{Kind: kind, Action: action, Count: n})
}

// keepUntil records that records of kind under action are kept until u.
func (t *tally) keepUntil(kind, action string, u time.Time) {
	for i := range t.plan.Items {
		if it := &t.plan.Items[i]; it.Kind == kind && it.Action == action {
			it.keptUntil(&u)
			return
		}
	}
}

// done returns the plan without the items that apply to nothing.
func (t *tally) done() Plan {
	p := Plan{Source: t.plan.Source}
	for _, it := range t.plan.Items {
		if it.Count > 0 {
			p.Items = append(p.Items, it)
		}
	}
	return p
}

// findCustomer returns the subject's normalized email and their store
// account, nil when they have none (guest records are still found by email).
func findCustomer(ctx context.Context, db *gorm.DB, s Subject) (string, *Customer, error) {
	email := models.NormalizeEmail(s.Email)
	if email == "" {
		return "", nil, models.Errorf(models.EInvalid, "The subject has no email address.")
	}
	c, err := FindStoreCustomer(ctx, db, email)
	if errors.Is(err, models.ErrNotFound) {
		return email, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	return email, c, nil
}

// findPerson returns the subject's normalized email and account id, 0 when
// they have none: no row has customer id 0, so filters on it match only by
// email.
func findPerson(ctx context.Context, db *gorm.DB, s Subject) (string, int64, error) {
	email, c, err := findCustomer(ctx, db, s)
	if c == nil {
		return email, 0, err
	}
	return email, c.ID, err
}

// utc returns t in UTC, or nil for a nil time, so exports never depend on
// the database driver's time zone.
func utc(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// eraseReason is the reason shown for records deleted at the customer's request.
const eraseReason = "Deleted at your request (GDPR Art. 17, CCPA §1798.105)."

// MergeResults adds what a resumed Erase did to what earlier runs did.
func MergeResults(source string, a, b Result) Result {
	t := newTally(source, a.Items...)
	for _, it := range b.Items {
		t.add(it.Kind, it.Action, it.Count)
		for i := range t.plan.Items {
			if t.plan.Items[i].Kind == it.Kind && t.plan.Items[i].Action == it.Action {
				if t.plan.Items[i].Reason == "" {
					t.plan.Items[i].Reason = it.Reason
				}
				t.plan.Items[i].keptUntil(it.Until)
				t.plan.Items[i].keptUntil(it.UntilFirst)
			}
		}
	}
	return t.done()
}
