package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// actionOpts runs the jobs, so mail is delivered, but collects nothing from
// the store: a verified request waits for staff to move it on.
var actionOpts = testapp.Options{DBSessions: true, Limits: roomy.Limits, Sources: []store.Source{}}

func reloadRequest(t *testing.T, a *testapp.App, id string) *models.Request {
	t.Helper()
	r, err := models.FindRequest(t.Context(), a.DB.DB, id)
	if err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return r
}

// eventsAfter returns the request's audit events with an id above after.
func eventsAfter(t *testing.T, a *testapp.App, id string, after int64) []models.AuditEvent {
	t.Helper()
	var evs []models.AuditEvent
	if err := a.DB.Where("request_id = ? AND id > ?", id, after).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

func lastEventID(t *testing.T, a *testapp.App) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Model(&models.AuditEvent{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// toAwaitingApproval moves a verified request to awaiting approval as staff would.
func toAwaitingApproval(t *testing.T, a *testapp.App, actor *models.StaffUser, id string) {
	t.Helper()
	for _, to := range []string{models.StatusInProgress, models.StatusAwaitingApproval} {
		if _, err := a.Svc.Advance(t.Context(), actor, id, to); err != nil {
			t.Fatalf("advance %s to %s: %v", id, to, err)
		}
	}
}

func TestStaffWorkARequestStepByStepEachWithItsAuditEvent(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		adminB, admin := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		a.AddStaff(t, "otto@kactoily.example", "Otto Agent", models.RoleAgent)
		otto := staffUser(t, a, "otto@kactoily.example")
		id := fileConfirmed(t, a, admin, models.TypeAccess, "cleo@example.com", "Cleo Customer")
		page := "/staff/requests/" + id
		steps := []struct {
			name, action string
			form         url.Values
			flash, event string
			status       string
			check        func(r *models.Request) bool
		}{
			{"claim", "assign", url.Values{"assignee": {"me"}}, "Assignment saved.", "claim", models.StatusVerified,
				func(r *models.Request) bool { return r.AssigneeID != nil && *r.AssigneeID == me.ID }},
			{"assign to another agent", "assign", url.Values{"assignee": {strconv.FormatInt(otto.ID, 10)}}, "Assignment saved.", "assign",
				models.StatusVerified, func(r *models.Request) bool { return r.AssigneeID != nil && *r.AssigneeID == otto.ID }},
			{"add a note", "note", url.Values{"note": {"<b>Rang back</b> & confirmed the order number"}}, "Note added.", "note",
				models.StatusVerified, nil},
			{"start work", "advance", url.Values{"to": {models.StatusInProgress}}, "Status updated.", "advance", models.StatusInProgress, nil},
			{"ready for approval", "advance", url.Values{"to": {models.StatusAwaitingApproval}}, "Status updated.", "advance",
				models.StatusAwaitingApproval, nil},
			{"approve an access request as agent", "approve", url.Values{}, "Approved.", "approve", models.StatusFulfilling, nil},
		}
		for _, st := range steps {
			last := lastEventID(t, a)
			wantStatus(t, agent.post(t, page+"/"+st.action, st.form), http.StatusSeeOther, page)
			evs := eventsAfter(t, a, id, last)
			if len(evs) == 0 || evs[0].Action != st.event || evs[0].ToStatus != st.status || evs[0].Actor != me.Email {
				t.Fatalf("%s: new audit events %+v, want first %q → %s by %s", st.name, evs, st.event, st.status, me.Email)
			}
			if st.action != "approve" && len(evs) != 1 {
				t.Fatalf("%s: %d audit events, want 1", st.name, len(evs))
			}
			if r := reloadRequest(t, a, id); st.check != nil && !st.check(r) {
				t.Fatalf("%s: request after: %+v", st.name, r)
			}
			shown := agent.get(t, page)
			wantStatus(t, shown, http.StatusOK, "")
			contains(t, shown.Body, st.flash)
			if st.action == "note" {
				contains(t, shown.Body, "&lt;b&gt;Rang back&lt;/b&gt; &amp; confirmed the order number")
				lacks(t, shown.Body, "<b>Rang back</b>")
			}
		}
		if s := reloadRequest(t, a, id).Status; s != models.StatusFulfilling && s != models.StatusCompleted {
			t.Fatalf("approved access request is %s, want fulfilling (or completed by the fulfil job)", s)
		}
		// Staff starting work sends no email of its own: the receipt said what happens next.
		a.Mail.WaitFor(t, "cleo@example.com", "We have your privacy request "+id)
		var inProgress int64
		if err := a.DB.Model(&models.Email{}).Where("request_id = ? AND kind = ?", id, "in_progress").Count(&inProgress).Error; err != nil || inProgress != 0 {
			t.Fatalf("%d 'in progress' emails queued (%v), want none", inProgress, err)
		}

		// A deletion: the agent is refused, an admin approves.
		del := fileConfirmed(t, a, admin, models.TypeDeletion, "dora@example.com", "Dora Delete")
		toAwaitingApproval(t, a, admin, del)
		delPage := agent.get(t, "/staff/requests/"+del)
		contains(t, delPage.Body, "Only a privacy admin can approve a deletion.")
		lacks(t, delPage.Body, "/approve")
		last := lastEventID(t, a)
		wantStatus(t, agent.post(t, "/staff/requests/"+del+"/approve", url.Values{}), http.StatusForbidden, "")
		if r := reloadRequest(t, a, del); r.Status != models.StatusAwaitingApproval || len(eventsAfter(t, a, del, last)) != 0 {
			t.Fatalf("agent's refused approval changed the deletion: %s", r.Status)
		}
		wantStatus(t, adminB.post(t, "/staff/requests/"+del+"/approve", url.Values{}), http.StatusSeeOther, "/staff/requests/"+del)
		if evs := eventsAfter(t, a, del, last); len(evs) == 0 || evs[0].Action != "approve" || evs[0].ToStatus != models.StatusFulfilling {
			t.Fatalf("admin approval: events %+v, want approve → fulfilling", evs)
		}
	})
}

func TestRefusedStaffActionsChangeNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		ver := fileConfirmed(t, a, admin, models.TypeAccess, "vera@example.com", "Vera Verified")
		del := fileConfirmed(t, a, admin, models.TypeDeletion, "dora@example.com", "Dora Delete")
		toAwaitingApproval(t, a, admin, del)
		den := fileConfirmed(t, a, admin, models.TypeAccess, "dee@example.com", "Dee Denied")
		if _, err := a.Svc.Deny(t.Context(), admin, den, workflows.DenialReasons[0]); err != nil {
			t.Fatal(err)
		}
		reason := url.Values{"reason": {"The customer asked us to."}}
		cross, evil := hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example")
		cases := []struct {
			name, id, action string
			form             url.Values
			header           http.Header
			status           int
		}{
			{"approve a verified request", ver, "approve", url.Values{}, nil, http.StatusConflict},
			{"advance to an unknown step", ver, "advance", url.Values{"to": {models.StatusFulfilling}}, nil, http.StatusUnprocessableEntity},
			{"agent approves a deletion", del, "approve", url.Values{}, nil, http.StatusForbidden},
			{"deny without a reason", ver, "deny", url.Values{"reason": {"  "}}, nil, http.StatusUnprocessableEntity},
			{"deny with too long a reason", ver, "deny", url.Values{"reason": {strings.Repeat("x", 2001)}}, nil, http.StatusUnprocessableEntity},
			{"extend by 61 days", ver, "extend", url.Values{"days": {"61"}, "reason": reason["reason"]}, nil, http.StatusUnprocessableEntity},
			{"extend by no days", ver, "extend", url.Values{"days": {"soon"}, "reason": reason["reason"]}, nil, http.StatusUnprocessableEntity},
			{"extend without a reason", ver, "extend", url.Values{"days": {"30"}}, nil, http.StatusUnprocessableEntity},
			{"assign to nobody known", ver, "assign", url.Values{"assignee": {"99999"}}, nil, http.StatusUnprocessableEntity},
			{"empty note", ver, "note", url.Values{"note": {""}}, nil, http.StatusUnprocessableEntity},
			{"assign a denied request", den, "assign", url.Values{"assignee": {"me"}}, nil, http.StatusConflict},
			{"deny a denied request", den, "deny", reason, nil, http.StatusConflict},
			{"cancel a denied request", den, "cancel", reason, nil, http.StatusConflict},
			{"extend a denied request", den, "extend", url.Values{"days": {"10"}, "reason": reason["reason"]}, nil, http.StatusConflict},
			{"approve an unknown request", "PD-00000-00000", "approve", url.Values{}, nil, http.StatusNotFound},
			{"cross-site approve", del, "approve", url.Values{}, cross, http.StatusForbidden},
			{"cross-site deny", ver, "deny", reason, cross, http.StatusForbidden},
			{"cross-site note", ver, "note", url.Values{"note": {"planted"}}, cross, http.StatusForbidden},
			{"foreign-origin note", ver, "note", url.Values{"note": {"planted"}}, evil, http.StatusForbidden},
		}
		for _, tc := range cases {
			before, notes := snapshot(t, a), a.Count(t, &models.Note{})
			was := reloadRequest(t, a, ver)
			h := tc.header
			if h == nil {
				h = hdr("Sec-Fetch-Site", "same-origin")
			}
			ans := agent.do(t, http.MethodPost, "/staff/requests/"+tc.id+"/"+tc.action, tc.form, h)
			if ans.Status != tc.status {
				t.Errorf("%s: status %d, want %d\n%.400s", tc.name, ans.Status, tc.status, ans.Body)
			}
			assertUnchanged(t, a, before)
			if now := reloadRequest(t, a, ver); !now.UpdatedAt.Equal(was.UpdatedAt) || now.AssigneeID != nil || a.Count(t, &models.Note{}) != notes {
				t.Errorf("%s: changed the verified request or its notes", tc.name)
			}
		}
		for id, want := range map[string]string{ver: models.StatusVerified, del: models.StatusAwaitingApproval, den: models.StatusDenied} {
			if got := reloadRequest(t, a, id).Status; got != want {
				t.Errorf("%s is %s, want %s", id, got, want)
			}
		}
	})
}

