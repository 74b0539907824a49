package export_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

// listSource is a part of the store that holds the given records in memory.
type listSource struct {
	name, label string
	records     []store.Record
	err         error // returned after the records
}

func (l listSource) Name() string  { return l.name }
func (l listSource) Label() string { return l.label }

func (l listSource) Collect(_ context.Context, _ *gorm.DB, _ store.Subject, emit func(store.Record) error) (store.Counts, error) {
	counts := store.Counts{}
	for _, r := range l.records {
		if err := emit(r); err != nil {
			return counts, err
		}
		counts[r.Kind]++
	}
	return counts, l.err
}

func record(kind string, id int64, fields ...store.Field) store.Record {
	return store.Record{Kind: kind, ID: id, Fields: fields}
}

var facts = export.Facts{Store: "Kactoily", RequestID: "req_test1", Generated: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
	Policy: org.Default().Statements, Rights: org.RightsOffered(), PrivacyCenter: "https://privacy.example/requests/new"}

// unzip returns the files of the ZIP at path by name.
func unzip(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	defer zr.Close()
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(b)
	}
	return files
}

// TestBuildWritesTheZIPItReportsTitledByEachSourcesLabel proves Build
// returns the path, size and SHA-256 of the file it wrote, that the ZIP
// holds each source's JSON, each kind's CSV and index.html, and that
// index.html titles each part with its source's Label (or, without one,
// its name in words) and states the facts it was given.
func TestBuildWritesTheZIPItReportsTitledByEachSourcesLabel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exports")
	sources := []export.Source{
		listSource{name: "account", label: "Everything about your account", records: []store.Record{
			record("customer", 7, store.Field{Name: "first_name", Value: "Ana"}, store.Field{Name: "last_name", Value: "Lima"}),
		}},
		listSource{name: "loyalty_points", records: []store.Record{record("points", 1, store.Field{Name: "balance", Value: int64(1200)})}},
	}
	f, err := export.Build(context.Background(), dir, nil, sources, store.Subject{Email: "ana@example.com"}, facts)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if filepath.Dir(f.Path) != dir || !strings.HasPrefix(filepath.Base(f.Path), "req_test1-") ||
		f.SizeBytes != int64(len(body)) || f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("Build returned %+v; the file is %d bytes with SHA-256 %x", f, len(body), sum)
	}
	files := unzip(t, f.Path)
	for _, name := range []string{"index.html", "data/account.json", "data/loyalty_points.json", "csv/customer.csv", "csv/points.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the ZIP lacks %s", name)
		}
	}
	page := files["index.html"]
	for _, want := range []string{`<h2 id="part-account">Everything about your account</h2>`, `<h2 id="part-loyalty_points">Loyalty points</h2>`,
		"ana@example.com", "req_test1", "2 March 2026", "Ana Lima", "1,200", facts.PrivacyCenter + "?type=access"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the exports folder holds %d entries, want only the ZIP", len(entries))
	}
}

// TestBuildLeavesNoFileWhenASourceFails proves a source's error is
// returned with the source's name and leaves nothing behind in the folder.
func TestBuildLeavesNoFileWhenASourceFails(t *testing.T) {
	dir := t.TempDir()
	unreachable := errors.New("store database unreachable")
	sources := []export.Source{
		listSource{name: "account", label: "Your account", records: []store.Record{record("customer", 1, store.Field{Name: "email", Value: "a@example.com"})}},
		listSource{name: "orders", label: "Your orders", records: []store.Record{record("order", 2, store.Field{Name: "number", Value: "K-1"})}, err: unreachable},
	}
	f, err := export.Build(context.Background(), dir, nil, sources, store.Subject{Email: "a@example.com"}, facts)
	if !errors.Is(err, unreachable) || !strings.Contains(err.Error(), "orders") || f != nil {
		t.Fatalf("Build = %+v, %v; want the orders source's error", f, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed build left %d entries in the folder", len(entries))
	}
}
