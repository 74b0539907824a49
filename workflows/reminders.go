package workflows

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kactoily/privacydesk/models"
)

// Reminder kinds: 7 and 2 days before the due date, and once overdue.
const (
	Reminder7d      = "7d"
	Reminder2d      = "2d"
	ReminderOverdue = "overdue"
)

// reminderKind is the most urgent reminder due for a due date, or "".
func reminderKind(now, due time.Time) string {
	switch {
	case !now.Before(due):
		return ReminderOverdue
	case due.Sub(now) <= 48*time.Hour:
		return Reminder2d
	case due.Sub(now) <= 7*24*time.Hour:
		return Reminder7d
	}
	return ""
}

// SendReminders emails the assignee (or the support address) about open
// requests due within 7 days, within 2 days, or overdue, once each per due
// date (an extension starts a new round). It returns how many it queued.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.now()
	var after *models.Cursor
	sent := 0
	for {
		rows, next, err := models.QueuePage(ctx, s.DB.DB, models.QueueFilter{
			Due: "upto", Now: now.AddDate(0, 0, 7), Limit: 200, After: after})
		if err != nil {
			return sent, err
		}
		for i := range rows {
			r := &rows[i].Request
			if r.DueAt == nil {
				continue
			}
			kind := reminderKind(now, *r.DueAt)
			if kind == "" {
				continue
			}
			err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ReminderSent{
					RequestID: r.ID, Kind: kind, DueAt: *r.DueAt, CreatedAt: now})
				if res.Error != nil || res.RowsAffected == 0 {
					return res.Error // already reminded
				}
				to := s.Settings.SupportEmail
				if r.AssigneeID != nil {
					if u, err := models.FindStaff(ctx, tx, *r.AssigneeID); err == nil && u.Active() {
						to = u.Email
					}
				}
				sent++
				_, err := s.enqueueEmailTo(ctx, tx, r, EmailReminder, to, map[string]any{"reminder": kind})
				return err
			})
			if err != nil {
				return sent, err
			}
		}
		if next == nil {
			return sent, nil
		}
		after = next
	}
}

// SendRemindersArgs is the periodic job that sends deadline reminders.
type SendRemindersArgs struct{}

// Kind names the job.
func (SendRemindersArgs) Kind() string { return "send_reminders" }

type sendRemindersWorker struct {
	river.WorkerDefaults[SendRemindersArgs]
	s *Service
}

func (w *sendRemindersWorker) Work(ctx context.Context, job *river.Job[SendRemindersArgs]) error {
	n, err := w.s.SendReminders(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Info("deadline reminders queued", "count", n)
	}
	return err
}
