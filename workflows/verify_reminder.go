package workflows

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
)

// ConfirmReminderBefore is how long before a waiting request expires its
// requester is reminded to confirm: with the 24-hour window, 20 hours
// after filing, late enough that most who will confirm have, early enough
// to still act on it.
const ConfirmReminderBefore = 4 * time.Hour

// ReminderConfirm is the reminders_sent kind of the reminder to confirm.
// Its row's due_at is the request's filing time, not its expiry, so a
// request is reminded once however often its link is resent.
const ReminderConfirm = "confirm"

// remindBatch is how many waiting requests RemindUnverified reads at a time.
const remindBatch = 100

// RemindUnverified emails each requester whose request still waits for
// email confirmation and expires within ConfirmReminderBefore a reminder
// carrying a fresh link (the earlier link stays valid too, until its own
// expiry), once per request: the record that it went, its audit event and
// its email are written in one transaction, so several instances, or a
// retried job, never send a second. It returns how many it queued.
func (s *Service) RemindUnverified(ctx context.Context) (int, error) {
	sent := 0
	for {
		now := s.now()
		rs, err := models.UnverifiedToRemind(ctx, s.DB.DB, now, now.Add(ConfirmReminderBefore), ReminderConfirm, remindBatch)
		if err != nil || len(rs) == 0 {
			return sent, err
		}
		for i := range rs {
			queued, err := s.remindOne(ctx, rs[i].ID)
			if err != nil {
				return sent, err
			}
			if queued {
				sent++
			}
		}
		if len(rs) < remindBatch {
			return sent, nil
		}
	}
}

// remindOne queues request id's reminder unless it was confirmed, locked
// or reminded meanwhile.
func (s *Service) remindOne(ctx context.Context, id string) (bool, error) {
	queued := false
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := models.FindRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if r.Status != models.StatusPendingVerification || r.VerifyLocked != nil || r.ExpiresAt == nil || !now.Before(*r.ExpiresAt) {
			return nil
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ReminderSent{
			RequestID: r.ID, Kind: ReminderConfirm, DueAt: r.CreatedAt, CreatedAt: now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // already reminded
		}
		if err := s.audit(ctx, tx, r, "system", "verification_reminder", map[string]any{"expires_at": r.ExpiresAt}); err != nil {
			return err
		}
		queued = true
		return s.enqueueEmail(ctx, tx, r, EmailVerify, map[string]any{"reminder": true})
	})
	return queued, err
}

// RemindUnverifiedArgs is the periodic job that reminds requesters to
// confirm their email before their request expires.
type RemindUnverifiedArgs struct{}

// Kind names the job.
func (RemindUnverifiedArgs) Kind() string { return "remind_unverified" }

// InsertOpts keeps one such job pending at a time.
func (RemindUnverifiedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type remindUnverifiedWorker struct {
	river.WorkerDefaults[RemindUnverifiedArgs]
	s *Service
}

func (w *remindUnverifiedWorker) Work(ctx context.Context, job *river.Job[RemindUnverifiedArgs]) error {
	n, err := w.s.RemindUnverified(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Info("confirmation reminders queued", "count", n)
	}
	return err
}
