package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/store"
)

// want is a problem a fixture expects: on its line, a message containing msg.
type want struct {
	line int
	msg  string
}

// fixtureWants reads the "# want: …" comments of a dataset file: each
// says which problem `datasets check` must report on that line.
func fixtureWants(t *testing.T, path string) []want {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ws []want
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if _, msg, ok := strings.Cut(sc.Text(), "# want: "); ok {
			ws = append(ws, want{n, msg})
		}
	}
	return ws
}

// checkFiles loads dataset files as `datasets check` does and returns
// every problem: the file's own, or else the database's answer.
func checkFiles(t *testing.T, db *gorm.DB, paths ...string) store.DatasetErrors {
	t.Helper()
	ds, err := store.LoadDatasets(paths...)
	var des store.DatasetErrors
	if errors.As(err, &des) {
		return des
	}
	if err != nil {
		t.Fatal(err)
	}
	problems, err := ds.Check(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

// TestCheckReportsEachProblemAtItsFileAndLine runs every broken fixture in
// testdata/check through loading and the check against a migrated store
// database: each reports exactly the problems its "# want:" comments
// name, each as file:line: field: message. The kinds covered: unknown
// table, unknown column, a path that does not reach the person (a parent
// outside the source; a join column that does not exist), a keep rule
// without a reason, a list where a string is expected (and text where a
// number is), an unknown key, a missing index, and the person lookup's own
// columns.
func TestCheckReportsEachProblemAtItsFileAndLine(t *testing.T) {
	paths, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil || len(paths) < 8 {
		t.Fatalf("fixtures: %v %v", paths, err)
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		db := testdb.Open(t, dialect).DB
		for _, path := range paths {
			if filepath.Base(path) == "valid.yaml" {
				continue
			}
			t.Run(filepath.Base(path), func(t *testing.T) {
				ws := fixtureWants(t, path)
				if len(ws) == 0 {
					t.Fatalf("%s has no # want: comment", path)
				}
				got := checkFiles(t, db, path)
				var lines []string
				for _, e := range got {
					lines = append(lines, e.Error())
				}
				all := strings.Join(lines, "\n")
				for _, w := range ws {
					prefix := fmt.Sprintf("%s:%d: ", path, w.line)
					found := false
					for _, l := range lines {
						found = found || (strings.HasPrefix(l, prefix) && strings.Contains(l, w.msg))
					}
					if !found {
						t.Errorf("no problem %q at %s; got:\n%s", w.msg, prefix, all)
					}
				}
				if len(got) != len(ws) {
					t.Errorf("got %d problems, want %d:\n%s", len(got), len(ws), all)
				}
			})
		}
	})
}

// TestCheckPassesTheDemoFileAndAValidFile checks the built-in demo file and
// a valid description of another shape against the migrated store
// database: no problem; the same valid file against a database without
// the store's tables reports each missing table once; and a database that
// cannot be reached is an error, not a list of missing tables.
func TestCheckPassesTheDemoFileAndAValidFile(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Open(t, dialect).DB
		problems, err := store.DemoDatasets().Check(ctx, db)
		if err != nil || len(problems) > 0 {
			t.Fatalf("demo file: %v %v", problems, err)
		}
		if got := checkFiles(t, db, "testdata/check/valid.yaml"); len(got) > 0 {
			t.Fatalf("valid.yaml: %v", got)
		}

		empty := testdb.OpenEmpty(t, dialect).DB
		got := checkFiles(t, empty, "testdata/check/valid.yaml")
		want := []string{
			"testdata/check/valid.yaml:4: person.table: table store_customers does not exist in the store database",
			"testdata/check/valid.yaml:15: sources[0].tables[0].table: table store_orders does not exist in the store database",
			"testdata/check/valid.yaml:32: sources[0].tables[1].table: table store_order_lines does not exist in the store database",
			"testdata/check/valid.yaml:48: sources[1].tables[0].table: table store_customers does not exist in the store database",
		}
		if got.Error() != strings.Join(want, "\n") {
			t.Fatalf("against an empty database:\n%s\nwant:\n%s", got.Error(), strings.Join(want, "\n"))
		}

		// A database that cannot be asked is an error, not missing tables.
		gone := testdb.OpenEmpty(t, dialect)
		if err := gone.Close(); err != nil {
			t.Fatal(err)
		}
		if problems, err := store.DemoDatasets().Check(ctx, gone.DB); err == nil || len(problems) > 0 {
			t.Fatalf("closed database: %v %v, want an error", problems, err)
		}
	})
}
