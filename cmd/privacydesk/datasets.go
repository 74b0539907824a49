package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// datasetsCommand runs `privacydesk datasets check`.
func datasetsCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, "usage: privacydesk datasets check [--datasets FILES] [--email E] [flags]\n")
		return errUsage
	}
	return datasetsCheck(ctx, args[1:], getenv, stdout, stderr)
}

// loadDatasets reads the configured dataset files, or the built-in demo
// store's. Errors: store.DatasetErrors, or the error reading a file.
func loadDatasets(cfg config.Config) (*store.Datasets, error) {
	paths := cfg.DatasetPaths()
	if len(paths) == 0 {
		return store.DemoDatasets(), nil
	}
	return store.LoadDatasets(paths...)
}

// checkDatasets loads the dataset files and checks them against the store
// database; the error lists every problem, one file:line: message a line.
func checkDatasets(ctx context.Context, cfg config.Config, db *models.DB) (*store.Datasets, error) {
	ds, err := loadDatasets(cfg)
	if err == nil {
		var problems store.DatasetErrors
		if problems, err = ds.Check(ctx, db.DB); err == nil && len(problems) > 0 {
			err = problems
		}
	}
	var des store.DatasetErrors
	if errors.As(err, &des) {
		return nil, fmt.Errorf("%d problem(s) in the dataset files (PRIVACYDESK_DATASETS):\n%w", len(des), err)
	}
	return ds, err
}

// datasetsCheck validates the dataset files against the store database
// and, with --email, prints what an access and a deletion request of that
// person would find and do. It changes nothing, in the store or elsewhere.
func datasetsCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email string
	cfg, err := config.LoadConfig("datasets check", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "also print what requests of this person would export and erase (nothing is changed)")
	})
	if err != nil {
		return err
	}
	db, err := openExistingStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ds, err := checkDatasets(ctx, cfg, db)
	if err != nil {
		return err
	}
	files, sources, tables := describeDatasets(ds)
	fmt.Fprintf(stdout, "%s: %d source(s), %d table(s); every table, column, path and index they name exists in the %s store database\n",
		files, sources, tables, db.Dialect)
	if email == "" {
		return nil
	}
	now := time.Now().UTC()
	previews, err := store.Preview(ctx, db.DB, store.ErasureOrder(ds.Sources()), email, now)
	if err != nil {
		return fmt.Errorf("plan for %s: %s", email, models.ErrorMessage(err))
	}
	printPlan(stdout, email, now, previews)
	return nil
}

// openExistingStore opens the store database (the app's when no store
// database is configured) without migrating it, and without creating a
// SQLite file that is not there.
func openExistingStore(ctx context.Context, cfg config.Config, stderr io.Writer) (*models.DB, error) {
	url := cfg.StoreDatabaseURL
	if url == "" {
		url = cfg.DatabaseURL
	}
	dialect, path, err := models.ParseStoreDatabaseURL(url)
	if err != nil {
		return nil, err
	}
	if dialect == models.DialectSQLite {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store database: %w", err)
		}
	}
	return models.OpenStore(ctx, url, models.OpenOptions{Logger: newLogger(stderr)})
}

func describeDatasets(ds *store.Datasets) (files string, sources, tables int) {
	var names []string
	for _, f := range ds.Files {
		names = append(names, f.Path)
		sources += len(f.Sources)
		for _, s := range f.Sources {
			tables += len(s.Tables)
		}
	}
	return strings.Join(names, ", "), sources, tables
}

// printPlan prints, source by source in erasure order, what an access
// export would hold and what erasure would do.
func printPlan(w io.Writer, email string, now time.Time, previews []store.SourcePreview) {
	fmt.Fprintf(w, "\nplan for %s at %s (nothing was changed):\n", models.NormalizeEmail(email), now.Format(time.RFC3339))
	for i, p := range previews {
		fmt.Fprintf(w, "\n%d. %s (%s)\n", i+1, p.Name, p.Label)
		var found []string
		for _, k := range p.Found {
			found = append(found, fmt.Sprintf("%d %s", k.Count, k.Kind))
		}
		if len(found) == 0 {
			found = []string{"nothing found"}
		}
		fmt.Fprintf(w, "   access export: %s\n", strings.Join(found, ", "))
		if len(p.Plan.Items) == 0 {
			fmt.Fprintln(w, "   erasure: nothing to erase")
		}
		for _, it := range p.Plan.Items {
			until := ""
			if it.Until != nil {
				until = " until " + it.Until.Format(time.DateOnly)
				if it.UntilFirst != nil && !it.UntilFirst.Equal(*it.Until) {
					until = fmt.Sprintf(" until %s to %s", it.UntilFirst.Format(time.DateOnly), it.Until.Format(time.DateOnly))
				}
			}
			fmt.Fprintf(w, "   erasure: %s %d %s%s: %s\n", it.Action, it.Count, it.Kind, until, it.Reason)
		}
	}
}
