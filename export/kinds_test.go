package export_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/store"
)

// describedSource is a listSource whose dataset says how its kinds are
// shown, as a dataset engine of package store does.
type describedSource struct {
	listSource
	kinds []store.KindView
}

func (d describedSource) Kinds() []store.KindView { return d.kinds }

// TestBuildShowsEachKindAsItsDatasetSays proves index.html takes a
// described source's words and show (names, column groups with their
// separator, a child kind under its parent) rather than the demo store's,
// even for a kind named like one of the demo's, and words a kind its
// dataset does not describe from its name.
func TestBuildShowsEachKindAsItsDatasetSays(t *testing.T) {
	src := describedSource{
		listSource: listSource{name: "shop", label: "Your shop", records: []store.Record{
			record("customer", 1, store.Field{Name: "first", Value: "Ana"}, store.Field{Name: "last", Value: "Lima"}),
			record("order", 5, store.Field{Name: "ref", Value: "W-77"}),
			record("item", 9, store.Field{Name: "order_id", Value: int64(5)}, store.Field{Name: "title", Value: "Kettle"}),
			record("note", 3, store.Field{Name: "text", Value: "ring twice"}),
		}},
		kinds: []store.KindView{
			{Kind: "customer", Words: store.WordsSpec{One: "member", Many: "Membership"}, Show: store.ShowSpec{Single: true,
				Columns: []store.ShowColumnSpec{{Label: "Full name", Fields: []string{"last", "first"}, Sep: " / "}}}},
			{Kind: "order", Words: store.WordsSpec{Many: "Purchases"}, Show: store.ShowSpec{
				Columns: []store.ShowColumnSpec{{Fields: []string{"ref"}}}}, Labels: map[string]string{"ref": "Reference"}},
			{Kind: "item", Words: store.WordsSpec{Many: "Items bought"}, Parent: "order", ParentField: "order_id",
				Show: store.ShowSpec{UnderParent: true, Columns: []store.ShowColumnSpec{{Label: "What", Fields: []string{"title"}}}}},
			{Kind: "note"},
		},
	}
	f, err := export.Build(context.Background(), t.TempDir(), nil, []export.Source{src}, store.Subject{Email: "ana@example.com"}, facts)
	if err != nil {
		t.Fatal(err)
	}
	page := unzip(t, f.Path)["index.html"]
	for _, want := range []string{"Membership", "Full name", "Lima / Ana", "<h3>Purchases</h3>", "Reference", "W-77",
		"Items bought", "Kettle", "Note records"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	for _, demo := range []string{"Account details", "<h3>Orders</h3>", "Shipped to"} {
		if strings.Contains(page, demo) {
			t.Errorf("index.html shows the demo store's %q", demo)
		}
	}
}
