package workflows_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// addStaff creates an account and returns it.
func addStaff(t *testing.T, a *testapp.App, email, name, role string) *models.StaffUser {
	t.Helper()
	a.AddStaff(t, email, name, role)
	u, err := models.FindStaffByEmail(t.Context(), a.DB.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// verified files an access request and confirms it from the emailed link.
func verified(t *testing.T, a *testapp.App, email string) *models.Request {
	t.Helper()
	r := submit(t, a, accessFor(email))
	tok, _ := verifyMail(t, a, r)
	if _, _, err := a.Svc.Verify(t.Context(), tok, ""); err != nil {
		t.Fatal(err)
	}
	return reload(t, a, r.ID)
}

// remind runs SendReminders three times at once, as several instances'
// periodic jobs might.
func remind(t *testing.T, a *testapp.App) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			if _, err := a.Svc.SendReminders(t.Context()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// reminders returns the kinds of reminder queued for a request, to whom, in order.
func reminders(t *testing.T, a *testapp.App, id string) []string {
	t.Helper()
	var es []models.Email
	if err := a.DB.Where("request_id = ? AND kind = ?", id, workflows.EmailReminder).Order("id").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		kind := e.Data[strings.Index(e.Data, `"reminder":"`)+len(`"reminder":"`):]
		out[i] = kind[:strings.IndexByte(kind, '"')] + " to " + e.ToAddr
	}
	return out
}

func TestRemindersGoOnceEachAt7And2DaysAndWhenOverdue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		admin := addStaff(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		agent := addStaff(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		gone := addStaff(t, a, "gone@kactoily.example", "Gone Agent", models.RoleAgent)
		assigned := verified(t, a, "alex@example.com")
		unassigned := verified(t, a, "bo@example.com")
		leaver := verified(t, a, "cy@example.com")
		for id, to := range map[string]int64{assigned.ID: agent.ID, leaver.ID: gone.ID} {
			if _, err := a.Svc.Assign(t.Context(), admin, id, to); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Svc.UpdateStaff(t.Context(), admin, gone.ID, models.RoleAgent, true); err != nil {
			t.Fatal(err)
		}
		due := *assigned.DueAt // all three were verified at the same clock time

		want := func(id string, kinds ...string) {
			t.Helper()
			if got := reminders(t, a, id); strings.Join(got, ", ") != strings.Join(kinds, ", ") {
				t.Fatalf("reminders for %s: %q, want %q", id, got, kinds)
			}
		}
		steps := []struct {
			at    time.Time
			kinds []string // for the assigned request; the others go to the support address
		}{
			{due.Add(-7*24*time.Hour - time.Second), nil},
			{due.Add(-7 * 24 * time.Hour), []string{"7d"}},
			{due.Add(-2*24*time.Hour - time.Second), []string{"7d"}},
			{due.Add(-2 * 24 * time.Hour), []string{"7d", "2d"}},
			{due.Add(-time.Second), []string{"7d", "2d"}},
			{due, []string{"7d", "2d", "overdue"}},
			{due.Add(3 * 24 * time.Hour), []string{"7d", "2d", "overdue"}},
		}
		for _, st := range steps {
			a.Clock.Advance(st.at.Sub(a.Clock.Now()))
			remind(t, a)
			remind(t, a)
			var toAgent, toSupport []string
			for _, k := range st.kinds {
				toAgent = append(toAgent, k+" to "+agent.Email)
				toSupport = append(toSupport, k+" to "+supportAddr)
			}
			want(assigned.ID, toAgent...)
			want(unassigned.ID, toSupport...)
			want(leaver.ID, toSupport...)
		}

		for subject, to := range map[string]string{
			"Due in 7 days: Access to my data request " + assigned.ID:   agent.Email,
			"Due in 2 days: Access to my data request " + assigned.ID:   agent.Email,
			"OVERDUE: Access to my data request " + assigned.ID:         agent.Email,
			"Due in 7 days: Access to my data request " + unassigned.ID: supportAddr,
			"OVERDUE: Access to my data request " + leaver.ID:           supportAddr,
		} {
			m := a.Mail.WaitFor(t, to, subject)
			if !strings.Contains(m.Text, "/staff/requests/") || strings.Contains(m.Text, "@example.com") || m.Link("token=") != "" {
				t.Fatalf("reminder %q must link the staff page and carry no customer email or link:\n%s", subject, m.Text)
			}
		}
		waitCount(t, a, agent.Email, "request "+assigned.ID, 4) // the three reminders and the assignment notice
		waitCount(t, a, agent.Email, "Assigned to you: Access to my data request "+assigned.ID, 1)
		waitCount(t, a, supportAddr, "Due in 7 days: Access to my data request "+unassigned.ID, 1)
	})
}

func TestExtensionStartsANewRoundOfReminders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		admin := addStaff(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		r := verified(t, a, "alex@example.com")
		due := *r.DueAt
		a.Clock.Advance(due.Add(-2 * 24 * time.Hour).Sub(a.Clock.Now()))
		remind(t, a)
		want := []string{"2d to " + supportAddr}
		if got := reminders(t, a, r.ID); strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Fatalf("before the extension: %q, want %q", got, want)
		}

		if _, err := a.Svc.Extend(t.Context(), admin, r.ID, 30, "Waiting for the warranty partner."); err != nil {
			t.Fatal(err)
		}
		remind(t, a) // 32 days to go: nothing yet
		newDue := due.AddDate(0, 0, 30)
		for _, st := range []struct {
			at   time.Time
			kind string
		}{
			{newDue.Add(-7 * 24 * time.Hour), "7d"},
			{newDue.Add(-2 * 24 * time.Hour), "2d"},
			{newDue, "overdue"},
		} {
			a.Clock.Advance(st.at.Sub(a.Clock.Now()))
			remind(t, a)
			remind(t, a)
			want = append(want, st.kind+" to "+supportAddr)
			if got := reminders(t, a, r.ID); strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Fatalf("at %s: reminders %q, want %q", st.at, got, want)
			}
		}
		waitCount(t, a, supportAddr, "Due in 2 days: Access to my data request "+r.ID, 2)
	})
}
