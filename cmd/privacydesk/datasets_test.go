package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/store"
)

// migratedEnv returns the environment of a freshly migrated database.
func migratedEnv(t *testing.T, dialect string) map[string]string {
	t.Helper()
	env := map[string]string{"PRIVACYDESK_DATABASE_URL": testdb.URL(t, dialect), "PRIVACYDESK_DATA_DIR": t.TempDir()}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envFunc(env), io.Discard, &errOut); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	return env
}

// TestDatasetsCheckPrintsEachProblemAsFileLineAndFails runs `datasets
// check` on a folder of files naming a column, a path column and a table
// the store database does not have, and on a file with a keep rule without
// a reason: it fails, and says each problem on its own line as
// file:line: field: message. The default, the built-in demo file, passes.
func TestDatasetsCheckPrintsEachProblemAsFileLineAndFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		env := migratedEnv(t, dialect)
		ctx := context.Background()
		var out bytes.Buffer
		if err := run(ctx, []string{"datasets", "check"}, envFunc(env), &out, io.Discard); err != nil {
			t.Fatalf("the demo file: %v\n%s", err, out.String())
		}
		contains(t, out.String(), store.DemoDatasetPath+": 5 source(s), 12 table(s); every table, column, path and index they name exists in the "+dialect+" store database")

		for _, c := range []struct {
			datasets string
			want     []string
		}{
			{"testdata/datasets/broken", []string{
				"3 problem(s) in the dataset files (PRIVACYDESK_DATASETS):",
				"testdata/datasets/broken/orders.yaml:12: sources[0].tables[0].columns[1].name: table store_orders has no column shipping_adress",
				"testdata/datasets/broken/orders.yaml:15: sources[0].tables[1].belongs.parent.column: table store_order_lines has no column order_number: the path to store_orders, and so to the person, does not resolve",
				"testdata/datasets/broken/wishlist.yaml:7: sources[0].tables[0].table: table store_wishlist_items does not exist in the store database",
			}},
			{"testdata/datasets/keep_without_reason.yaml", []string{
				"1 problem(s) in the dataset files (PRIVACYDESK_DATASETS):",
				"testdata/datasets/keep_without_reason.yaml:15: sources[0].tables[0].erase.keep.reason: a keep rule needs the legal reason the customer reads",
			}},
		} {
			out.Reset()
			err := run(ctx, []string{"datasets", "check", "--datasets", c.datasets}, envFunc(env), &out, io.Discard)
			if err == nil {
				t.Fatalf("%s: check passed:\n%s", c.datasets, out.String())
			}
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, c.want) {
				t.Errorf("%s: got\n%s\nwant\n%s", c.datasets, err, strings.Join(c.want, "\n"))
			}
		}

		if err := run(ctx, []string{"datasets"}, envFunc(env), io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("datasets without check: %v, want the usage", err)
		}
		if err := run(ctx, []string{"datasets", "check", "--datasets", "testdata/datasets/none.yaml"}, envFunc(env), io.Discard, io.Discard); err == nil ||
			!strings.Contains(err.Error(), "testdata/datasets/none.yaml") {
			t.Errorf("a dataset file that is not there: %v", err)
		}

		// A SQLite store database that is not there is not created.
		missing := filepath.Join(t.TempDir(), "nowhere.db")
		env["PRIVACYDESK_STORE_DATABASE_URL"] = "sqlite:" + missing
		if err := run(ctx, []string{"datasets", "check"}, envFunc(env), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "store database") {
			t.Fatalf("missing store database: %v", err)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("datasets check created %s: %v", missing, err)
		}
	})
}

// tableDigests returns, per table of the database, its row count and a
// digest of every row, so any insert, update or delete shows.
func tableDigests(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.Raw("SELECT * FROM " + db.Statement.Quote(table) + " ORDER BY 1").Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		h, n := sha256.New(), 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, vals...)
			n++
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil)))
	}
	return out
}

