package store

import (
	"context"
	"time"
)

// Erasure shares the database's writer with intake: on SQLite (the default
// deployment, the store in Privacy Desk's own file) every write transaction
// holds the one write lock, and a new request waiting for it sleeps in
// SQLite's busy handler, which backs off (1, 2, 5, 10, 15, 20, 25 ms …).
// So the engine's writes are short and spaced out:
//
//   - EraseWriteRows bounds the rows one erasing statement or transaction
//     deletes or changes, however long the person's history (the rows
//     under a deleted row are deleted before it, so a foreign key's cascade
//     finds nothing left to do);
//   - after each write it commits, the engine pauses as long as that write
//     held the writer, at least minYield and at most maxYield, so an
//     erasure uses at most about half of the writer's time and a waiting
//     writer's next retry finds the lock free (its first retry comes a
//     millisecond after it failed). The heavy customer's erasure takes
//     about five times as long alone (BENCHMARKS.md, erasure): it is
//     background work, intake is not.
const (
	EraseWriteRows = 100
	minYield       = time.Millisecond
	maxYield       = 25 * time.Millisecond
)

// yieldAfter pauses after a write that started at start, as long as it
// took (within minYield and maxYield), or until ctx is done.
func yieldAfter(ctx context.Context, start time.Time) error {
	t := time.NewTimer(min(max(time.Since(start), minYield), maxYield))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// chunks splits ids into slices of at most n.
func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
