package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/store"
)

// TestDemoDatasetDescribesTheFiveSources proves the built-in file parses
// into the five sources in export order, with their labels, and erases
// the account last.
func TestDemoDatasetDescribesTheFiveSources(t *testing.T) {
	d := store.DemoDatasets()
	var names, labels, order []string
	for _, s := range d.Sources() {
		names = append(names, s.Name())
		labels = append(labels, s.Label())
	}
	for _, s := range store.ErasureOrder(d.Sources()) {
		order = append(order, s.Name())
	}
	if want := []string{"account", "orders", "warranty", "support", "activity"}; !slices.Equal(names, want) {
		t.Errorf("sources %v, want %v", names, want)
	}
	if labels[0] != "Your account" || labels[1] != "Your orders" {
		t.Errorf("labels %v", labels)
	}
	if order[len(order)-1] != "account" {
		t.Errorf("erasure order %v: account not last", order)
	}
}

// base is a valid one-table file the cases below break in one place each.
const base = `sources:
  - name: orders
    label: Your orders
    tables:
      - table: orders
        kind: order
        belongs: {email: email}
        columns:
          - {name: email, category: contact}
`

// TestParseDatasetNamesFileLineAndField proves each kind of mistake is
// reported with the file, the line it is on and the field.
func TestParseDatasetNamesFileLineAndField(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown field", strings.Replace(base, "    label: Your orders\n", "    label: Your orders\n    colour: red\n", 1), 4, `unknown field "colour"`},
		{"bad YAML type", strings.Replace(base, "    label: Your orders\n", "    label: Your orders\n    erase_order: soon\n", 1), 4, "erase_order: expected a whole number, got text"},
		{"keep rule without a reason", base + "        erase:\n          mark: at\n          set: [{column: email, to_null: true}]\n          keep: {within: {column: at, years: 2}}\n", 13,
			"sources[0].tables[0].erase.keep.reason: a keep rule needs the legal reason"},
		{"path that does not reach the person", base + "      - table: lines\n        kind: line\n        belongs: {parent: {table: carts, column: cart_id}}\n        columns: [{name: sku, category: purchase}]\n", 12,
			"sources[0].tables[1].belongs.parent.table: table \"carts\" is not described earlier"},
		{"unknown category", strings.Replace(base, "category: contact", "category: secrets", 1), 9, `sources[0].tables[0].columns[0].category: "secrets" is not one of`},
		{"no way to belong", strings.Replace(base, "belongs: {email: email}", "belongs: {}", 1), 7, "give exactly one way a row belongs"},
		{"email index without an email", base + "      - table: lines\n        kind: line\n        email_index: lines_email\n        belongs: {parent: {table: orders, column: order_id}}\n        columns: [{name: sku, category: purchase}]\n", 12,
			"sources[0].tables[1].email_index: only means something with belongs.email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantDatasetError(t, tc.yaml, tc.line, tc.want) })
	}
	if _, err := store.ParseDataset("shop.yaml", []byte(base)); err != nil {
		t.Errorf("the valid base file: %v", err)
	}
}

// TestLoadDatasetsReadsAFolderAndRejectsADuplicateSource proves a folder
// stands for its YAML files and that two files cannot describe the same
// source.
func TestLoadDatasetsReadsAFolderAndRejectsADuplicateSource(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := store.LoadDatasets(dir)
	if err != nil || len(d.Sources()) != 1 || d.Sources()[0].Label() != "Your orders" {
		t.Fatalf("load: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.yml"), []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = store.LoadDatasets(dir)
	if err == nil || !strings.Contains(err.Error(), "b.yml:2: sources[0].name: source \"orders\" is already described") {
		t.Fatalf("duplicate source: %v", err)
	}
	if _, err := store.LoadDatasets(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

// wantDatasetError checks that the dataset file shop.yaml holding yaml is
// refused, its first error at line and containing want.
func wantDatasetError(t *testing.T, yaml string, line int, want string) {
	t.Helper()
	_, err := store.ParseDataset("shop.yaml", []byte(yaml))
	var errs store.DatasetErrors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("error %v, want DatasetErrors", err)
	}
	if e := errs[0]; e.File != "shop.yaml" || e.Line != line || !strings.Contains(e.Error(), want) {
		t.Errorf("got %q (line %d), want shop.yaml:%d and %q", e.Error(), e.Line, line, want)
	}
}