func TestDecisionsAreMailedToTheCustomer(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		post := func(id, action string, form url.Values, status int) {
			t.Helper()
			last := lastEventID(t, a)
			ans := agent.post(t, "/staff/requests/"+id+"/"+action, form)
			if ans.Status != status {
				t.Fatalf("%s %s: status %d, want %d\n%.400s", action, id, ans.Status, status, ans.Body)
			}
			if n, want := len(eventsAfter(t, a, id, last)), map[bool]int{true: 1, false: 0}[status == http.StatusSeeOther]; n != want {
				t.Fatalf("%s %s: %d audit events, want %d", action, id, n, want)
			}
		}

		denied := fileConfirmed(t, a, admin, models.TypeAccess, "dee@example.com", "Dee Denied")
		post(denied, "deny", url.Values{"reason_choice": {workflows.DenialReasons[3]}}, http.StatusSeeOther)
		if r := reloadRequest(t, a, denied); r.Status != models.StatusDenied || r.DenialReason != workflows.DenialReasons[3] || r.ClosedAt == nil {
			t.Fatalf("denied request: %s %q %v", r.Status, r.DenialReason, r.ClosedAt)
		}
		m := a.Mail.WaitFor(t, "dee@example.com", "About your privacy request "+denied)
		if !strings.Contains(m.Text, workflows.DenialReasons[3]) || !strings.Contains(m.Text, "appeal") {
			t.Fatalf("denial email lacks the reason or how to appeal:\n%s", m.Text)
		}

		ext := fileConfirmed(t, a, admin, models.TypeAccess, "ezra@example.com", "Ezra Extended")
		due := *reloadRequest(t, a, ext).DueAt
		why := "We are waiting for the warranty partner's records."
		post(ext, "extend", url.Values{"days": {"30"}, "reason": {why}}, http.StatusSeeOther)
		r := reloadRequest(t, a, ext)
		if newDue := due.AddDate(0, 0, 30); r.DueAt == nil || !r.DueAt.Equal(newDue) || r.ExtensionReason != why || !r.QueueAt.Equal(newDue) {
			t.Fatalf("extended request: due %v queue_at %v reason %q; want due %v", r.DueAt, r.QueueAt, r.ExtensionReason, newDue)
		}
		m = a.Mail.WaitFor(t, "ezra@example.com", "We need more time for your privacy request "+ext)
		if !strings.Contains(m.Text, why) || !strings.Contains(m.Text, r.DueAt.Format("2 January 2006")) {
			t.Fatalf("extension email lacks the reason or the new date:\n%s", m.Text)
		}
		post(ext, "extend", url.Values{"days": {"10"}, "reason": {"More."}}, http.StatusConflict)
		if again := reloadRequest(t, a, ext); !again.DueAt.Equal(*r.DueAt) {
			t.Fatalf("second extension moved the due date to %v", again.DueAt)
		}

		cancelled := fileConfirmed(t, a, admin, models.TypeDeletion, "cara@example.com", "Cara Cancel")
		post(cancelled, "cancel", url.Values{"reason": {"She phoned to withdraw it."}}, http.StatusSeeOther)
		if r := reloadRequest(t, a, cancelled); r.Status != models.StatusCancelled || r.ClosedAt == nil {
			t.Fatalf("cancelled request: %s", r.Status)
		}
		a.Mail.WaitFor(t, "cara@example.com", "Your privacy request "+cancelled+" is cancelled")

		late := fileConfirmed(t, a, admin, models.TypeAccess, "lou@example.com", "Lou Late")
		a.Clock.Advance(31 * 24 * time.Hour)
		post(late, "extend", url.Values{"days": {"10"}, "reason": {why}}, http.StatusConflict)
		if r := reloadRequest(t, a, late); r.ExtendedAt != nil {
			t.Fatal("a request past its due date was extended")
		}
		if n := a.Mail.Count("ezra@example.com", "We need more time") + a.Mail.Count("lou@example.com", "We need more time"); n != 1 {
			t.Fatalf("%d extension emails, want 1", n)
		}
	})
}

