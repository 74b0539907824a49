package bench_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// queueFilterFor turns a queue page's path into the filter the handler and
// workflows.Service.Queue hand to models.QueuePage for the signed-in
// staff member (id 1).
func queueFilterFor(tb testing.TB, path string) models.QueueFilter {
	u, err := url.Parse(path)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	f := models.QueueFilter{Status: q.Get("status"), Type: q.Get("type"), Assignee: q.Get("assignee"), StaffID: 1,
		Due: q.Get("due"), Search: strings.ToLower(strings.TrimSpace(q.Get("q"))), Hidden: q.Get("hidden") == "true",
		Now: queueNow}
	if after := q.Get("after"); after != "" {
		i := strings.LastIndex(after, "~")
		at, err := time.Parse(time.RFC3339Nano, after[:max(i, 0)])
		if i < 0 || err != nil {
			tb.Fatalf("cursor %q: %v", after, err)
		}
		f.After = &models.Cursor{At: at, ID: after[i+1:]}
	}
	return f
}

// explainQueue returns the SQL models.QueuePage runs for the page at path
// and the database's plan for it: EXPLAIN QUERY PLAN on SQLite, EXPLAIN
// ANALYZE (actual row counts, no timings) on PostgreSQL.
func explainQueue(tb testing.TB, s *queueSite, path string) string {
	tb.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, s.URL, models.OpenOptions{Now: func() time.Time { return queueNow }})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	// A dry run builds the statement without running it; catch it on its way.
	var query string
	var vars []any
	err = db.Callback().Row().After("gorm:row").Register("bench:capture", func(tx *gorm.DB) {
		query, vars = tx.Statement.SQL.String(), slices.Clone(tx.Statement.Vars)
	})
	if err != nil {
		tb.Fatal(err)
	}
	_, _, _ = models.QueuePage(ctx, db.Session(&gorm.Session{DryRun: true}), queueFilterFor(tb, path))
	if query == "" {
		tb.Fatal("QueuePage built no query")
	}
	explain := "EXPLAIN QUERY PLAN "
	if db.Dialect == models.DialectPostgres {
		explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
	}
	rows, err := db.SQL.QueryContext(ctx, explain+query, vars...)
	if err != nil {
		tb.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", query)
	depth := map[int]int{0: -1}
	for rows.Next() {
		if db.Dialect == models.DialectPostgres {
			var line string
			if err := rows.Scan(&line); err != nil {
				tb.Fatal(err)
			}
			b.WriteString(line + "\n")
			continue
		}
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		depth[id] = depth[parent] + 1
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth[id]), detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	plan := b.String()
	fmt.Fprintf(&b, "\nfull scan of requests: %s; sort: %s", yesNo(fullScan.MatchString(plan)), yesNo(sorts.MatchString(plan)))
	if strings.Contains(path, "after=") {
		fmt.Fprintf(&b, "; cursor bounds the index range: %s", yesNo(cursorRange.MatchString(plan)))
	}
	b.WriteString("\n")
	return b.String()
}

var (
	// A walk of a whole index counts too, but for the partial hidden-queue
	// ones, which it walks in the queue's order up to the page's LIMIT.
	fullScan = regexp.MustCompile(`(?m)^\s*SCAN r( USING (COVERING )?INDEX (requests_[a-uw-z]\w*|sqlite_\w+))?\s*$|Seq Scan on requests`)
	sorts    = regexp.MustCompile(`TEMP B-TREE|(?m)^\s*(->\s*)?(Incremental )?Sort\b`)
	// SQLite names the range in the SEARCH line, PostgreSQL in Index Cond.
	cursorRange = regexp.MustCompile(`SEARCH r USING INDEX \w+ \(.*\(queue_at,id\)>|Index Cond: .*ROW\(queue_at, \(?id\)?(::text)?\) >`)
)

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "no"
}
