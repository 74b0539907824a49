package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// sqlLog records the SQL GORM runs on a database.
type sqlLog struct {
	mu    sync.Mutex
	stmts []string
}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stmts
	l.stmts = nil
	return s
}

// recordSQL makes db report every statement (with placeholders, not
// values) to the returned log.
func recordSQL(t *testing.T, db *gorm.DB) *sqlLog {
	t.Helper()
	l := &sqlLog{}
	rec := func(d *gorm.DB) {
		l.mu.Lock()
		l.stmts = append(l.stmts, d.Statement.SQL.String())
		l.mu.Unlock()
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("test:record_create", rec),
		cb.Query().After("gorm:query").Register("test:record_query", rec),
		cb.Update().After("gorm:update").Register("test:record_update", rec),
		cb.Delete().After("gorm:delete").Register("test:record_delete", rec),
		cb.Row().After("gorm:row").Register("test:record_row", rec),
		cb.Raw().After("gorm:raw").Register("test:record_raw", rec),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// jobsOf returns the kinds and arguments of the queued jobs, oldest first.
func jobsOf(t *testing.T, a *testapp.App) []string {
	t.Helper()
	var rows []struct{ Kind, Args string }
	if err := a.DB.Raw("SELECT kind, CAST(args AS text) AS args FROM river_job ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Kind+" "+r.Args)
	}
	return out
}

// waitJobsIdle waits until no job of kind is waiting or running.
func waitJobsIdle(t *testing.T, a *testapp.App, kind string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int64
		if err := a.DB.Table("river_job").Where("kind = ? AND state NOT IN ?", kind, []string{"completed", "cancelled", "discarded"}).
			Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s jobs still to run after 20s", n, kind)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResendDoesTheSameWorkForKnownAndUnknownAddresses proves the resend
// handler's work cannot tell an address with a request waiting (and a
// store customer's) from an unknown one: over 20 interleaved pairs, each
// resend runs exactly the same SQL statements, writes nothing but one
// resend_links job, and answers the same. The job, run later by a worker,
// mails the links; so the answer's timing depends on nothing it finds.
func TestResendDoesTheSameWorkForKnownAndUnknownAddresses(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true, Limits: unlimited})
		const known = "ana@example.com"
		now := a.Clock.Now()
		if err := a.DB.Create(&store.Customer{Email: known, FirstName: "Ana", LastName: "K", CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		fileAccess(t, a, known, "Ana")
		del, _ := json.Marshal(map[string]string{"type": "deletion", "email": known, "name": "Ana"})
		created(t, postJSON(t, a, string(del), nil))
		log := recordSQL(t, a.DB.DB)

		var want []string
		for i := range 20 {
			for _, email := range []string{known, fmt.Sprintf("nobody%d@example.net", i)} {
				before, jobsBefore := snapshot(t, a), jobsOf(t, a)
				log.take()
				ans := postForm(t, a, "/requests/resend", url.Values{"email": {email}}, nil)
				stmts := log.take()
				wantStatus(t, ans, http.StatusOK, "")
				contains(t, ans.Body, neutralResend)
				if want == nil {
					want = stmts
				}
				if !slices.Equal(stmts, want) {
					t.Fatalf("resend for %s ran other statements:\n%s\nwant:\n%s", email, strings.Join(stmts, "\n"), strings.Join(want, "\n"))
				}
				assertUnchanged(t, a, before)
				jobs := jobsOf(t, a)
				if len(jobs) != len(jobsBefore)+1 || !strings.HasPrefix(jobs[len(jobs)-1], "resend_links ") ||
					!strings.Contains(jobs[len(jobs)-1], email) {
					t.Fatalf("resend for %s queued %q, want one resend_links job", email, jobs[len(jobsBefore):])
				}
			}
		}
	})
}

// TestAPIHistoryShowsOnlyWhatTheStatusPageShows proves the JSON history of
// a request holds exactly the events its status page lists: staff-internal
// ones (claim, note, assignment) are in neither, the extension the
// requester was told of is in both.
func TestAPIHistoryShowsOnlyWhatTheStatusPageShows(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		loc := verifyRequest(t, a, verifyEmail(t, a, "ana@example.com", id).Link("/requests/verify?token="))
		token := tokenOf(t, loc)
		pw := a.AddStaff(t, "agent@kactoily.example", "Agent", "agent")
		a.AddStaff(t, "other@kactoily.example", "Other", "agent")
		actor, err := a.Svc.Authenticate(t.Context(), "agent@kactoily.example", pw)
		if err != nil {
			t.Fatal(err)
		}
		var other models.StaffUser
		if err := a.DB.Where("email = ?", "other@kactoily.example").Take(&other).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Assign(t.Context(), actor, id, actor.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Svc.AddNote(t.Context(), actor, id, "Called the customer."); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Assign(t.Context(), actor, id, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Extend(t.Context(), actor, id, 10, "We need the warehouse records."); err != nil {
			t.Fatal(err)
		}
		events, err := models.AuditEventsFor(t.Context(), a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, e := range events {
			all = append(all, e.Action)
		}
		for _, staffOnly := range []string{"claim", "note", "assign"} {
			if !slices.Contains(all, staffOnly) {
				t.Fatalf("precondition: no %s event in %q", staffOnly, all)
			}
		}

		ans := send(t, a, http.MethodGet, "/api/v1/requests/"+id, "", "", hdr("Authorization", "Bearer "+token))
		wantStatus(t, ans, http.StatusOK, "")
		var v struct{ History []struct{ Action string } }
		if err := json.Unmarshal([]byte(ans.Body), &v); err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range v.History {
			actions = append(actions, e.Action)
		}
		if want := []string{"submit", "verify", "extend"}; !slices.Equal(actions, want) {
			t.Errorf("API history %q, want %q", actions, want)
		}
		page := get(t, a, statusPath(id, token))
		wantStatus(t, page, http.StatusOK, "")
		contains(t, page.Body, "We extended the deadline")
		if n := strings.Count(page.Body, "<li><time"); n != len(v.History) {
			t.Errorf("status page lists %d events, the API %d", n, len(v.History))
		}
	})
}

func statusPath(id, token string) string {
	return "/requests/" + id + "/status?token=" + url.QueryEscape(token)
}

// TestGPCIsHonouredAtIntakeAndOnTheStatusPage proves a Sec-GPC: 1 sent
// with an access request opts its customer out of sale/sharing and tells
// the advertising network like any opt-out, and that opening a status
// page with the signal records the requester's opt-out once, says so, and
// tells the advertising network of it once.
func TestGPCIsHonouredAtIntakeAndOnTheStatusPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		now := a.Clock.Now()
		for _, e := range []string{"sam@example.com", "kim@example.com"} {
			if err := a.DB.Create(&store.Customer{Email: e, FirstName: "S", LastName: "K", CreatedAt: now, UpdatedAt: now}).Error; err != nil {
				t.Fatal(err)
			}
		}
		gpcOn := hdr("Sec-GPC", "1")

		withSignal, _ := created(t, postJSON(t, a, `{"type":"access","email":"sam@example.com","name":"Sam"}`, gpcOn))
		a.Mail.WaitFor(t, "privacy@adreach.example", withSignal)

		id := fileAccess(t, a, "kim@example.com", "Kim")
		status := pathOf(t, a, verifyEmail(t, a, "kim@example.com", id).Link("/status?token="))
		if ans := get(t, a, status); strings.Contains(ans.Body, "Global Privacy Control") {
			t.Fatalf("status page without the signal mentions it:\n%s", ans.Body)
		}
		first := send(t, a, http.MethodGet, status, "", "", gpcOn)
		wantStatus(t, first, http.StatusOK, "")
		contains(t, first.Body, "we have opted this email address out of the sale and sharing")
		contains(t, first.Body, "Global Privacy Control signal received: opted out of sale and sharing")
		again := send(t, a, http.MethodGet, status, "", "", gpcOn)
		wantStatus(t, again, http.StatusOK, "")
		contains(t, again.Body, "already opted out of the sale and sharing")

		on, err := a.Svc.IsSuppressed(t.Context(), "kim@example.com", models.ScopeSaleSharing)
		if err != nil || !on {
			t.Fatalf("kim not opted out of sale/sharing: %v %v", on, err)
		}
		var n int64
		if err := a.DB.Model(&models.AuditEvent{}).Where("request_id = ? AND action = ?", id, "gpc_opt_out").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d gpc_opt_out events, want 1 (%v)", n, err)
		}
		m := a.Mail.WaitFor(t, "privacy@adreach.example", id)
		contains(t, m.Text, "kim@example.com", workflows.Label(models.ScopeSaleSharing))
		// A forged token records nothing.
		before := snapshot(t, a)
		bad := send(t, a, http.MethodGet, "/requests/"+id+"/status?token="+strings.Repeat("A", 43), "", "", gpcOn)
		wantStatus(t, bad, http.StatusNotFound, "")
		assertUnchanged(t, a, before)
		if c := a.Mail.Count("privacy@adreach.example", id); c != 1 {
			t.Errorf("%d notices about %s, want 1", c, id)
		}
	})
}