// TestDatasetsCheckWithEmailPrintsThePlanAndChangesNothing seeds the demo
// store and runs `datasets check --email` for Alex Morgan: it prints, per
// source in erasure order (the account last), the records an access export
// would hold and every item of the erasure plan with its count and
// reason, as PlanErasure gives them; and every table's rows, counted and
// hashed, are identical before and after.
func TestDatasetsCheckWithEmailPrintsThePlanAndChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		env := migratedEnv(t, dialect)
		ctx := context.Background()
		db := openForTest(t, env["PRIVACYDESK_DATABASE_URL"])
		now := time.Now().UTC()
		if _, err := demo.Seed(ctx, db.DB, now); err != nil {
			t.Fatal(err)
		}
		before := tableDigests(t, db.DB)

		var out bytes.Buffer
		if err := run(ctx, []string{"datasets", "check", "--email", " Alex.Morgan@Example.com "}, envFunc(env), &out, io.Discard); err != nil {
			t.Fatalf("datasets check --email: %v\n%s", err, out.String())
		}
		if after := tableDigests(t, db.DB); !equalMaps(before, after) {
			t.Fatalf("datasets check changed the database:\nbefore %v\nafter  %v", before, after)
		}

		got := out.String()
		sources := store.ErasureOrder(store.DemoDatasets().Sources())
		if sources[len(sources)-1].Name() != store.SourceAccount {
			t.Fatalf("the account does not erase last: %v", sources)
		}
		at := 0
		for i, src := range sources {
			heading := fmt.Sprintf("\n%d. %s (%s)\n", i+1, src.Name(), src.Label())
			j := strings.Index(got[at:], heading)
			if j < 0 {
				t.Fatalf("no %q after position %d in:\n%s", heading, at, got)
			}
			at += j
			plan, err := src.PlanErasure(ctx, db.DB, store.Subject{Email: demo.AlexMorganEmail}, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Items) == 0 {
				t.Fatalf("%s: Alex Morgan has nothing to erase; the test would prove nothing", src.Name())
			}
			for _, it := range plan.Items {
				want := fmt.Sprintf("   erasure: %s %d %s", it.Action, it.Count, it.Kind)
				if !strings.Contains(got, want) || !strings.Contains(got, it.Reason) {
					t.Errorf("%s: no %q with its reason %q in:\n%s", src.Name(), want, it.Reason, got)
				}
			}
		}
		for _, want := range []string{
			"plan for alex.morgan@example.com at ",
			"   access export: 1 customer, 2 address, ",
			"   access export: 5 order, ", // four with the account, one as a guest
			"   erasure: delete 1 customer: ",
		} {
			contains(t, got, want)
		}

		out.Reset()
		if err := run(ctx, []string{"datasets", "check", "--email", "nobody@example.com"}, envFunc(env), &out, io.Discard); err != nil {
			t.Fatalf("datasets check --email of a stranger: %v\n%s", err, out.String())
		}
		if n := strings.Count(out.String(), "   access export: nothing found\n   erasure: nothing to erase\n"); n != len(sources) {
			t.Fatalf("a stranger has records in %d of %d sources:\n%s", len(sources)-n, len(sources), out.String())
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestServeRefusesABrokenDatasetFile starts `serve` with a dataset file
// naming a table the store does not have: it exits before listening, with
// the file:line and what is wrong.
func TestServeRefusesABrokenDatasetFile(t *testing.T) {
	env := map[string]string{
		"PRIVACYDESK_DATA_DIR":     t.TempDir(),
		"PRIVACYDESK_DATABASE_URL": testdb.URL(t, "sqlite"),
		"PRIVACYDESK_DATASETS":     "testdata/datasets/broken/wishlist.yaml",
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "none"}, envFunc(env), &out, io.Discard)
	want := "testdata/datasets/broken/wishlist.yaml:7: sources[0].tables[0].table: table store_wishlist_items does not exist in the store database"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("serve with a broken dataset file: %v, want an error saying %q", err, want)
	}
	if strings.Contains(out.String(), "listening") {
		t.Fatalf("serve listened with a broken dataset file:\n%s", out.String())
	}

	env["PRIVACYDESK_DATASETS"] = "testdata/datasets/keep_without_reason.yaml"
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "none"}, envFunc(env), &out, io.Discard)
	if want := "keep_without_reason.yaml:15: sources[0].tables[0].erase.keep.reason: a keep rule needs the legal reason"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("serve with a keep rule without reason: %v, want an error saying %q", err, want)
	}
}
