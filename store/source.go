package store

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"gorm.io/gorm"
)

// A Source is one place in the store that holds personal data about a
// customer (docs/design.md, "Records collected"). It finds the person's records
// by their verified, normalized email and by the customer id of their
// account (never by name or address), streams them for an access export,
// and plans and carries out their erasure.
//
// Every method reads in pages of StoreBatchSize rows and Erase writes at
// most EraseWriteRows rows a statement or transaction, pausing after each
// (engine_yield.go), so memory and lock times stay bounded whatever the
// history size and an erasure leaves the writer to intake half the time.
// Erase is idempotent: after an interruption, calling it
// again finishes the work without erasing anything twice, and once finished
// a further call changes nothing and reports nothing.
type Source interface {
	// Name is the source's stable name, such as account or orders.
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

// ErasureOrder returns the sources in the order they must be erased: by
// their dataset's erase_order (lower first, ties as given), the source
// holding the person table last. Deleting the account unlinks every other
// table from it, after which their rows could no longer be found; the
// account's Erase therefore refuses to run while other sources still link
// to it. A source not built from a dataset erases first, except one named
// account, which erases last.
func ErasureOrder(sources []Source) []Source {
	out := slices.Clone(sources)
	pos := func(s Source) int {
		if e, ok := s.(interface{ EraseOrder() int }); ok {
			return e.EraseOrder()
		}
		if s.Name() == SourceAccount {
			return math.MaxInt
		}
		return math.MinInt
	}
	slices.SortStableFunc(out, func(a, b Source) int { return cmp.Compare(pos(a), pos(b)) })
	return out
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
	Label     string // a readable title from the dataset file; "" for none
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
	// Words and Summary are what the dataset says of the item in the
	// deletion summary email (nil for nothing): set by Datasets.Describe
	// when the email is written, never recorded with the result.
	Words   *WordsSpec   `json:"-"`
	Summary *SummarySpec `json:"-"`
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
