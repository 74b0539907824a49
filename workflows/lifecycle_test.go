package workflows_test

import (
	"database/sql"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// designLifecycle is the lifecycle of docs/design.md, written out here rather
// than copied from the code: pending_verification → verified → in_progress
// (records collected) → awaiting_approval → fulfilling → completed; denied
// by staff with a reason while a request is being worked; cancelled by the
// customer before it is carried out; expired when the email is never
// confirmed; a denial reopened (back to in progress) only when its appeal
// is overturned. "" is a request being filed.
var designLifecycle = map[string][]string{
	"": {
		models.StatusPendingVerification, // access and deletion wait for the email
		models.StatusCompleted,           // an opt-out takes effect at once
		models.StatusVerified,            // filed by staff who confirmed identity another way
	},
	models.StatusPendingVerification: {models.StatusVerified, models.StatusCancelled, models.StatusExpired},
	models.StatusVerified:            {models.StatusInProgress, models.StatusDenied, models.StatusCancelled, models.StatusCompleted}, // an agent's opt-in, once confirmed
	models.StatusInProgress:          {models.StatusAwaitingApproval, models.StatusDenied, models.StatusCancelled},
	models.StatusAwaitingApproval:    {models.StatusFulfilling, models.StatusDenied, models.StatusCancelled},
	models.StatusFulfilling:          {models.StatusCompleted},
	models.StatusDenied:              {models.StatusInProgress}, // an overturned appeal
}

var allStatuses = []string{
	models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress,
	models.StatusAwaitingApproval, models.StatusFulfilling, models.StatusCompleted,
	models.StatusDenied, models.StatusCancelled, models.StatusExpired,
}

// TestCanTransitionFollowsTheDesignLifecycle checks every pair of
// statuses: exactly the moves of the design are allowed, nothing leaves a
// terminal status (a denial is left only by an overturned appeal), and
// nothing returns to "".
func TestCanTransitionFollowsTheDesignLifecycle(t *testing.T) {
	terminal := []string{models.StatusCompleted, models.StatusCancelled, models.StatusExpired}
	for _, from := range append([]string{""}, allStatuses...) {
		for _, to := range append([]string{""}, allStatuses...) {
			want := slices.Contains(designLifecycle[from], to)
			if slices.Contains(terminal, from) && want {
				t.Fatalf("test table is wrong: terminal %s allows %s", from, to)
			}
			if got := workflows.CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%q, %q) = %v, want %v", from, to, got, want)
			}
		}
	}
}

// TestStatusAndCancelNeedTheRequestsOwnToken proves a status token opens
// only its own request, that cancelling moves it to cancelled with an
// audit event and an email, and that a second cancel conflicts.
func TestStatusAndCancelNeedTheRequestsOwnToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		ra := submit(t, a, accessFor("a@example.com"))
		rb := submit(t, a, accessFor("b@example.com"))
		_, tokA := verifyMail(t, a, ra)
		_, tokB := verifyMail(t, a, rb)

		for _, tc := range []struct{ id, tok string }{{rb.ID, tokA}, {ra.ID, tokB}, {"PD-00000-00000", tokA}, {ra.ID, ""}} {
			_, err := a.Svc.Status(t.Context(), tc.id, tc.tok)
			wantErr(t, err, models.ENotFound, "")
			_, err = a.Svc.Cancel(t.Context(), tc.id, tc.tok)
			wantErr(t, err, models.ENotFound, "")
		}
		if got := reload(t, a, rb.ID); got.Status != models.StatusPendingVerification {
			t.Fatalf("another request's token changed B to %s", got.Status)
		}

		a.Clock.Advance(time.Hour)
		got, err := a.Svc.Cancel(t.Context(), ra.ID, tokA)
		if err != nil {
			t.Fatal(err)
		}
		stored := reload(t, a, ra.ID)
		if got.Status != models.StatusCancelled || stored.Status != models.StatusCancelled ||
			stored.ClosedAt == nil || !stored.ClosedAt.Equal(clockStart.Add(time.Hour)) {
			t.Fatalf("cancelled request: %+v", stored)
		}
		events, err := models.AuditEventsFor(t.Context(), a.DB.DB, ra.ID)
		if err != nil || len(events) != 2 || events[1].Action != "cancel" || events[1].Actor != "customer" ||
			events[1].FromStatus != models.StatusPendingVerification || events[1].ToStatus != models.StatusCancelled {
			t.Fatalf("audit: %+v, %v", events, err)
		}
		m := a.Mail.WaitFor(t, ra.Email, "Your privacy request "+ra.ID+" is cancelled")
		if m.Text == "" || m.HTML == "" {
			t.Fatal("cancellation email lacks a part")
		}
		view, err := a.Svc.Status(t.Context(), ra.ID, tokA)
		if err != nil || view.Request.Status != models.StatusCancelled {
			t.Fatalf("status after cancel: %+v, %v", view, err)
		}

		_, err = a.Svc.Cancel(t.Context(), ra.ID, tokA)
		wantErr(t, err, models.EConflict, "can no longer be cancelled")
		if events, _ := models.AuditEventsFor(t.Context(), a.DB.DB, ra.ID); len(events) != 2 {
			t.Fatalf("second cancel left %d audit events, want 2", len(events))
		}
		if got := reload(t, a, rb.ID); got.Status != models.StatusPendingVerification {
			t.Fatalf("cancelling A changed B to %s", got.Status)
		}
	})
}

