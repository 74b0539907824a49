package workflows

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/kactoily/privacydesk/models"
)

// Folding the transitions' status deltas into the totals: often enough that
// a read sums few of them, in transactions short enough not to hold intake.
const (
	foldStatusEvery = time.Minute
	foldStatusChunk = 5000
)

// FoldStatusCounts moves every status delta written so far into the
// per-status totals, foldStatusChunk at a time, and returns how many it
// folded. The counts read the same before and after: a read adds the
// deltas not yet folded. Safe to run on several instances at once.
func (s *Service) FoldStatusCounts(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, err := models.FoldStatusDeltas(ctx, s.DB.DB, foldStatusChunk)
		total += n
		if err != nil || n < foldStatusChunk {
			return total, err
		}
	}
}

// FoldStatusCountsArgs is the periodic job that folds the status deltas.
type FoldStatusCountsArgs struct{}

// Kind names the job.
func (FoldStatusCountsArgs) Kind() string { return "fold_status_counts" }

// InsertOpts keeps one such job pending at a time.
func (FoldStatusCountsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: foldStatusEvery}}
}

type foldStatusCountsWorker struct {
	river.WorkerDefaults[FoldStatusCountsArgs]
	s *Service
}

func (w *foldStatusCountsWorker) Work(ctx context.Context, job *river.Job[FoldStatusCountsArgs]) error {
	n, err := w.s.FoldStatusCounts(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Debug("status counts folded", "deltas", n)
	}
	return err
}