func TestStaffFileRequestsOnBehalfOfCustomers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		lacks(t, agent.get(t, "/staff/requests/new").Body, `name="identity_confirmed"`)
		contains(t, admin.get(t, "/staff/requests/new").Body, `name="identity_confirmed"`)
		form := url.Values{"type": {"access"}, "email": {"Phil@Example.com"}, "name": {"Phil Phoned"}, "details": {"Asked by phone."}}

		ans := agent.post(t, "/staff/requests/new", form)
		id := strings.TrimPrefix(ans.Header.Get("Location"), "/staff/requests/")
		wantStatus(t, ans, http.StatusSeeOther, "/staff/requests/"+id)
		r := reloadRequest(t, a, id)
		if r.Status != models.StatusPendingVerification || r.FiledBy == nil || *r.FiledBy != me.ID || r.Email != "phil@example.com" {
			t.Fatalf("agent-filed request: status %s filed_by %v email %s", r.Status, r.FiledBy, r.Email)
		}
		verifyEmail(t, a, "phil@example.com", id)

		before := snapshot(t, a)
		confirmed := url.Values{"type": {"deletion"}, "email": {"pat@example.com"}, "name": {"Pat Present"},
			"identity_confirmed": {"Checked a passport at the shop counter."}}
		wantStatus(t, agent.post(t, "/staff/requests/new", confirmed), http.StatusForbidden, "")
		assertUnchanged(t, a, before)

		ans = admin.post(t, "/staff/requests/new", confirmed)
		id = strings.TrimPrefix(ans.Header.Get("Location"), "/staff/requests/")
		wantStatus(t, ans, http.StatusSeeOther, "/staff/requests/"+id)
		r = reloadRequest(t, a, id)
		now := a.Clock.Now()
		if r.Status != models.StatusVerified || r.DueAt == nil || !r.DueAt.Equal(now.AddDate(0, 0, 30)) ||
			r.IdentityConfirmed != "Checked a passport at the shop counter." {
			t.Fatalf("admin-confirmed request: status %s due %v identity %q", r.Status, r.DueAt, r.IdentityConfirmed)
		}
		staffMail := a.Mail.WaitFor(t, "privacy-team@kactoily.example", id)
		if !strings.Contains(staffMail.Text, "/staff/requests/"+id) || strings.Contains(staffMail.Text, "pat@example.com") {
			t.Fatalf("new-request email to support:\n%s", staffMail.Text)
		}
		a.Mail.WaitFor(t, "pat@example.com", "We have your privacy request "+id)
		if n := a.Mail.Count("pat@example.com", "Confirm your privacy request"); n != 0 {
			t.Fatalf("a confirmed request still sent %d verification emails", n)
		}
	})
}