// TestCompletedOptOutCannotBeCancelled proves an opt-out, complete when
// filed, refuses a cancel with its own status link.
func TestCompletedOptOutCannotBeCancelled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, optOut("alex@example.com", models.ScopeMarketingEmail))
		m := a.Mail.WaitFor(t, r.Email, "Your opt-out is in effect")
		match := regexp.MustCompile(`/requests/` + r.ID + `/status\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(m.HTML)
		if match == nil {
			t.Fatalf("confirmation has no status link:\n%s", m.HTML)
		}
		if _, err := a.Svc.Status(t.Context(), r.ID, match[1]); err != nil {
			t.Fatalf("status link: %v", err)
		}
		_, err := a.Svc.Cancel(t.Context(), r.ID, match[1])
		wantErr(t, err, models.EConflict, "")
		if got := reload(t, a, r.ID); got.Status != models.StatusCompleted {
			t.Fatalf("status = %s", got.Status)
		}
	})
}

// jobInserter returns a River client that only inserts jobs, for a test to
// queue work the service's own workers then run.
func jobInserter(t *testing.T, a *testapp.App) *river.Client[*sql.Tx] {
	t.Helper()
	var driver riverdriver.Driver[*sql.Tx] = riversqlite.New(a.DB.SQL)
	if a.DB.Dialect == models.DialectPostgres {
		driver = riverdatabasesql.New(a.DB.SQL)
	}
	c, err := river.NewClient(driver, &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitJob(t *testing.T, c *river.Client[*sql.Tx], id int64) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := c.JobGet(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == rivertype.JobStateCompleted || j.State == rivertype.JobStateCancelled || j.State == rivertype.JobStateDiscarded {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s after 20s (errors %v)", id, j.State, j.Errors)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func emailRow(t *testing.T, a *testapp.App, requestID, kind string) models.Email {
	t.Helper()
	var e models.Email
	if err := a.DB.Where("request_id = ? AND kind = ?", requestID, kind).Take(&e).Error; err != nil {
		t.Fatalf("outbox email %s for %s: %v", kind, requestID, err)
	}
	return e
}

// TestSendEmailJobRunTwiceDeliversOnce proves the send job is idempotent:
// running it again for an email already sent delivers nothing more.
func TestSendEmailJobRunTwiceDeliversOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		subject := "Confirm your privacy request " + r.ID
		a.Mail.WaitFor(t, r.Email, subject)
		// The first job records the email as sent just after the server
		// accepted it; a repeat inside that moment may send again (at least
		// once, by design), so the repeats start once it is recorded.
		e := emailRow(t, a, r.ID, workflows.EmailVerify)
		for deadline := time.Now().Add(10 * time.Second); e.Status != models.EmailSent; e = emailRow(t, a, r.ID, workflows.EmailVerify) {
			if time.Now().After(deadline) {
				t.Fatalf("the verification email is still %s", e.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}

		c := jobInserter(t, a)
		for range 2 {
			res, err := c.Insert(t.Context(), workflows.SendEmailArgs{EmailID: e.ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCompleted {
				t.Fatalf("repeated send job ended %s", j.State)
			}
		}
		if n := a.Mail.Count(r.Email, subject); n != 1 {
			t.Fatalf("%d verification emails delivered, want 1", n)
		}
		again := emailRow(t, a, r.ID, workflows.EmailVerify)
		if again.Status != models.EmailSent || again.Attempts != 1 || again.SentAt == nil {
			t.Fatalf("outbox row after repeats: %+v", again)
		}

		// A job for an email that does not exist is cancelled, not retried.
		res, err := c.Insert(t.Context(), workflows.SendEmailArgs{EmailID: e.ID + 1000}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCancelled {
			t.Fatalf("job for a missing email ended %s, want cancelled", j.State)
		}
	})
}

// TestEmailDeliveredOnceAfterSMTPRefusal proves a refusing mail server
// neither loses the request nor the email: the job retries, the message
// arrives exactly once when the server accepts again, and its link works.
func TestEmailDeliveredOnceAfterSMTPRefusal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		a.Mail.Refuse(true)
		r := submit(t, a, accessFor("alex@example.com"))
		if got := reload(t, a, r.ID); got.Status != models.StatusPendingVerification {
			t.Fatalf("request with mail down: %s", got.Status)
		}
		deadline := time.Now().Add(20 * time.Second)
		for emailRow(t, a, r.ID, workflows.EmailVerify).Attempts == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no send attempt within 20s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		failed := emailRow(t, a, r.ID, workflows.EmailVerify)
		if failed.Status != models.EmailQueued || failed.LastError == "" || failed.SentAt != nil {
			t.Fatalf("after a refusal: %+v", failed)
		}
		if n := len(a.Mail.Messages()); n != 0 {
			t.Fatalf("%d messages arrived while refusing", n)
		}

		began := time.Now()
		a.Mail.Refuse(false)
		m := a.Mail.WaitFor(t, r.Email, "Confirm your privacy request "+r.ID)
		t.Logf("delivered %v after the server accepted again", time.Since(began).Round(100*time.Millisecond))
		sent := emailRow(t, a, r.ID, workflows.EmailVerify)
		for sent.Status == models.EmailQueued && time.Now().Before(deadline.Add(20*time.Second)) {
			time.Sleep(20 * time.Millisecond) // the row is updated just after the message goes
			sent = emailRow(t, a, r.ID, workflows.EmailVerify)
		}
		if sent.Status != models.EmailSent || sent.Attempts < 2 || sent.LastError != "" || sent.SentAt == nil {
			t.Fatalf("after delivery: %+v", sent)
		}
		time.Sleep(300 * time.Millisecond) // let any duplicate run show itself
		if n := a.Mail.Count(r.Email, "Confirm your privacy request "+r.ID); n != 1 {
			t.Fatalf("%d copies delivered, want 1", n)
		}
		if _, _, err := a.Svc.Verify(t.Context(), tokenIn(t, m, "/requests/verify?token="), ""); err != nil {
			t.Fatalf("link from the retried email: %v", err)
		}
	})
}
