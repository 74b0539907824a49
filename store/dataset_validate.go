package store

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Words a dataset file may use.
var (
	categories   = []string{CategoryContact, CategoryAddress, CategoryPurchase, CategoryDevice, CategorySupport, CategoryUsage}
	columnTypes  = []string{"", "string", "int", "int64", "bool", "time"}
	proofKinds   = []string{ProofOrderNumber, ProofSerialNumber}
	optOutScopes = []string{"marketing_email", "sale_sharing", "analytics"}
	correctables = []string{"name", "email", "phone"}
	identRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	nameRE       = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Proof kinds a dataset's person may offer.
const (
	ProofOrderNumber  = "order_number"
	ProofSerialNumber = "serial_number"
)

// Opt-out change counts.
const (
	OptOutCountsSetting = "setting"
	OptOutCountsConsent = "consent"
)

// validator collects the problems of one file.
type validator struct {
	loc  *locator
	errs DatasetErrors
}

func (v *validator) bad(field, format string, args ...any) {
	v.errs = append(v.errs, v.loc.errorf(field, format, args...))
}

// ident checks that name is a plain SQL identifier (it is quoted, but a
// file should not need odd names).
func (v *validator) ident(field, name string, required bool) {
	switch {
	case name == "" && required:
		v.bad(field, "is required")
	case name != "" && !identRE.MatchString(name):
		v.bad(field, "%q is not a table or column name (letters, digits and _)", name)
	}
}

func (v *validator) oneOf(field, val string, words []string) {
	if !slices.Contains(words, val) {
		v.bad(field, "%q is not one of %v", val, words)
	}
}

func validateFile(f *DatasetFile, loc *locator) DatasetErrors {
	v := &validator{loc: loc}
	if len(f.Sources) == 0 && f.Person == nil {
		v.bad("sources", "the file describes no source")
	}
	tables := map[string]*TableSpec{} // every table of the file
	for i := range f.Sources {
		for j := range f.Sources[i].Tables {
			t := &f.Sources[i].Tables[j]
			tables[t.Table] = t
		}
	}
	if f.Person != nil {
		v.person(f.Person, tables)
	}
	for i := range f.Sources {
		v.source(fmt.Sprintf("sources[%d]", i), &f.Sources[i])
	}
	return v.errs
}

func (v *validator) person(p *PersonSpec, tables map[string]*TableSpec) {
	v.ident("person.table", p.Table, true)
	v.ident("person.id", p.ID, false)
	v.ident("person.email", p.Email, true)
	direct := func(at, table string) {
		t, ok := tables[table]
		switch {
		case !ok:
			v.bad(at, "table %q is not a table of any source in this file", table)
		case t.Belongs.Parent != nil:
			v.bad(at, "table %q belongs to the person through a parent; use a table that belongs directly", table)
		}
	}
	for i, pr := range p.Proofs {
		at := fmt.Sprintf("person.proofs[%d]", i)
		v.oneOf(at+".kind", pr.Kind, proofKinds)
		v.ident(at+".column", pr.Column, true)
		direct(at+".table", pr.Table)
	}
	for field, cols := range p.Correct {
		at := "person.correct." + field
		v.oneOf(at, field, correctables)
		if len(cols) == 0 || len(cols) > 2 || (len(cols) == 2 && field != "name") {
			v.bad(at, "give one column (a name may have two: first and last)")
		}
		for _, c := range cols {
			v.ident(at, c, true)
		}
	}
	for i, o := range p.OptOuts {
		at := fmt.Sprintf("person.opt_outs[%d]", i)
		v.oneOf(at+".scope", o.Scope, optOutScopes)
		v.oneOf(at+".counts", o.Counts, []string{OptOutCountsSetting, OptOutCountsConsent})
		direct(at+".table", o.Table)
		if len(o.Columns) == 0 {
			v.bad(at+".columns", "name at least one boolean column to switch off")
		}
		for _, c := range o.Columns {
			v.ident(at+".columns", c, true)
		}
		for c := range o.Where {
			v.ident(at+".where", c, true)
		}
		v.ident(at+".stamp", o.Stamp, false)
	}
}

func (v *validator) source(at string, s *SourceSpec) {
	if !nameRE.MatchString(s.Name) {
		v.bad(at+".name", "%q is not a source name (lower case letters, digits and _)", s.Name)
	}
	if s.Label == "" {
		v.bad(at+".label", "is required: the export's title for the source")
	}
	for i, c := range s.Categories {
		v.oneOf(fmt.Sprintf("%s.categories[%d]", at, i), c, categories)
	}
	if len(s.Tables) == 0 {
		v.bad(at+".tables", "the source has no table")
	}
	seen := map[string]int{}
	kinds := map[string]bool{}
	for j := range s.Tables {
		t := &s.Tables[j]
		tat := fmt.Sprintf("%s.tables[%d]", at, j)
		v.table(tat, t, s, seen)
		if _, dup := seen[t.Table]; dup {
			v.bad(tat+".table", "table %s is described twice in this source", t.Table)
		}
		seen[t.Table] = j
		if kinds[t.Kind] {
			v.bad(tat+".kind", "kind %q is used twice in this source", t.Kind)
		}
		kinds[t.Kind] = true
	}
	for i, tp := range s.ThirdParties {
		tat := fmt.Sprintf("%s.third_parties[%d]", at, i)
		if _, ok := seen[tp.Table]; !ok {
			v.bad(tat+".table", "table %q is not a table of this source", tp.Table)
		}
		v.ident(tat+".name_column", tp.NameColumn, true)
		if tp.Placeholder == "" {
			v.bad(tat+".placeholder", "is required: what replaces each name")
		}
	}
}

func (v *validator) table(at string, t *TableSpec, s *SourceSpec, earlier map[string]int) {
	v.ident(at+".table", t.Table, true)
	v.ident(at+".id", t.ID, false)
	if !nameRE.MatchString(t.Kind) {
		v.bad(at+".kind", "%q is not a record kind (lower case letters, digits and _)", t.Kind)
	}
	b := t.Belongs
	ways := 0
	for _, set := range []bool{b.Person, b.Parent != nil, b.CustomerID != "" || b.Email != ""} {
		if set {
			ways++
		}
	}
	if ways != 1 {
		v.bad(at+".belongs", "give exactly one way a row belongs to the person: person, parent, or customer_id and/or email")
	}
	v.ident(at+".belongs.customer_id", b.CustomerID, false)
	v.ident(at+".belongs.email", b.Email, false)
	if b.GuestID != nil && (b.CustomerID == "" || b.Email == "") {
		v.bad(at+".belongs.guest_id", "only means something with both customer_id and email")
	}
	if t.EmailIndex != "" && b.Email == "" {
		v.bad(at+".email_index", "only means something with belongs.email")
	}
	if p := b.Parent; p != nil {
		if _, ok := earlier[p.Table]; !ok {
			v.bad(at+".belongs.parent.table", "table %q is not described earlier in this source: a path must reach the person through the source's own tables", p.Table)
		}
		v.ident(at+".belongs.parent.column", p.Column, true)
		v.ident(at+".belongs.parent.key", p.Key, false)
	}
	if len(t.Columns) == 0 && t.Meta == nil {
		v.bad(at+".columns", "the table exports no column")
	}
	for i, c := range t.Columns {
		cat := fmt.Sprintf("%s.columns[%d]", at, i)
		v.ident(cat+".name", c.Name, true)
		v.oneOf(cat+".category", c.Category, categories)
		v.oneOf(cat+".type", c.Type, columnTypes)
		if slices.Contains(t.Never, c.Name) {
			v.bad(cat+".name", "column %s is both exported and listed under never", c.Name)
		}
		if (c.Redact || len(c.RedactWhen) > 0) && len(s.ThirdParties) == 0 {
			v.bad(cat, "redacts third parties but the source names none (third_parties)")
		}
	}
	if m := t.Meta; m != nil {
		v.ident(at+".meta.key_column", m.KeyColumn, true)
		v.ident(at+".meta.value_column", m.ValueColumn, true)
		if len(m.Keys) == 0 {
			v.bad(at+".meta.keys", "name at least one key")
		}
		for i, k := range m.Keys {
			kat := fmt.Sprintf("%s.meta.keys[%d]", at, i)
			if k.Key == "" {
				v.bad(kat+".key", "is required")
			}
			v.oneOf(kat+".category", k.Category, categories)
			v.oneOf(kat+".erase", k.Erase, []string{"", ActionDelete, "set"})
			if (k.Erase == "set") != (k.Set != nil) {
				v.bad(kat+".set", "give set exactly when erase is set")
			}
			if k.Set != nil {
				v.set(kat+".set", *k.Set, false)
			}
		}
		if t.Erase.Keep != nil || t.Erase.Action != "" {
			v.bad(at+".erase", "a key/value table is erased per key (meta.keys[].erase)")
		}
	}
	v.erase(at+".erase", t, s)
	v.show(at, t, s)
}

// show checks a table's presentation: words, show and the erasure rules'
// summaries name only the table's own exported fields.
func (v *validator) show(at string, t *TableSpec, s *SourceSpec) {
	exported := map[string]bool{}
	for _, c := range t.Columns {
		exported[c.Name] = true
	}
	if m := t.Meta; m != nil {
		exported[m.KeyColumn], exported[m.ValueColumn] = true, true
	}
	if w := t.Words; w != nil && w.CountMany != "" && !strings.Contains(w.CountMany, "{count}") {
		v.bad(at+".words.count_many", "%q does not say how many: put {count} where the number goes", w.CountMany)
	}
	if sh := t.Show; sh != nil {
		if sh.SortBy != "" && !exported[sh.SortBy] {
			v.bad(at+".show.sort_by", "column %q is not exported by this table", sh.SortBy)
		}
		if sh.UnderParent {
			switch p := t.Belongs.Parent; {
			case p == nil:
				v.bad(at+".show.under_parent", "the table has no parent (belongs.parent)")
			case !exported[p.Column]:
				v.bad(at+".show.under_parent", "the parent column %s must be exported to find the parent's row", p.Column)
			case p.Key != "" && !slices.ContainsFunc(s.Tables, func(o TableSpec) bool { return o.Table == p.Table && or(o.ID, "id") == p.Key }):
				v.bad(at+".show.under_parent", "the parent is found by its id, not by %s", p.Key)
			}
		}
		for i, c := range sh.Columns {
			cat := fmt.Sprintf("%s.show.columns[%d]", at, i)
			if len(c.Fields) == 0 {
				v.bad(cat+".fields", "name the exported columns the column shows")
			}
			for j, f := range c.Fields {
				if !exported[f] {
					v.bad(fmt.Sprintf("%s.fields[%d]", cat, j), "column %q is not exported by this table", f)
				}
			}
		}
	}
	if sum := t.Erase.Summary; sum != nil && t.Erase.Action != ActionAnonymize && t.Meta == nil &&
		(sum.Why != "" || sum.WhyOne != "" || sum.Removed != "" || sum.RemovedOne != "") {
		v.bad(at+".erase.summary", "the rows are deleted, so only what applies: why and removed of kept rows go under keep.summary")
	}
}

func (v *validator) erase(at string, t *TableSpec, s *SourceSpec) {
	e := t.Erase
	v.oneOf(at+".action", e.Action, []string{"", ActionDelete, ActionAnonymize})
	v.ident(at+".mark", e.Mark, false)
	for i, st := range e.Set {
		v.set(fmt.Sprintf("%s.set[%d]", at, i), st, true)
	}
	anonymizes := e.Action == ActionAnonymize || (e.Keep != nil && e.Keep.Action != ActionKeep)
	if anonymizes && len(e.Set) == 0 {
		v.bad(at+".set", "rows are anonymized: say which columns change")
	}
	if !anonymizes && len(e.Set) > 0 {
		v.bad(at+".set", "rows are only deleted or kept as they are: set would never apply")
	}
	k := e.Keep
	if k == nil {
		return
	}
	if e.Action == ActionAnonymize {
		v.bad(at+".keep", "an anonymized table keeps all its rows already")
	}
	if k.Reason == "" {
		v.bad(at+".keep.reason", "a keep rule needs the legal reason the customer reads")
	}
	v.oneOf(at+".keep.action", k.Action, []string{"", ActionAnonymize, ActionKeep})
	v.oneOf(at+".keep.then", k.Then, []string{"", ActionDelete})
	if k.Within == nil && k.Future == "" && len(k.WhileTrue) == 0 && k.WithChildren == "" && !k.WithParent {
		v.bad(at+".keep", "give the condition rows are kept under: within, future, while_true, with_children or with_parent")
	}
	if k.Within != nil {
		v.ident(at+".keep.within.column", k.Within.Column, true)
		if k.Within.Years <= 0 {
			v.bad(at+".keep.within.years", "must be a positive number of years")
		}
	}
	v.ident(at+".keep.future", k.Future, false)
	if k.WithParent && t.Belongs.Parent == nil {
		v.bad(at+".keep.with_parent", "the table has no parent")
	}
	if k.WithParent && (k.Within != nil || k.Future != "" || len(k.WhileTrue) > 0 || k.WithChildren != "") {
		v.bad(at+".keep.with_parent", "with_parent stands alone: the parent's rule decides")
	}
	if c := k.WithChildren; c != "" {
		found := false
		for _, o := range s.Tables {
			if o.Table == c && o.Belongs.Parent != nil && o.Belongs.Parent.Table == t.Table {
				found = found || o.Erase.Keep != nil
			}
		}
		if !found {
			v.bad(at+".keep.with_children", "table %q is not a child table of %s in this source with a keep rule", c, t.Table)
		}
	}
	needsMark := k.Within != nil || k.Future != "" || len(k.WhileTrue) > 0
	if needsMark && k.Action != ActionKeep && e.Mark == "" {
		v.bad(at+".mark", "kept rows are anonymized: name the time column marking them, so the retention job finds them")
	}
}

func (v *validator) set(at string, s SetSpec, needColumn bool) {
	if needColumn {
		v.ident(at+".column", s.Column, true)
	}
	n := 0
	for _, given := range []bool{s.ToNull, s.Value != nil, s.Pattern != ""} {
		if given {
			n++
		}
	}
	if n != 1 {
		v.bad(at, "give exactly one of to_null, value or pattern")
	}
}
