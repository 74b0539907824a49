package workflows

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// JobOptions tune the background workers.
type JobOptions struct {
	Disabled     bool          // insert jobs but never work them (an HTTP-only instance)
	PollInterval time.Duration // how often idle workers look for new jobs
	Concurrency  int
	// Timeout is how long a job may run before its context is cancelled
	// (default 5 minutes). A job still marked running a fifth longer than
	// that died with its process, and is run again.
	Timeout time.Duration
}

func riverDriver(db *models.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == models.DialectPostgres {
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

// MigrateJobs applies River's own schema (its job and leader tables).
func MigrateJobs(ctx context.Context, db *models.DB) error {
	m, err := rivermigrate.New(riverDriver(db), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// JobsPending reports whether River's schema is behind.
func JobsPending(ctx context.Context, db *models.DB) (bool, error) {
	m, err := rivermigrate.New(riverDriver(db), nil)
	if err != nil {
		return false, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{DryRun: true})
	if err != nil {
		return false, err
	}
	return len(res.Versions) > 0, nil
}

func (s *Service) newJobClient(o JobOptions) (*river.Client[*sql.Tx], error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	cfg := &river.Config{
		Logger:      s.Log.With("component", "jobs"),
		MaxAttempts: 12,
		JobTimeout:  o.Timeout,
		// River's default waits an hour past the timeout before it retries
		// the jobs of a crashed process. Ours stop at the timeout (their
		// context ends), so a job still running a little later is dead.
		RescueStuckJobsAfter: o.Timeout + o.Timeout/5,
	}
	if !o.Disabled {
		if o.PollInterval == 0 {
			o.PollInterval = time.Second
		}
		if o.Concurrency == 0 {
			o.Concurrency = 4
		}
		workers := river.NewWorkers()
		river.AddWorker(workers, &sendEmailWorker{s: s})
		river.AddWorker(workers, &expireUnverifiedWorker{s: s})
		river.AddWorker(workers, &remindUnverifiedWorker{s: s})
		river.AddWorker(workers, &sendRemindersWorker{s: s})
		river.AddWorker(workers, &collectSourceWorker{s: s})
		river.AddWorker(workers, &fulfilWorker{s: s})
		river.AddWorker(workers, &purgeExportsWorker{s: s})
		river.AddWorker(workers, &purgeRetentionWorker{s: s})
		river.AddWorker(workers, &resendLinksWorker{s: s})
		river.AddWorker(workers, &notifyThirdPartiesWorker{s: s})
		river.AddWorker(workers, &purgeRequestRecordsWorker{s: s})
		river.AddWorker(workers, &anchorAuditWorker{s: s})
		river.AddWorker(workers, &sendRequestLinksWorker{s: s})
		river.AddWorker(workers, &agentCallbackWorker{s: s})
		river.AddWorker(workers, &foldStatusCountsWorker{s: s})
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Concurrency}}
		cfg.FetchPollInterval = o.PollInterval
		cfg.FetchCooldown = min(o.PollInterval, 100*time.Millisecond)
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return ExpireUnverifiedArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "expire_unverified"}),
			// Every 15 minutes: a reminder goes out at most that much past
			// ConfirmReminderBefore, so hours before the request expires.
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return RemindUnverifiedArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "remind_unverified"}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return SendRemindersArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "send_reminders"}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return PurgeExportsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "purge_exports"}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return PurgeRetentionArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "purge_retention"}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return PurgeRequestRecordsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "purge_request_records"}),
			// Cheap when nothing is due: AnchorAudit writes an anchor only
			// every AnchorEveryEvents events or AnchorEvery.
			river.NewPeriodicJob(river.PeriodicInterval(anchorCheckEvery),
				func() (river.JobArgs, *river.InsertOpts) { return AnchorAuditArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "anchor_audit"}),
			river.NewPeriodicJob(river.PeriodicInterval(foldStatusEvery),
				func() (river.JobArgs, *river.InsertOpts) { return FoldStatusCountsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "fold_status_counts"}),
		}
	}
	c, err := river.NewClient(riverDriver(s.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	return c, nil
}

// Start starts the workers; they run until ctx ends or Stop is called.
func (s *Service) Start(ctx context.Context) error {
	return s.jobs.Start(ctx)
}

// Stop lets running jobs finish (until ctx ends) and stops the workers.
func (s *Service) Stop(ctx context.Context) error {
	return s.jobs.Stop(ctx)
}

// Healthy reports whether the workers are running, for /readyz.
func (s *Service) Healthy() bool {
	select {
	case <-s.jobs.Stopped():
		return false
	default:
	}
	return true
}

// enqueue inserts a job in the caller's transaction, so it exists exactly
// when the change that caused it does (inside an intake batch, with the
// batch's other jobs at its end).
func (s *Service) enqueue(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error {
	if batchedJob(ctx, args, opts) {
		return nil
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return fmt.Errorf("enqueue %s: not inside a transaction", args.Kind())
	}
	if _, err := s.jobs.InsertTx(ctx, sqlTx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// ExpireUnverifiedArgs is the periodic job that expires requests whose
// email was never confirmed within the link's life.
type ExpireUnverifiedArgs struct{}

// Kind names the job.
func (ExpireUnverifiedArgs) Kind() string { return "expire_unverified" }

// InsertOpts keeps one such job pending at a time.
func (ExpireUnverifiedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type expireUnverifiedWorker struct {
	river.WorkerDefaults[ExpireUnverifiedArgs]
	s *Service
}

func (w *expireUnverifiedWorker) Work(ctx context.Context, job *river.Job[ExpireUnverifiedArgs]) error {
	n, err := w.s.ExpireUnverified(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Info("expired unverified requests", "count", n)
	}
	return err
}
