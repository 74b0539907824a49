package bench_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// Heavy-customer export: the access ZIP for the heavy customer (Fulfil on
// the approved request: it collects every record from every source and
// streams them into the ZIP) against the time to SELECT the same rows and
// write them, unzipped, to disk. The collection jobs that run first, for the
// staff preview, are timed and shown too, but are not part of the target.

const (
	exportGoal    = 3.0      // times the ceiling
	exportMemGoal = 64 << 20 // bytes of extra peak heap
	exportRounds  = 5
)

// exportRun is one access request carried out.
type exportRun struct {
	Collect, Fulfil time.Duration
	Heap            uint64 // extra peak heap over both
	ZipBytes        int64
	Records         int
}

// runExport files, collects, approves and fulfils one access request.
func runExport(tb testing.TB, h *heavySite) exportRun {
	tb.Helper()
	ctx := context.Background()
	heap := watchHeap()
	id, collect := h.approved(tb, "access")
	start := time.Now()
	if err := h.Svc.Fulfil(ctx, id); err != nil {
		tb.Fatal(err)
	}
	r := exportRun{Collect: collect, Fulfil: time.Since(start), Heap: heap.stop()}
	waitStatus(tb, h.DB, id, models.StatusCompleted, time.Second)
	e, err := models.LatestExport(ctx, h.DB.DB, id)
	if err != nil {
		tb.Fatal(err)
	}
	r.ZipBytes = e.SizeBytes
	for _, n := range collectedRecords(tb, h.DB, id) {
		r.Records += n
	}
	return r
}

// ceilingRun is the same rows selected and written as plain CSV files.
type ceilingRun struct {
	Took    time.Duration
	Rows    int
	Bytes   int64
	ByTable map[string]int
}

// heavyQueries select every row that is the heavy customer's, one query per
// table, written independently of the sources: by account id, and orders
// and tickets also as a guest under the email.
var heavyQueries = []struct{ table, where string }{
	{"store_customers", "id = :cid"},
	{"store_addresses", "customer_id = :cid"},
	{"store_marketing_preferences", "customer_id = :cid"},
	{"store_consent_choices", "customer_id = :cid"},
	{"store_orders", "customer_id = :cid OR (customer_id IS NULL AND email = :email)"},
	{"store_order_lines", "order_id IN (SELECT id FROM store_orders WHERE customer_id = :cid OR (customer_id IS NULL AND email = :email))"},
	{"store_product_registrations", "customer_id = :cid"},
	{"store_extended_warranties", "registration_id IN (SELECT id FROM store_product_registrations WHERE customer_id = :cid)"},
	{"store_support_tickets", "customer_id = :cid OR (customer_id IS NULL AND email = :email)"},
	{"store_support_messages", "ticket_id IN (SELECT id FROM store_support_tickets WHERE customer_id = :cid OR (customer_id IS NULL AND email = :email))"},
	{"store_attachments", "message_id IN (SELECT id FROM store_support_messages WHERE ticket_id IN " +
		"(SELECT id FROM store_support_tickets WHERE customer_id = :cid OR (customer_id IS NULL AND email = :email)))"},
	{"store_activity_records", "customer_id = :cid"},
}

// runCeiling selects the heavy customer's rows and writes each table's as
// CSV into dir, synced to disk like the export.
func runCeiling(tb testing.TB, db *sql.DB, dir string) ceilingRun {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	res := ceilingRun{ByTable: map[string]int{}}
	var cid int64
	if err := db.QueryRowContext(ctx, "SELECT id FROM store_customers WHERE email = ?", heavyEmail).Scan(&cid); err != nil {
		tb.Fatal(err)
	}
	for _, q := range heavyQueries {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+q.table+" WHERE "+q.where,
			sql.Named("cid", cid), sql.Named("email", heavyEmail))
		if err != nil {
			tb.Fatal(err)
		}
		n, size := writeCSV(tb, rows, filepath.Join(dir, q.table+".csv"))
		res.Rows += n
		res.Bytes += size
		res.ByTable[q.table] = n
	}
	res.Took = time.Since(start)
	return res
}

