package store_test

import (
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/store"
)

// withLines is base with a child table of order lines, shown under their
// orders; the cases below break its presentation in one place each.
const withLines = base + `        words: {one: order, many: Orders}
        show:
          sort_by: email
          columns:
            - {label: Contact, fields: [email]}
      - table: lines
        kind: line
        belongs: {parent: {table: orders, column: order_id}}
        columns:
          - {name: order_id, category: purchase}
          - {name: sku, category: purchase}
        show:
          under_parent: true
`

// TestParseDatasetChecksHowRecordsAreShownAndWorded proves a table's
// words, show and summaries may name only what the table exports, each
// mistake reported at file:line with its field.
func TestParseDatasetChecksHowRecordsAreShownAndWorded(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"column of an unexported field", strings.Replace(withLines, "fields: [email]", "fields: [email, phone]", 1), 14,
			`sources[0].tables[0].show.columns[0].fields[1]: column "phone" is not exported by this table`},
		{"column without fields", strings.Replace(withLines, "{label: Contact, fields: [email]}", "{label: Contact}", 1), 14,
			"sources[0].tables[0].show.columns[0].fields: name the exported columns"},
		{"sort by an unexported column", strings.Replace(withLines, "sort_by: email", "sort_by: placed_at", 1), 12,
			`sources[0].tables[0].show.sort_by: column "placed_at" is not exported`},
		{"under a parent it does not have", strings.Replace(withLines, "belongs: {parent: {table: orders, column: order_id}}", "belongs: {email: email}", 1), 22,
			"sources[0].tables[1].show.under_parent: the table has no parent"},
		{"under a parent whose column is not exported", strings.Replace(withLines, "          - {name: order_id, category: purchase}\n", "", 1), 21,
			"sources[0].tables[1].show.under_parent: the parent column order_id must be exported"},
		{"a count without the number", strings.Replace(withLines, "{one: order, many: Orders}", "{one: order, count_many: several orders}", 1), 10,
			`sources[0].tables[0].words.count_many: "several orders" does not say how many`},
		{"why of deleted rows", withLines + "        erase:\n          summary: {why: because}\n", 24,
			"sources[0].tables[1].erase.summary: the rows are deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantDatasetError(t, tc.yaml, tc.line, tc.want) })
	}
	if _, err := store.ParseDataset("shop.yaml", []byte(withLines)); err != nil {
		t.Errorf("the valid file: %v", err)
	}
}

// TestDatasetsWordEachKindAsItsFileSays proves the words and summaries
// of the demo file reach their users (the parent kind of a child shown
// under it, the rule's summary with its years, the parent's years for a
// child), and that a file without them gives words made from the kind.
func TestDatasetsWordEachKindAsItsFileSays(t *testing.T) {
	d := store.DemoDatasets()
	kinds := map[string]store.KindView{}
	for _, k := range d.Kinds() {
		kinds[k.Kind] = k
	}
	if l := kinds["order_line"]; l.Parent != "order" || l.ParentField != "order_id" || l.Words.Many != "Order lines" {
		t.Errorf("order_line shown as %+v", l)
	}
	if c := kinds["customer"]; !c.Show.Single || c.Show.Columns[0].Sep != " " || len(c.Show.Columns[0].Fields) != 2 {
		t.Errorf("customer shown as %+v", c.Show)
	}
	if got := d.RecordWords("customer", 1); got != "your customer profile" {
		t.Errorf("one customer: %q", got)
	}
	if got := d.RecordWords("order", 3); got != "3 orders" { // made from words.many
		t.Errorf("three orders: %q", got)
	}
	if d.PersonKind() != "customer" {
		t.Errorf("person kind %q", d.PersonKind())
	}
	it, years := d.Describe("orders", store.PlanItem{Kind: "order", Action: store.ActionAnonymize, Count: 1})
	what, why, removed := it.Summary.Text(it.Count, store.CountWords(it.Words, it.Kind, it.Count), years)
	if what != "1 order" || why != "because tax law requires us to keep order records for 7 years" ||
		!strings.HasSuffix(removed, "street address from it.") || !strings.HasPrefix(it.Summary.Ground, "Orders:") {
		t.Errorf("kept order: %q / %q / %q / %q", what, why, removed, it.Summary.Ground)
	}
	it, years = d.Describe("orders", store.PlanItem{Kind: "order_line", Action: store.ActionDelete, Count: 2})
	if what, _, _ := it.Summary.Text(2, store.CountWords(it.Words, it.Kind, 2), years); what != "2 order lines from orders more than 7 years old" {
		t.Errorf("deleted lines: %q", what)
	}

	plain, err := store.ParseDataset("shop.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	pd, err := store.NewDatasets(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got := pd.RecordWords("order", 2); got != "2 order records" {
		t.Errorf("a kind without words: %q", got)
	}
	if it, _ := pd.Describe("orders", store.PlanItem{Kind: "order", Action: store.ActionDelete}); it.Summary != nil || it.Words != nil {
		t.Errorf("a kind without words or summary described as %+v", it)
	}
}
