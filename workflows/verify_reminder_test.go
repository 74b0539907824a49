package workflows_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// remindAtOnce runs RemindUnverified three times at once, as several
// instances' periodic jobs (or a job and its retry) might, and returns how
// many reminders they queued in all.
func remindAtOnce(t *testing.T, a *testapp.App) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 3 {
		wg.Go(func() {
			n, err := a.Svc.RemindUnverified(t.Context())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return total
}

const reminderSubject = "Reminder: confirm your privacy request "

// TestConfirmReminderGoesOnceWithAFreshLinkFourHoursBeforeExpiry files
// three requests at a fixed clock: one confirmed at once (never
// reminded), one left waiting (reminded at 20 h, 4 h before it expires,
// by the River job, with a fresh link that lasts exactly as long as the
// request still waits, while the first link stays valid too), and one
// whose link was resent at 10 h (reminded 4 h before its later expiry,
// and never again after another resend). Concurrent and repeated runs
// never send a second reminder.
func TestConfirmReminderGoesOnceWithAFreshLinkFourHoursBeforeExpiry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		slow := submit(t, a, accessFor("slow@example.com"))
		firstTok, _ := verifyMail(t, a, slow)
		quick := submit(t, a, accessFor("quick@example.com"))
		quickTok, _ := verifyMail(t, a, quick)
		if _, _, err := a.Svc.Verify(t.Context(), quickTok, ""); err != nil {
			t.Fatal(err)
		}
		resent := submit(t, a, accessFor("resent@example.com"))
		verifyMail(t, a, resent)

		a.Clock.Advance(10 * time.Hour)
		if err := a.Svc.Resend(t.Context(), resent.Email); err != nil {
			t.Fatal(err)
		}
		a.Mail.WaitForNth(t, resent.Email, "Confirm your privacy request "+resent.ID, 2) // now expires at 34 h

		a.Clock.Advance(10*time.Hour - time.Minute) // 19:59 after filing: 4 h 01 min left
		if n := remindAtOnce(t, a); n != 0 {
			t.Fatalf("%d reminders more than 4 hours before expiry", n)
		}
		a.Clock.Advance(time.Minute) // 20 h: the reminder is due, sent by the periodic job's work
		c := jobInserter(t, a)
		res, err := c.Insert(t.Context(), workflows.RemindUnverifiedArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCompleted {
			t.Fatalf("reminder job %s: %v", j.State, j.Errors)
		}
		m := a.Mail.WaitFor(t, slow.Email, reminderSubject+slow.ID)
		if !strings.Contains(m.Text, "expires in 4 hours") || !strings.Contains(m.HTML, "expires in 4 hours") {
			t.Errorf("reminder does not say how long is left:\n%s", m.Text)
		}
		freshTok := tokenIn(t, m, "/requests/verify?token=")
		if freshTok == firstTok {
			t.Fatal("the reminder carries the first link, not a fresh one")
		}
		var fresh models.RequestToken
		if err := a.DB.Where("hash = ?", workflows.HashToken(freshTok)).Take(&fresh).Error; err != nil {
			t.Fatal(err)
		}
		if r := reload(t, a, slow.ID); fresh.ExpiresAt == nil || !fresh.ExpiresAt.Equal(*r.ExpiresAt) {
			t.Errorf("fresh link expires at %v, want the request's expiry %v", fresh.ExpiresAt, r.ExpiresAt)
		}
		if n := remindAtOnce(t, a); n != 0 {
			t.Fatalf("a second run (a retry) queued %d more reminders", n)
		}
		if _, err := a.Svc.CheckVerifyLink(t.Context(), firstTok); err != nil {
			t.Errorf("the first link stopped working after the reminder: %v", err)
		}
		if _, _, err := a.Svc.Verify(t.Context(), freshTok, ""); err != nil {
			t.Fatalf("confirming with the reminder's link: %v", err)
		}

		a.Clock.Advance(10 * time.Hour) // 30 h: the resent request's last 4 hours
		if n := remindAtOnce(t, a); n != 1 {
			t.Fatalf("at 30 h: %d reminders, want 1 for the resent request", n)
		}
		a.Mail.WaitFor(t, resent.Email, reminderSubject+resent.ID)
		if err := a.Svc.Resend(t.Context(), resent.Email); err != nil {
			t.Fatal(err)
		}
		a.Mail.WaitForNth(t, resent.Email, "Confirm your privacy request "+resent.ID, 3)
		a.Clock.Advance(21 * time.Hour) // 3 h before the new expiry
		if n := remindAtOnce(t, a); n != 0 {
			t.Fatalf("after another resend: %d reminders, want none (once per request)", n)
		}

		for _, c := range []struct {
			r    *models.Request
			want int64
		}{{slow, 1}, {resent, 1}, {quick, 0}} {
			if n := countWhere(t, a, &models.Email{}, "request_id = ? AND kind = ? AND data LIKE ?", c.r.ID,
				workflows.EmailVerify, `%"reminder":true%`); n != c.want {
				t.Errorf("%s: %d reminder emails, want %d", c.r.Email, n, c.want)
			}
			if n := countEvents(t, a, c.r.ID, "verification_reminder"); int64(n) != c.want {
				t.Errorf("%s: %d reminder audit events, want %d", c.r.Email, n, c.want)
			}
		}
		if n := a.Mail.Count(quick.Email, reminderSubject); n != 0 {
			t.Errorf("the confirmed request was reminded")
		}
	})
}
