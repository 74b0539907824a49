package store

import (
	"strconv"
	"strings"
)

// The types below are a table's optional presentation: how the access
// export's readable index.html and the deletion summary email name and
// show its records. A table without them reads in words made from its
// kind and shows one column per exported field.

// WordsSpec names a table's records for the customer.
type WordsSpec struct {
	// One is one record in a sentence, such as "order".
	One string `yaml:"one"`
	// Many is the export's heading of the records, such as "Orders".
	Many string `yaml:"many"`
	// CountOne is exactly one record in the deletion summary, such as
	// "your customer profile" ("" means "1 " and One).
	CountOne string `yaml:"count_one"`
	// CountMany is several, {count} standing for their number, such as
	// "{count} order lines" ("" means "{count} " and Many in lower case).
	CountMany string `yaml:"count_many"`
}

// ShowSpec is how index.html shows a table's records.
type ShowSpec struct {
	// Single says one record is expected (the account): shown as a list
	// of facts, not a table.
	Single bool `yaml:"single"`
	// SortBy is the exported time column the records are shown by,
	// latest first ("" means by id, latest first).
	SortBy string `yaml:"sort_by"`
	// UnderParent shows each record under its parent's row
	// (belongs.parent): the parent column must be exported and the
	// parent's key be its id.
	UnderParent bool `yaml:"under_parent"`
	// Columns are what a person reads, in order (none: one per field).
	Columns []ShowColumnSpec `yaml:"columns"`
}

// ShowColumnSpec is one readable column: the values of Fields (exported
// columns) joined by Sep.
type ShowColumnSpec struct {
	// Label is the column's title ("" means the first field's label).
	Label  string   `yaml:"label"`
	Fields []string `yaml:"fields"`
	// Sep joins the fields' values ("" means ", ").
	Sep string `yaml:"sep"`
	// Long marks free text, shown as a paragraph under a child's line.
	Long bool `yaml:"long"`
}

// SummarySpec is what the deletion summary email says of the records one
// erasure rule deleted, anonymized or kept. In every text, {records}
// stands for the counted records ("7 order lines"), {count} for their
// number and {years} for the years of the table's within keep rule (else
// its parent table's).
type SummarySpec struct {
	// What replaces the counted records as the line's subject, such as
	// "{records} more than {years} years old".
	What string `yaml:"what"`
	// Why says, after "kept until <day>", why they are kept, for several
	// records; WhyOne for exactly one ("" means Why).
	Why    string `yaml:"why"`
	WhyOne string `yaml:"why_one"`
	// Removed says what was taken out of them; RemovedOne for one.
	Removed    string `yaml:"removed"`
	RemovedOne string `yaml:"removed_one"`
	// Ground is the legal ground, stated once below the summary.
	Ground string `yaml:"ground"`
}

// Text returns the summary's words for n records counted as records:
// what, why and removed, with the placeholders replaced (a nil summary
// says only records).
func (s *SummarySpec) Text(n int, records string, years int) (what, why, removed string) {
	if s == nil {
		return records, "", ""
	}
	r := strings.NewReplacer("{records}", records, "{years}", strconv.Itoa(years), "{count}", strconv.Itoa(n))
	what, why, removed = s.What, s.Why, s.Removed
	if n == 1 {
		why, removed = or(s.WhyOne, why), or(s.RemovedOne, removed)
	}
	if what == "" {
		what = "{records}"
	}
	return r.Replace(what), r.Replace(why), r.Replace(removed)
}

// KindView is how index.html shows one record kind: its table's words and
// show, with the parent kind resolved. Words and Show are zero when the
// file gives none.
type KindView struct {
	Kind  string
	Words WordsSpec
	Show  ShowSpec
	// Parent is the kind of the parent table and ParentField the exported
	// column holding the parent's id, with show.under_parent; else "".
	Parent, ParentField string
	// Labels are the exported columns' labels, by column name.
	Labels map[string]string
	// Values are the words of the columns' stored codes, by column name
	// (only columns whose file gives values).
	Values map[string]map[string]string
}

