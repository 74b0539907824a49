package export

import (
	"context"

	"github.com/kactoily/privacydesk/store"
	"gorm.io/gorm"
)

// streamBatch is how many records travel together from the reading
// goroutine to the writing one.
const streamBatch = 256

// collectConcurrently is src.Collect with reading and writing on two
// goroutines: Collect runs on its own, reading the store page by page and
// building records, while fn encodes them on the caller's goroutine. The
// heavy-customer benchmark (BENCHMARKS.md) found an access export spent
// about as long in each half; overlapped, it takes little more than the
// longer one. At most a few batches are held in memory. fn's first error
// stops the collection and is returned; otherwise Collect's error is.
func collectConcurrently(ctx context.Context, src Source, db *gorm.DB, subj store.Subject, fn func(store.Record) error) (store.Counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []store.Record, 4)
	var counts store.Counts
	var cerr error
	go func() {
		defer close(batches)
		batch := make([]store.Record, 0, streamBatch)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([]store.Record, 0, streamBatch)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		counts, cerr = src.Collect(ctx, db, subj, func(r store.Record) error {
			if batch = append(batch, r); len(batch) < streamBatch {
				return nil
			}
			return send()
		})
		if cerr == nil && len(batch) > 0 {
			cerr = send()
		}
	}()
	var ferr error
	for batch := range batches { // drained to the end, so the reader never blocks
		for _, r := range batch {
			if ferr != nil {
				break
			}
			if ferr = fn(r); ferr != nil {
				cancel()
			}
		}
	}
	if ferr != nil {
		return counts, ferr
	}
	return counts, cerr
}