// writeCSV writes rows to a new file at path, header first, and returns
// how many rows and bytes it wrote.
func writeCSV(tb testing.TB, rows *sql.Rows, path string) (int, int64) {
	tb.Helper()
	defer rows.Close()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	w := csv.NewWriter(bw)
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]string, len(cols))
	if err := w.Write(cols); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				out[i] = ""
			case []byte:
				out[i] = string(x)
			case string:
				out[i] = x
			case int64:
				out[i] = strconv.FormatInt(x, 10)
			case time.Time:
				out[i] = x.UTC().Format(time.RFC3339)
			default:
				out[i] = fmt.Sprint(x)
			}
		}
		if err := w.Write(out); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		tb.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return n, info.Size()
}

// TestExportReport prints the heavy-customer export table and the export
// and export-memory target lines (SQLite, the default deployment).
func TestExportReport(t *testing.T) {
	reportOnly(t)
	template, seeding := heavyTemplate(t)
	h := openHeavySite(t, heavyCopy(t, template), false)
	var runs []exportRun
	var ceils []ceilingRun
	runCeiling(t, h.DB.SQL, t.TempDir()) // warm the page cache and the statement caches alike
	for range exportRounds {
		ceils = append(ceils, runCeiling(t, h.DB.SQL, t.TempDir()))
		runs = append(runs, runExport(t, h))
	}
	var collects, fulfils, ceil, ratios []float64
	var heap uint64
	for i, r := range runs {
		collects = append(collects, r.Collect.Seconds())
		fulfils = append(fulfils, r.Fulfil.Seconds())
		ceil = append(ceil, ceils[i].Took.Seconds())
		ratios = append(ratios, r.Fulfil.Seconds()/ceils[i].Took.Seconds())
		heap = max(heap, r.Heap)
		if r.Records != ceils[i].Rows {
			t.Errorf("the export has %d records, the ceiling selected %d rows", r.Records, ceils[i].Rows)
		}
	}
	c := ceils[0]
	say("\n### Heavy customer: access export (SQLite)\n")
	say("Store: the demo store plus the heavy customer (%s): %d rows of theirs in 12 tables (%d orders, %d order lines, "+
		"%d tickets, %d messages, %d attachments, %d page views). %d rounds, alternating; medians.\n",
		seeding, c.Rows, c.ByTable["store_orders"], c.ByTable["store_order_lines"], c.ByTable["store_support_tickets"],
		c.ByTable["store_support_messages"], c.ByTable["store_attachments"], c.ByTable["store_activity_records"], exportRounds)
	say("| step | time (median) | per round |")
	say("|---|--:|---|")
	say("| ceiling: SELECT the rows, write them as CSV (%s unzipped), fsync | %.2f s | %s |", mib(uint64(c.Bytes)), median(ceil), fmtSecs(ceil))
	say("| Fulfil: collect every record, write the access ZIP (%s), fsync | %.2f s | %s |", mib(uint64(runs[0].ZipBytes)), median(fulfils), fmtSecs(fulfils))
	say("| **Fulfil / ceiling** | **%.2fx** | %s |", median(ratios), fmtX(ratios))
	say("| before it, not in the target: the collection jobs for the staff preview (5 sources, River workers) | %.2f s | %s |", median(collects), fmtSecs(collects))
	say("| extra peak Go heap in use, collection jobs and Fulfil (max of rounds) | %s | |", mib(heap))
	say("")
	ratio := median(ratios)
	target("export", fmt.Sprintf("%.2fx", ratio), fmt.Sprintf("<=%.1fx", exportGoal), ratio <= exportGoal)
	target("export-memory", fmt.Sprintf("%.1fMiB", float64(heap)/(1<<20)), fmt.Sprintf("<=%dMiB", exportMemGoal>>20), heap <= exportMemGoal)
}

func fmtSecs(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.2f", x)
	}
	return s
}

func fmtX(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.2fx", x)
	}
	return s
}