// TestIntakeRefusesLinksInNamesAndInternationalAddresses proves, through
// the API and the form, that a name carrying a link or a bidi override and
// an address with non-ASCII letters are refused under their field with a
// message saying why, and nothing is stored.
func TestIntakeRefusesLinksInNamesAndInternationalAddresses(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true, Limits: unlimited})
		before := snapshot(t, a)
		for _, c := range []struct{ name, email, field, msg string }{
			{"Your account is locked, visit https://kactoily-help.example", "a@example.com", "name", "without a web or email address"},
			{"Alex \u202Emoc.live\u202C", "a@example.com", "name", "invisible formatting characters"},
			{"Jörg", "jörg@example.de", "email", "letters a–z"},
		} {
			body, _ := json.Marshal(map[string]string{"type": "opt_out", "email": c.email, "name": c.name, "scopes": ""})
			body = []byte(strings.Replace(string(body), `"scopes":""`, `"scopes":["analytics"]`, 1))
			ans := postJSON(t, a, string(body), nil)
			if ans.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%q %q: %d, want 422\n%s", c.name, c.email, ans.Status, ans.Body)
			}
			if e := decodeAPIError(t, ans); len(e.Error.Fields) != 1 || !strings.Contains(e.Error.Fields[c.field], c.msg) {
				t.Errorf("%q %q: fields %q, want %s: %q", c.name, c.email, e.Error.Fields, c.field, c.msg)
			}
			form := postForm(t, a, "/requests/new", url.Values{"type": {"opt_out"}, "name": {c.name}, "email": {c.email}, "scopes": {"analytics"}}, nil)
			wantStatus(t, form, http.StatusUnprocessableEntity, "")
			contains(t, form.Body, c.msg)
		}
		assertUnchanged(t, a, before)
	})
}
