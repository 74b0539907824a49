package bench_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// Dataset plans: "a table with a million rows of other customers is never
// scanned in full to find one person". Every statement the dataset engine
// issues for one person (Alex Morgan of the demo store: an account, a
// guest order and a guest ticket under the same email, warranties that
// ended and that still run) is caught on its way to the database, and the
// database's plan for it is printed: EXPLAIN QUERY PLAN on SQLite, EXPLAIN
// on PostgreSQL. A plan that reads one of the crowded tables in full, or
// walks its primary key from a bound to the end, fails the test.

// stmt is one distinct statement (IN lists of any length count as one),
// the first arguments it ran with and how often it ran.
type stmt struct {
	phase, sql string
	vars       []any
	runs       int
}

// stmtLog gathers the statements of each phase, in the order first seen.
type stmtLog struct {
	mu    sync.Mutex
	phase string
	seen  map[string]*stmt
	order []*stmt
}

var (
	placeholder = regexp.MustCompile(`\$\d+`)
	inList      = regexp.MustCompile(`\?(\s*,\s*\?)+`)
)

func (l *stmtLog) add(tx *gorm.DB) {
	q := tx.Statement.SQL.String()
	if q == "" {
		return
	}
	key := l.phase + "\x00" + inList.ReplaceAllString(placeholder.ReplaceAllString(q, "?"), "?…")
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.seen[key]; ok {
		s.runs++
		return
	}
	s := &stmt{phase: l.phase, sql: q, vars: slices.Clone(tx.Statement.Vars), runs: 1}
	l.seen[key] = s
	l.order = append(l.order, s)
}

// catchStatements registers callbacks that log every statement db runs.
func catchStatements(tb testing.TB, db *gorm.DB) *stmtLog {
	tb.Helper()
	l := &stmtLog{seen: map[string]*stmt{}}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("bench:plans", l.add),
		cb.Row().After("gorm:row").Register("bench:plans", l.add),
		cb.Raw().After("gorm:raw").Register("bench:plans", l.add),
		cb.Update().After("gorm:update").Register("bench:plans", l.add),
		cb.Delete().After("gorm:delete").Register("bench:plans", l.add),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return l
}

// runPerson runs, phase by phase, everything the dataset engine does for
// one person: the account lookup and identity proofs, every source's
// Collect and PlanErasure, the opt-outs, then Erase in erasure order.
func runPerson(tb testing.TB, db *gorm.DB, l *stmtLog, email string) map[string]int {
	tb.Helper()
	ctx := context.Background()
	ds := store.DemoDatasets()
	s := store.Subject{Email: email}
	got := map[string]int{}
	phase := func(name string) { l.mu.Lock(); l.phase = name; l.mu.Unlock() }

	phase("lookup")
	if _, ok, err := ds.FindPerson(ctx, db, email); err != nil || !ok {
		tb.Fatalf("find %s: found %v, %v", email, ok, err)
	}
	if _, err := ds.IdentityProofs(ctx, db, email); err != nil {
		tb.Fatal(err)
	}
	phase("collect")
	for _, src := range ds.Sources() {
		if _, err := src.Collect(ctx, db, s, func(store.Record) error { got["records"]++; return nil }); err != nil {
			tb.Fatalf("collect %s: %v", src.Name(), err)
		}
	}
	phase("plan erasure")
	for _, src := range ds.Sources() {
		p, err := src.PlanErasure(ctx, db, s, heavyNow)
		if err != nil {
			tb.Fatalf("plan %s: %v", src.Name(), err)
		}
		got["planned"] += p.Total(store.ActionDelete) + p.Total(store.ActionAnonymize) + p.Total(store.ActionKeep)
	}
	phase("opt-out")
	for _, scope := range []string{"marketing_email", "sale_sharing", "analytics"} {
		if _, err := ds.ApplyOptOut(ctx, db, models.NormalizeEmail(email), scope, heavyNow); err != nil {
			tb.Fatalf("opt out %s: %v", scope, err)
		}
	}
	phase("erase")
	for _, src := range store.ErasureOrder(ds.Sources()) {
		r, err := src.Erase(ctx, db, s, heavyNow)
		if err != nil {
			tb.Fatalf("erase %s: %v", src.Name(), err)
		}
		got["erased"] += r.Total(store.ActionDelete) + r.Total(store.ActionAnonymize) + r.Total(store.ActionKeep)
	}
	return got
}