func TestAdminManagesStaffAndAgentsCannot(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		newcomer := url.Values{"name": {"Nia New"}, "email": {"nia@kactoily.example"}, "role": {"agent"}, "password": {"correct horse battery"}}

		for _, path := range []string{"/staff/admin/staff", "/staff/reports", "/staff/reports.csv"} {
			wantStatus(t, agent.get(t, path), http.StatusForbidden, "")
		}
		wantStatus(t, agent.post(t, "/staff/admin/staff", newcomer), http.StatusForbidden, "")
		wantStatus(t, agent.post(t, "/staff/admin/staff/"+strconv.FormatInt(me.ID, 10), url.Values{"role": {"admin"}}), http.StatusForbidden, "")
		if n := a.Count(t, &models.StaffUser{}); n != 2 || staffUser(t, a, me.Email).Role != models.RoleAgent {
			t.Fatalf("an agent changed staff accounts: %d accounts, role %s", n, staffUser(t, a, me.Email).Role)
		}

		short := url.Values{"name": {"Nia New"}, "email": {"nia@kactoily.example"}, "role": {"agent"}, "password": {"short"}}
		ans := admin.post(t, "/staff/admin/staff", short)
		wantStatus(t, ans, http.StatusUnprocessableEntity, "")
		contains(t, ans.Body, "at least 12 characters")
		wantStatus(t, admin.post(t, "/staff/admin/staff", newcomer), http.StatusSeeOther, "/staff/admin/staff")
		contains(t, admin.get(t, "/staff/admin/staff").Body, "Account created for nia@kactoily.example.", "Nia New")
		wantStatus(t, admin.post(t, "/staff/admin/staff", newcomer), http.StatusConflict, "")
		nia := staffUser(t, a, "nia@kactoily.example")
		if nia.Role != models.RoleAgent || strings.Contains(nia.PasswordHash, "correct horse") || !strings.HasPrefix(nia.PasswordHash, "$argon2id$") {
			t.Fatalf("new account: role %s hash %q", nia.Role, nia.PasswordHash)
		}
		niaB := newBrowser(a)
		a.Login(t, niaB.c, "nia@kactoily.example", "correct horse battery")

		wantStatus(t, admin.post(t, "/staff/admin/staff/"+strconv.FormatInt(nia.ID, 10),
			url.Values{"role": {"agent"}, "disabled": {"on"}}), http.StatusSeeOther, "/staff/admin/staff")
		wantStatus(t, niaB.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
		ans = niaB.login(t, "nia@kactoily.example", "correct horse battery")
		if ans.Status != http.StatusUnauthorized || !strings.Contains(ans.Body, genericLoginError) {
			t.Fatalf("disabled account's sign-in: %d\n%s", ans.Status, ans.Body)
		}

		self := url.Values{"role": {"admin"}, "disabled": {"on"}}
		wantStatus(t, admin.post(t, "/staff/admin/staff/"+strconv.FormatInt(root.ID, 10), self), http.StatusForbidden, "")
		if u := staffUser(t, a, root.Email); !u.Active() || u.Role != models.RoleAdmin {
			t.Fatal("the admin disabled their own account")
		}
		wantStatus(t, admin.get(t, "/staff/admin/staff"), http.StatusOK, "")
	})
}

func TestRequesterMarkupIsEscapedOnStaffPages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		r, err := a.Svc.FileOnBehalf(t.Context(), adminActor(t, a), workflows.NewRequest{Type: models.TypeAccess,
			Email: "xss@example.com", Name: "<script>alert(1)</script>", Details: `<img src=x onerror="alert(2)">`}, "Known caller.")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/staff/queue", "/staff/requests/" + r.ID} {
			ans := agent.get(t, path)
			wantStatus(t, ans, http.StatusOK, "")
			contains(t, ans.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
			lacks(t, ans.Body, "<script>alert(1)</script>", "<img src=x")
		}
	})
}
