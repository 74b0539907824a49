package export

import (
	"slices"
	"strings"
	"sync"
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
	values      map[string]map[string]string // words of stored codes, by field
}

// column is one readable value: the fields joined by sep (", " if empty).
type column struct {
	label  string
	fields []string
	sep    string
	long   bool // free text shown as a paragraph under a child's line
}

func col(label string, fields ...string) column { return column{label: label, fields: fields} }

// kindSpecs are how an export shows each kind of record, by kind.
type kindSpecs map[string]kindSpec

// describer is a Source whose dataset says how its kinds are shown:
// every dataset engine of package store is one.
type describer interface {
	Kinds() []store.KindView
}

// demoKinds are how the built-in demo dataset shows its kinds.
var demoKinds = sync.OnceValue(func() []store.KindView { return store.DemoDatasets().Kinds() })

// kindSpecsOf reads how the sources' kinds are shown from their dataset
// files (words and show of each table). The kinds of a source that is
// not described by one (a Source written in Go) are shown as the
// built-in demo dataset shows the kinds of the same name.
func kindSpecsOf(sources []Source) kindSpecs {
	ks := kindSpecs{}
	undescribed := false
	for _, src := range sources {
		d, ok := src.(describer)
		if !ok {
			undescribed = true
			continue
		}
		for _, v := range d.Kinds() {
			if _, dup := ks[v.Kind]; !dup {
				ks[v.Kind] = specOf(v)
			}
		}
	}
	if undescribed {
		for _, v := range demoKinds() {
			if _, dup := ks[v.Kind]; !dup {
				ks[v.Kind] = specOf(v)
			}
		}
	}
	for _, s := range ks {
		if p, ok := ks[s.parent]; ok && s.parent != "" {
			p.hasChildren = true
			ks[s.parent] = p
		}
	}
	return ks
}

// specOf is the spec of a kind as its dataset describes it: readable
// names made from the kind where the file gives no words.
func specOf(v store.KindView) kindSpec {
	h := humanize(v.Kind)
	s := kindSpec{one: v.Words.One, many: v.Words.Many, single: v.Show.Single, sortBy: v.Show.SortBy,
		parent: v.Parent, parentField: v.ParentField, values: v.Values}
	if s.one == "" {
		s.one = strings.ToLower(h)
	}
	if s.many == "" {
		s.many = h + " records"
	}
	for _, c := range v.Show.Columns {
		label := c.Label
		if label == "" && len(c.Fields) > 0 {
			if label = v.Labels[c.Fields[0]]; label == "" {
				label = humanize(c.Fields[0])
			}
		}
		s.columns = append(s.columns, column{label: label, fields: c.Fields, sep: c.Sep, long: c.Long})
	}
	return s
}

// of returns the kind's spec; an unknown kind gets readable names and,
// per record, one column per field.
func (ks kindSpecs) of(kind string) kindSpec {
	if s, ok := ks[kind]; ok {
		return s
	}
	h := humanize(kind)
	return kindSpec{one: strings.ToLower(h), many: h + " records"}
}

// children returns the kinds shown under kind, in a fixed order.
func (ks kindSpecs) children(kind string) []string {
	var out []string
	for k, s := range ks {
		if s.parent == kind {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
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
// field for every column, or they show every field rec has. A kind of a
// source written in Go named like one of the demo store's (customer,
// order) may have other fields, shown under their own labels.
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
