package export

import (
	"slices"
	"strings"

	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

// indexView is what templates/export/index.html shows: the person's
// records by part of the store, readable, with the Art. 15 facts of each
// kind once, and links to the complete machine-readable files.
type indexView struct {
	Store, Email, RequestID, Generated string
	Sections                           []sectionView
	Policy                             org.PolicyStatement
	Rights                             []org.Right
	PrivacyCenter                      string // absolute URL of the privacy center; empty offline
}

type sectionView struct {
	Title, Anchor, JSON string // JSON: data/<source>.json
	Total               int
	Facts               []factView
	Kinds               []kindView
	Loose               []kindNote // child kinds whose parents are not shown at all
}

// factView is what the privacy policy says about one or more kinds of record.
type factView struct {
	Kinds, Categories, Purpose, Retention, Redacted string
}

type kindView struct {
	Title, One, CSV string
	Total, Shown    int
	Single          bool
	Columns         []string // headers, child kinds' titles last
	Rows            []rowView
	Children        []kindNote
}

// kindNote points to all the records of a child kind.
type kindNote struct {
	Title, CSV string
	Total      int
}

type rowView struct {
	Cells    []cellView
	Children []childGroup // one per child kind of the row's kind
}

type cellView struct{ Label, Value string }

type childGroup struct {
	Title  string
	Items  []childItem
	Hidden int
	CSV    string
}

type childItem struct {
	Line     []cellView // short values, shown on one line
	Long     []cellView // free text, shown below
	Children []childGroup
}

// buildIndexView turns what the export collected into the page's view.
func buildIndexView(sum summary, ic *indexCollector) indexView {
	f := sum.Facts
	ic.org = f.Store
	v := indexView{Store: f.Store, Email: sum.Email, RequestID: f.RequestID,
		Generated: humanDate(f.Generated), Policy: f.Policy, Rights: f.Rights, PrivacyCenter: f.PrivacyCenter}
	for _, ss := range sum.Sources {
		sec := sectionView{Title: ss.Title, Anchor: "part-" + ss.Name, JSON: "data/" + ss.Name + ".json",
			Facts: factsOf(ic.kinds, inShownOrder(ic.kinds, ss.Fields, ic.shelves[ss.Name]))}
		counts := map[string]int{}
		for _, c := range ss.Counts {
			counts[c.Kind] = c.N
			sec.Total += c.N
		}
		shown := map[string]bool{}
		for _, sh := range ic.shelves[ss.Name] {
			shown[sh.kind] = true
			sec.Kinds = append(sec.Kinds, ic.kindView(sh, counts))
		}
		for _, c := range ss.Counts {
			if p := ic.kinds.of(c.Kind).parent; p != "" && !shown[p] && c.N > 0 {
				sec.Loose = append(sec.Loose, kindNote{Title: ic.kinds.of(c.Kind).many, CSV: csvPath(c.Kind), Total: c.N})
			}
		}
		v.Sections = append(v.Sections, sec)
	}
	return v
}

// inShownOrder returns fields ordered as their kinds are shown: each
// top-level kind, then its children.
func inShownOrder(ks kindSpecs, fields []fieldInfo, shelves []*indexShelf) []fieldInfo {
	rank := map[string]int{}
	var visit func(kind string)
	visit = func(kind string) {
		rank[kind] = len(rank)
		for _, k := range ks.children(kind) {
			visit(k)
		}
	}
	for _, sh := range shelves {
		visit(sh.kind)
	}
	out := slices.Clone(fields)
	slices.SortStableFunc(out, func(a, b fieldInfo) int {
		ra, oka := rank[a.Kind]
		rb, okb := rank[b.Kind]
		if !oka {
			ra = len(rank)
		}
		if !okb {
			rb = len(rank)
		}
		return ra - rb
	})
	return out
}

func csvPath(kind string) string { return "csv/" + kind + ".csv" }

func (ic *indexCollector) kindView(sh *indexShelf, counts map[string]int) kindView {
	spec := ic.kinds.of(sh.kind)
	kv := kindView{Title: spec.many, One: spec.one, CSV: csvPath(sh.kind), Total: counts[sh.kind],
		Shown: len(sh.entries), Single: spec.single}
	if kv.Total < kv.Shown {
		kv.Total = kv.Shown
	}
	if kv.Shown > indexPerKind {
		kv.Shown = indexPerKind
	}
	entries := sh.latest()[:kv.Shown]
	kids := ic.kinds.children(sh.kind)
	if len(entries) > 0 {
		for _, c := range specColumns(spec, entries[0].rec) {
			kv.Columns = append(kv.Columns, c.label)
		}
	}
	for _, k := range kids {
		kv.Columns = append(kv.Columns, ic.kinds.of(k).many)
		if counts[k] > 0 {
			kv.Children = append(kv.Children, kindNote{Title: ic.kinds.of(k).many, CSV: csvPath(k), Total: counts[k]})
		}
	}
	for _, e := range entries {
		cur := ic.currencyOf(e.rec, "")
		row := rowView{Cells: cells(spec, e.rec, cur, ic.org, false)}
		for _, k := range kids {
			row.Children = append(row.Children, ic.group(e, k, cur))
		}
		kv.Rows = append(kv.Rows, row)
	}
	return kv
}

// group returns e's children of kind, each with its own children.
func (ic *indexCollector) group(e *indexEntry, kind, cur string) childGroup {
	spec := ic.kinds.of(kind)
	g := childGroup{Title: spec.many, Hidden: e.hidden[kind], CSV: csvPath(kind)}
	for _, c := range e.children {
		if c.rec.Kind != kind {
			continue
		}
		it := childItem{}
		for _, cv := range cells(spec, c.rec, cur, ic.org, true) {
			if cv.Label == "" { // a long column: the label was cleared by cells
				continue
			}
			it.Line = append(it.Line, cv)
		}
		for _, col := range specColumns(spec, c.rec) {
			if col.long {
				it.Long = append(it.Long, cellView{col.label, columnValue(col, spec.values, c.rec, cur, ic.org)})
			}
		}
		for _, k := range ic.kinds.children(kind) {
			if sub := ic.group(c, k, cur); len(sub.Items) > 0 || sub.Hidden > 0 {
				it.Children = append(it.Children, sub)
			}
		}
		g.Items = append(g.Items, it)
	}
	return g
}

// currencyOf is the record's own currency, else its parent's, else that
// of the customer's first order.
func (ic *indexCollector) currencyOf(rec store.Record, parent string) string {
	if c, ok := fieldValue(rec, "currency").(string); ok && c != "" {
		return c
	}
	if parent != "" {
		return parent
	}
	return ic.currency
}

// cells formats rec's columns; for a child, long columns come back with
// an empty label so the caller can show them apart.
func cells(spec kindSpec, rec store.Record, cur, org string, child bool) []cellView {
	cols := specColumns(spec, rec)
	out := make([]cellView, 0, len(cols))
	for _, c := range cols {
		if child && c.long {
			out = append(out, cellView{})
			continue
		}
		v := columnValue(c, spec.values, rec, cur, org)
		if child && v == "" {
			continue
		}
		out = append(out, cellView{c.label, v})
	}
	return out
}

func columnValue(c column, values map[string]map[string]string, rec store.Record, cur, org string) string {
	sep := c.sep
	if sep == "" {
		sep = ", "
	}
	var parts []string
	for _, name := range c.fields {
		if s := formatField(name, fieldValue(rec, name), cur, org, values[name]); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, sep)
}

// categoryWords describe the policy's categories of personal data.
var categoryWords = map[string]string{
	store.CategoryContact: "contact details", store.CategoryAddress: "addresses", store.CategoryPurchase: "purchases",
	store.CategoryDevice: "device and browser", store.CategorySupport: "support conversations", store.CategoryUsage: "use of the website",
}

// factsOf states, once per kind (kinds sharing a purpose and a retention
// together), the categories, purpose and retention of the fields found.
func factsOf(ks kindSpecs, fields []fieldInfo) []factView {
	var out []factView
	var kinds [][]string
	index := map[string]int{} // purpose+retention -> out index
	cats := map[int][]string{}
	redacted := map[int][]string{}
	for _, f := range fields {
		key := f.Purpose + "\x00" + f.Retention
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, factView{Purpose: f.Purpose, Retention: f.Retention})
			kinds = append(kinds, nil)
		}
		k := ks.of(f.Kind).many
		if len(kinds[i]) > 0 {
			k = strings.ToLower(k)
		}
		if !slices.ContainsFunc(kinds[i], func(s string) bool { return strings.EqualFold(s, k) }) {
			kinds[i] = append(kinds[i], k)
		}
		if w := categoryWords[f.Category]; w != "" && !slices.Contains(cats[i], w) {
			cats[i] = append(cats[i], w)
		}
		if f.Redacted {
			redacted[i] = append(redacted[i], strings.ToLower(humanize(f.Name)))
		}
	}
	for i := range out {
		out[i].Kinds = joinWords(kinds[i])
		out[i].Categories = joinWords(cats[i])
		out[i].Redacted = joinWords(redacted[i])
	}
	return out
}

// joinWords joins "a", "b", "c" as "a, b and c".
func joinWords(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}
