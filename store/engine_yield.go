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
//     held the writer (up to maxYield), so an erasure uses at most about
//     half of the writer's time and a waiting writer's next retry finds
//     the lock free.
const (
	EraseWriteRows = 100
	maxYield       = 25 * time.Millisecond
)

// yieldAfter pauses after a write that started at start, as long as it
// took (at most maxYield), or until ctx is done.
func yieldAfter(ctx context.Context, start time.Time) error {
	d := min(time.Since(start), maxYield)
	t := time.NewTimer(d)
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