// Kinds returns how the source's record kinds are shown, in table order.
func (e *Engine) Kinds() []KindView {
	out := make([]KindView, 0, len(e.spec.Tables))
	for _, t := range e.spec.Tables {
		k := KindView{Kind: t.Kind, Labels: map[string]string{}, Values: map[string]map[string]string{}}
		if t.Words != nil {
			k.Words = *t.Words
		}
		if t.Show != nil {
			k.Show = *t.Show
		}
		for _, c := range t.Columns {
			k.Labels[c.Name] = c.Label
			if c.Values != nil {
				k.Values[c.Name] = c.Values
			}
		}
		if p := t.Belongs.Parent; p != nil && k.Show.UnderParent {
			k.ParentField = p.Column
			for _, o := range e.spec.Tables {
				if o.Table == p.Table {
					k.Parent = o.Kind
				}
			}
		}
		out = append(out, k)
	}
	return out
}

// Kinds returns how every described record kind is shown, source by
// source in file order.
func (d *Datasets) Kinds() []KindView {
	var out []KindView
	for _, e := range d.engines {
		out = append(out, e.Kinds()...)
	}
	return out
}

// kindTable returns the table whose records are of kind: in the named
// source if it describes one, else the first described anywhere.
func (d *Datasets) kindTable(source, kind string) (*Engine, *TableSpec) {
	var e0 *Engine
	var t0 *TableSpec
	for _, e := range d.engines {
		for _, n := range e.nodes {
			if n.t.Kind != kind {
				continue
			}
			if e.spec.Name == source {
				return e, n.t
			}
			if t0 == nil {
				e0, t0 = e, n.t
			}
		}
	}
	return e0, t0
}

// RecordWords says n records of kind in the customer's words, from the
// table's words: "your customer profile", "7 order lines".
func (d *Datasets) RecordWords(kind string, n int) string {
	_, t := d.kindTable("", kind)
	if t == nil {
		return CountWords(nil, kind, n)
	}
	return CountWords(t.Words, kind, n)
}

// CountWords says n records of kind in words w (nil: none given): its
// count_one or count_many, else made from its one or many, else from the
// kind: "1 support note record", "7 support note records".
func CountWords(w *WordsSpec, kind string, n int) string {
	var one, many string
	if w != nil {
		one, many = w.CountOne, w.CountMany
		if one == "" && w.One != "" {
			one = "1 " + w.One
		}
		if many == "" && w.Many != "" {
			many = "{count} " + strings.ToLower(w.Many)
		}
	}
	words := strings.ReplaceAll(kind, "_", " ")
	if n == 1 {
		return or(one, "1 "+words+" record")
	}
	return strings.ReplaceAll(or(many, "{count} "+words+" records"), "{count}", strconv.Itoa(n))
}

// Describe returns it, an item of the named source's erasure, with what
// its dataset says of it for the deletion summary: the words of its kind's table and the summary of the rule
// that deleted, anonymized or kept it (the keep rule's for kept rows, the
// table's erase rule's for the others). It also returns the years
// {years} stands for: the table's within keep rule's, else its parent
// table's, up the path (0 for none).
func (d *Datasets) Describe(source string, it PlanItem) (PlanItem, int) {
	e, t := d.kindTable(source, it.Kind)
	if t == nil {
		return it, 0
	}
	it.Words, it.Summary = t.Words, t.Erase.Summary
	if k := t.Erase.Keep; k != nil && t.Erase.Action != ActionAnonymize && it.Action == or(k.Action, ActionAnonymize) {
		it.Summary = k.Summary
	}
	return it, e.withinYears(t)
}

// withinYears is the years of t's within keep rule, else of its parent
// table's, up the path; 0 when none has one.
func (e *Engine) withinYears(t *TableSpec) int {
	for seen := 0; t != nil && seen <= len(e.spec.Tables); seen++ {
		if k := t.Erase.Keep; k != nil && k.Within != nil {
			return k.Within.Years
		}
		if t.Belongs.Parent == nil {
			return 0
		}
		parent := t.Belongs.Parent.Table
		t = nil
		for i := range e.spec.Tables {
			if e.spec.Tables[i].Table == parent {
				t = &e.spec.Tables[i]
			}
		}
	}
	return 0
}

// PersonKind returns the record kind of the person table, the account:
// "" without a person lookup.
func (d *Datasets) PersonKind() string {
	for _, e := range d.engines {
		for _, n := range e.nodes {
			if n.t.Belongs.Person {
				return n.t.Kind
			}
		}
	}
	return ""
}
