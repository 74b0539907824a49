package workflows

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/kactoily/privacydesk/models"
)

// PurgeRetention deletes what erasures kept only for a legal period once
// that period is over, keeping the privacy policy's promise that data is
// removed when no longer needed.
func (s *Service) PurgeRetention(ctx context.Context) (models.RetentionPurged, error) {
	years := s.accountingYears()
	now := s.now()
	return models.PurgeExpiredRetention(ctx, s.Store.DB, now.AddDate(-years, 0, 0), now)
}

// accountingYears is how long the orders source keeps orders for the accounts.
func (s *Service) accountingYears() int {
	years := (&OrdersSource{}).years()
	for _, src := range s.sources {
		if o, ok := src.(*OrdersSource); ok {
			years = o.years()
		}
	}
	return years
}

// PurgeRetentionArgs is the daily job that runs PurgeRetention.
type PurgeRetentionArgs struct{}

// Kind names the job.
func (PurgeRetentionArgs) Kind() string { return "purge_retention" }

type purgeRetentionWorker struct {
	river.WorkerDefaults[PurgeRetentionArgs]
	s *Service
}

func (w *purgeRetentionWorker) Work(ctx context.Context, job *river.Job[PurgeRetentionArgs]) error {
	p, err := w.s.PurgeRetention(ctx)
	w.s.Metrics.job(job.Kind, err)
	if p.Orders+p.Warranties+p.Registrations > 0 {
		w.s.Log.Info("retention period over: records deleted", "orders", p.Orders, "warranties", p.Warranties, "registrations", p.Registrations)
	}
	return err
}
