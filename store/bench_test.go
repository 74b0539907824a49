package store_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/store"
)

// testCollectHeavy collects the heavy customer's thousands of records and
// checks that no query ever returned more than one page of rows, so memory
// stays bounded however long the history.
func testCollectHeavy(t *testing.T, f *storeFixture) {
	f.restore(t)
	db, w := f.db, f.watch
	want := ownedIDs(t, db, demo.HeavyCustomerEmail)
	w.reset()
	peak, stop := sampleHeap()
	start := time.Now()
	total := collectDiscarding(t, db, func(src store.Source, counts store.Counts) {
		for _, kind := range sourceKinds[src.Name()] {
			if counts[kind] != len(want[kind]) {
				t.Errorf("%s: %d %s records, want %d", src.Name(), counts[kind], kind, len(want[kind]))
			}
		}
	})
	elapsed := time.Since(start)
	stop()
	t.Logf("%d records in %v; at most %d rows per query; heap grew by at most %.1f MiB",
		total, elapsed.Round(time.Millisecond), w.maxRead.Load(), float64(peak())/(1<<20))
	if total < 15000 {
		t.Errorf("only %d records: the heavy customer is not heavy", total)
	}
	if n := w.maxRead.Load(); n > store.StoreBatchSize {
		t.Errorf("a query returned %d rows, more than a page of %d", n, store.StoreBatchSize)
	}
}

// collectDiscarding collects the heavy customer from every source, keeping
// no record, and returns how many there were.
func collectDiscarding(t testing.TB, db *gorm.DB, check func(store.Source, store.Counts)) int {
	total := 0
	for _, src := range store.DemoDatasets().Sources() {
		counts, err := src.Collect(context.Background(), db, store.Subject{Email: demo.HeavyCustomerEmail},
			func(store.Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range counts {
			total += n
		}
		if check != nil {
			check(src, counts)
		}
	}
	return total
}

// sampleHeap polls the live heap until stop is called; peak returns its
// largest growth over the level at the start, in bytes.
func sampleHeap() (peak func() uint64, stop func()) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var max atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > max.Load() {
					max.Store(ms.HeapAlloc - base)
				}
			}
		}
	}()
	return max.Load, func() { close(done); <-finished }
}

// BenchmarkCollectHeavyCustomer collects the heavy customer's records from
// every source, discarding them, as an access export would stream them.
func BenchmarkCollectHeavyCustomer(b *testing.B) {
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			db := seededStore(b, dialect)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = collectDiscarding(b, db, nil)
			}
			b.ReportMetric(float64(n), "records/op")
		})
	}
}

// BenchmarkSelectHeavyCustomerBare reads the same rows with one plain
// SELECT per kind, scanned into generic values: the floor to compare
// BenchmarkCollectHeavyCustomer with.
func BenchmarkSelectHeavyCustomerBare(b *testing.B) {
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			db := seededStore(b, dialect)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = 0
				for _, q := range ownedQueries(b, db, demo.HeavyCustomerEmail) {
					eachQueryRow(b, q, func() { n++ })
				}
			}
			b.ReportMetric(float64(n), "records/op")
		})
	}
}

// BenchmarkEraseHeavyCustomer erases the heavy customer from every source
// on a freshly seeded store (seeding is not timed).
func BenchmarkEraseHeavyCustomer(b *testing.B) {
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				db := seededStore(b, dialect)
				b.StartTimer()
				if _, err := eraseAll(context.Background(), db, demo.HeavyCustomerEmail); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func eachQueryRow(t testing.TB, q *gorm.DB, fn func()) {
	rows, err := q.Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fn()
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