// explainStmt returns the database's plan for s, one line per step.
func explainStmt(tb testing.TB, db *models.DB, s *stmt) []string {
	tb.Helper()
	explain := "EXPLAIN QUERY PLAN "
	if db.Dialect == models.DialectPostgres {
		explain = "EXPLAIN (COSTS OFF) " // plans only: a DELETE is not run
	}
	rows, err := db.SQL.QueryContext(context.Background(), explain+s.sql, s.vars...)
	if err != nil {
		tb.Fatalf("explain %s: %v", s.sql, err)
	}
	defer rows.Close()
	var lines []string
	depth := map[int]int{0: -1}
	for rows.Next() {
		if db.Dialect == models.DialectPostgres {
			var line string
			if err := rows.Scan(&line); err != nil {
				tb.Fatal(err)
			}
			lines = append(lines, line)
			continue
		}
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		depth[id] = depth[parent] + 1
		lines = append(lines, strings.Repeat("  ", depth[id])+detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

var (
	// SQLite: SCAN t [USING [COVERING] INDEX i] reads all of t or of an
	// index of it; SEARCH t USING INTEGER PRIMARY KEY (rowid>?) reads from
	// a bound to the end.
	sqliteStep = regexp.MustCompile(`^\s*(SCAN|SEARCH) (\w+)(.*)$`)
	rowidRange = regexp.MustCompile(`USING INTEGER PRIMARY KEY \(rowid[<>]=?\?\)`)
	// PostgreSQL: a scan node and, below it, its index condition.
	pgScan      = regexp.MustCompile(`(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: Backward)?(?: using \w+)? on (\w+)`)
	pgIndexCond = regexp.MustCompile(`^\s*Index Cond: (.*)$`)
	pgIDRange   = regexp.MustCompile(`^\(\(?(\w+\.)?id [<>]=? [^)]*\)?\)$`)
	// An index lookup whose only condition is a column IS NULL reads every
	// row without an account, all the other guests' too. PostgreSQL says
	// so; SQLite shows IS NULL as =?, so there a statement finding guests
	// by lower(email) must search an index on that expression.
	pgNullOnly  = regexp.MustCompile(`^\(?\w+ IS NULL\)?$`)
	guestLookup = regexp.MustCompile("IS NULL AND lower\\(")
)

// fullScans returns the crowded tables the plan of query reads in full,
// or all of whose guest rows it reads.
func fullScans(dialect, query string, plan []string) []string {
	big := map[string]bool{}
	for _, t := range crowdTables {
		big[t.table] = true
	}
	var out []string
	if dialect != models.DialectPostgres {
		for _, l := range plan {
			m := sqliteStep.FindStringSubmatch(l)
			if m == nil || !big[m[2]] {
				continue
			}
			if m[1] == "SCAN" || rowidRange.MatchString(m[3]) {
				out = append(out, m[2])
			}
			if guestLookup.MatchString(query) && !strings.Contains(l, "<expr>=?") && !slices.ContainsFunc(plan, func(o string) bool {
				return strings.Contains(o, "SEARCH "+m[2]+" ") && strings.Contains(o, "<expr>=?")
			}) && !slices.Contains(out, m[2]+" (every guest row)") {
				out = append(out, m[2]+" (every guest row)")
			}
		}
		return out
	}
	heap := "" // the table of the Bitmap Heap Scan above a Bitmap Index Scan
	for i, l := range plan {
		m := pgScan.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		node, table := m[1], m[2]
		if node == "Bitmap Heap Scan" {
			heap = table
			continue
		}
		if node == "Bitmap Index Scan" {
			table = heap
		}
		if !big[table] {
			continue
		}
		var cond string
		for _, d := range plan[i+1:] {
			if strings.Contains(d, "->") {
				break
			}
			if c := pgIndexCond.FindStringSubmatch(d); c != nil {
				cond = c[1]
			}
		}
		switch {
		case node == "Seq Scan", cond == "", pgIDRange.MatchString(cond):
			out = append(out, table)
		case pgNullOnly.MatchString(cond):
			out = append(out, table+" (every guest row)")
		}
	}
	return out
}

// TestDatasetPlansReport prints the plans and the dataset-plans target
// lines (and dataset-plans-postgres with PRIVACYDESK_TEST_POSTGRES_URL).
func TestDatasetPlansReport(t *testing.T) {
	reportOnly(t)
	for _, dialect := range testdb.Dialects() {
		name := "dataset-plans"
		if dialect == models.DialectPostgres {
			name += "-" + dialect
		}
		url, seeding := crowdStore(t, dialect)
		db, err := models.Open(context.Background(), url, models.OpenOptions{Now: func() time.Time { return heavyNow }})
		if err != nil {
			t.Fatal(err)
		}
		l := catchStatements(t, db.DB)
		got := runPerson(t, db.DB, l, demo.AlexMorganEmail)
		if got["records"] == 0 || got["erased"] == 0 {
			t.Errorf("%s: the person has no records (%v): nothing was explained", dialect, got)
		}
		say("\n### Dataset plans: one person's statements among a million rows of other customers (%s)\n", dialect)
		say("Store: the demo store plus %d generated rows of other customers (%s); the person is %s "+
			"(%d records collected, %d planned, %d erased). Each distinct statement once (IN lists of any length alike), "+
			"with how often it ran.\n", crowdRows(), seeding, demo.AlexMorganEmail, got["records"], got["planned"], got["erased"])
		say("| phase | statement | runs | reads a crowded table in full |")
		say("|---|---|--:|---|")
		var details strings.Builder
		bad := 0
		for _, s := range l.order {
			plan := explainStmt(t, db, s)
			full := fullScans(dialect, s.sql, plan)
			verdict := "no"
			if len(full) > 0 {
				bad++
				verdict = "**YES: " + strings.Join(full, ", ") + "**"
				t.Errorf("%s, %s: %s reads %v in full:\n%s", dialect, s.phase, s.sql, full, strings.Join(plan, "\n"))
			}
			say("| %s | `` %s `` | %d | %s |", s.phase, short(inList.ReplaceAllString(s.sql, "?…")), s.runs, verdict)
			fmt.Fprintf(&details, "\n%s (%d runs):\n\n```\n%s\n\n%s\n```\n", s.phase, s.runs,
				inList.ReplaceAllString(s.sql, "?…"), strings.Join(plan, "\n"))
		}
		say("\n<details><summary>%d plans (%s)</summary>\n%s\n</details>\n", len(l.order), dialect, details.String())
		target(name, fmt.Sprintf("%d/%d", bad, len(l.order)), "0-full-scans", bad == 0)
		db.Close()
	}
}
