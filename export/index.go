package export

import (
	"slices"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// Caps on what the readable index.html shows. The heavy customer has tens
// of thousands of records of some kinds; the page shows the latest of each
// kind (by its date, else by id) and points to csv/ and data/ for all of them, so building it holds
// a few hundred records at most, whatever the history size.
const (
	indexPerKind  = 50 // latest records of a top-level kind
	indexPerChild = 20 // records of one child kind under one parent
)

// indexEntry is one record kept for index.html with the records kept under
// it (an order's lines, a ticket's messages, a message's attachments).
type indexEntry struct {
	rec      store.Record
	at       time.Time // the kind's sort date; zero without one
	children []*indexEntry
	hidden   map[string]int // child records of a kind beyond indexPerChild
}

// indexShelf is one top-level kind's latest records, in no order until latest sorts them.
type indexShelf struct {
	kind    string
	entries []*indexEntry
}

type entryKey struct {
	kind string
	id   int64
}

// indexCollector keeps, while an export streams, the records index.html
// shows. Records come in each source's Collect order: a child after its
// parent, so a child is kept only under a parent still kept.
type indexCollector struct {
	shelves  map[string][]*indexShelf // by source, kinds in first-seen order
	byID     map[entryKey]*indexEntry // kept records that may have children
	currency string                   // of the first record with one (an order): for prices that carry none
	org      string                   // the organization's name, for the words of stored codes
	kinds    kindSpecs                // how each kind is shown
}

func newIndexCollector(kinds kindSpecs) *indexCollector {
	return &indexCollector{shelves: map[string][]*indexShelf{}, byID: map[entryKey]*indexEntry{}, kinds: kinds}
}

// add keeps rec if index.html shows it.
func (ic *indexCollector) add(source string, rec store.Record) {
	spec := ic.kinds.of(rec.Kind)
	if spec.parent != "" {
		ic.addChild(spec, rec)
		return
	}
	if ic.currency == "" { // the first record with a currency: the customer's usual one
		if c, ok := fieldValue(rec, "currency").(string); ok {
			ic.currency = c
		}
	}
	sh := ic.shelf(source, rec.Kind)
	e := &indexEntry{rec: rec}
	if t, ok := fieldValue(rec, spec.sortBy).(time.Time); ok {
		e.at = t
	}
	sh.entries = append(sh.entries, e)
	if spec.hasChildren {
		ic.byID[entryKey{rec.Kind, rec.ID}] = e
	}
	if len(sh.entries) >= 2*indexPerKind { // drop the older half at once: O(log n) per record on average
		for _, old := range sh.latest()[indexPerKind:] {
			ic.forget(old)
		}
		sh.entries = slices.Clone(sh.entries[:indexPerKind])
	}
}

// latest sorts the entries latest first, by date, then id, and returns them.
func (sh *indexShelf) latest() []*indexEntry {
	slices.SortStableFunc(sh.entries, func(a, b *indexEntry) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		switch {
		case a.rec.ID > b.rec.ID:
			return -1
		case a.rec.ID < b.rec.ID:
			return 1
		}
		return 0
	})
	return sh.entries
}

func (ic *indexCollector) addChild(spec kindSpec, rec store.Record) {
	pid, ok := asInt64(fieldValue(rec, spec.parentField))
	if !ok {
		return
	}
	p := ic.byID[entryKey{spec.parent, pid}]
	if p == nil {
		return // its parent is not shown: the record is in csv/ and data/
	}
	n := 0
	for _, c := range p.children {
		if c.rec.Kind == rec.Kind {
			n++
		}
	}
	if n >= indexPerChild {
		if p.hidden == nil {
			p.hidden = map[string]int{}
		}
		p.hidden[rec.Kind]++
		return
	}
	e := &indexEntry{rec: rec}
	p.children = append(p.children, e)
	if spec.hasChildren {
		ic.byID[entryKey{rec.Kind, rec.ID}] = e
	}
}

// forget drops an evicted entry and its descendants from byID.
func (ic *indexCollector) forget(e *indexEntry) {
	delete(ic.byID, entryKey{e.rec.Kind, e.rec.ID})
	for _, c := range e.children {
		ic.forget(c)
	}
}

func (ic *indexCollector) shelf(source, kind string) *indexShelf {
	for _, sh := range ic.shelves[source] {
		if sh.kind == kind {
			return sh
		}
	}
	sh := &indexShelf{kind: kind}
	ic.shelves[source] = append(ic.shelves[source], sh)
	return sh
}

// fieldValue returns the value of rec's field name, nil without one.
func fieldValue(rec store.Record, name string) any {
	for _, f := range rec.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case *int64:
		if x != nil {
			return *x, true
		}
	}
	return 0, false
}
