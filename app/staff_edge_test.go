package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

func TestARequestThatMatchedNothingSaysSoAndSuggestsTheNoDataDenial(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := actionOpts
		o.Sources = []store.Source{&fakeSource{name: "orders"}, &fakeSource{name: "activity"}}
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		nothing := fileConfirmed(t, a, admin, models.TypeAccess, "ghost@example.com", "Gus Ghost")
		waitStatus(t, a, nothing, models.StatusAwaitingApproval)
		page := agent.get(t, "/staff/requests/"+nothing)
		contains(t, page.Body, "No source holds anything for this email address.", "Approve anyway…",
			`value="`+workflows.DenialReasons[1]+`" checked`)
		// Denying with the suggested reason as the form sends it.
		wantStatus(t, agent.post(t, "/staff/requests/"+nothing+"/deny", url.Values{"reason_choice": {workflows.DenialReasons[1]}}),
			http.StatusSeeOther, "/staff/requests/"+nothing)
		if r := reloadRequest(t, a, nothing); r.Status != models.StatusDenied || r.DenialReason != workflows.DenialReasons[1] {
			t.Fatalf("denied request: %s %q", r.Status, r.DenialReason)
		}
		lacks(t, agent.get(t, "/staff/requests/"+nothing).Body, "No source holds anything") // closed: no advice

		// A request that found something has no such banner.
		o.Sources = []store.Source{&fakeSource{name: "orders", records: orderRecords()}}
		b := testapp.New(t, dialect, o)
		agentB, _ := signedIn(t, b, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		found := fileConfirmed(t, b, adminActor(t, b), models.TypeAccess, "cleo@example.com", "Cleo")
		waitStatus(t, b, found, models.StatusAwaitingApproval)
		page = agentB.get(t, "/staff/requests/"+found)
		lacks(t, page.Body, "No source holds anything", "Approve anyway")
		for _, r := range workflows.DenialReasons { // no reason suggested: "my own reason" is the one picked
			lacks(t, page.Body, `value="`+r+`" checked`)
		}
		contains(t, page.Body, "Approve…", `id="deny-own" checked`)
	})
}

func TestAgentSendsADeletionToAnAdminWhoIsEmailedWithTheNote(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		adminB, ada := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		del := fileConfirmed(t, a, ada, models.TypeDeletion, "dora@example.com", "Dora Delete")
		acc := fileConfirmed(t, a, ada, models.TypeAccess, "vera@example.com", "Vera Verified")
		page := "/staff/requests/" + del
		contains(t, agent.get(t, page).Body, "Send to an admin…", `<option value="`+strconv.FormatInt(ada.ID, 10)+`">Ada Admin</option>`)
		lacks(t, agent.get(t, "/staff/requests/"+acc).Body, "Send to an admin")
		lacks(t, adminB.get(t, page).Body, "Send to an admin")

		// Refused without a note, keeping the choice; nothing written.
		before := snapshot(t, a)
		ans := agent.post(t, page+"/escalate", url.Values{"admin": {strconv.FormatInt(ada.ID, 10)}, "note": {"  "}})
		wantStatus(t, ans, http.StatusUnprocessableEntity, "")
		contains(t, ans.Body, `id="escalate-form" open`, "Say in up to 2,000 characters what the admin should decide.")
		assertUnchanged(t, a, before)
		wantStatus(t, agent.post(t, page+"/escalate", url.Values{"admin": {strconv.FormatInt(me.ID, 10)}, "note": {"Please approve."}}),
			http.StatusUnprocessableEntity, "") // an agent is not an admin
		assertUnchanged(t, a, before)

		note := "The customer phoned again & asked for it <today>."
		last := lastEventID(t, a)
		wantStatus(t, agent.post(t, page+"/escalate", url.Values{"admin": {strconv.FormatInt(ada.ID, 10)}, "note": {note}}),
			http.StatusSeeOther, page)
		r := reloadRequest(t, a, del)
		if r.AssigneeID == nil || *r.AssigneeID != ada.ID {
			t.Fatalf("escalated request assigned to %v, want %d", r.AssigneeID, ada.ID)
		}
		if evs := eventsAfter(t, a, del, last); len(evs) != 1 || evs[0].Action != "escalate" || evs[0].Actor != me.Email {
			t.Fatalf("audit events %+v, want one escalate by %s", evs, me.Email)
		}
		shown := agent.get(t, page)
		contains(t, shown.Body, "Sent to the admin; they have been emailed.", "For Ada Admin: The customer phoned again &amp; asked for it &lt;today&gt;.",
			"<strong>Sent to an admin</strong>")
		m := a.Mail.WaitFor(t, "ada@kactoily.example", "Assigned to you: Delete my data request "+del)
		if !strings.Contains(m.Text, "Quinn Agent has assigned you") || !strings.Contains(m.Text, note) ||
			!strings.Contains(m.Text, "/staff/requests/"+del) || m.Link("token=") != "" || strings.Contains(m.Text, "dora@example.com") {
			t.Fatalf("escalation email:\n%s", m.Text)
		}
		if !strings.Contains(m.HTML, "&lt;today&gt;") || strings.Contains(m.HTML, "<today>") {
			t.Fatalf("escalation email's HTML does not escape the note:\n%s", m.HTML)
		}
	})
}

func TestAssigningSomeoneEmailsThemButClaimingDoesNot(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		_, ada := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		a.AddStaff(t, "otto@kactoily.example", "Otto Agent", models.RoleAgent)
		otto := staffUser(t, a, "otto@kactoily.example")
		id := fileConfirmed(t, a, ada, models.TypeAccess, "vera@example.com", "Vera Verified")
		page := "/staff/requests/" + id
		wantStatus(t, agent.post(t, page+"/assign", url.Values{"assignee": {"me"}}), http.StatusSeeOther, page)
		wantStatus(t, agent.post(t, page+"/assign", url.Values{"assignee": {strconv.FormatInt(otto.ID, 10)}}), http.StatusSeeOther, page)
		m := a.Mail.WaitFor(t, "otto@kactoily.example", "Assigned to you: Access to my data request "+id)
		if !strings.Contains(m.Text, "Quinn Agent has assigned you") || !strings.Contains(m.HTML, "Open the request") {
			t.Fatalf("assignment email:\n%s\n%s", m.Text, m.HTML)
		}
		// Assigning Otto again tells him nothing new.
		wantStatus(t, agent.post(t, page+"/assign", url.Values{"assignee": {strconv.FormatInt(otto.ID, 10)}}), http.StatusSeeOther, page)
		var toQuinn, toOtto int64
		a.DB.Model(&models.Email{}).Where("kind = ? AND to_addr = ?", workflows.EmailAssigned, "quinn@kactoily.example").Count(&toQuinn)
		a.DB.Model(&models.Email{}).Where("kind = ? AND to_addr = ?", workflows.EmailAssigned, "otto@kactoily.example").Count(&toOtto)
		if toQuinn != 0 || toOtto != 1 {
			t.Fatalf("assignment emails: %d to the claimer, %d to Otto; want 0 and 1", toQuinn, toOtto)
		}
		contains(t, agent.get(t, page).Body, "Assignment notice to staff to")
	})
}

func TestASecondOpenRequestOfTheSameTypeFromOneAddressIsFlagged(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		first := fileConfirmed(t, a, admin, models.TypeAccess, "rita@example.com", "Rita")
		second := fileConfirmed(t, a, admin, models.TypeAccess, "Rita@Example.com", "Rita R.")
		deletion := fileConfirmed(t, a, admin, models.TypeDeletion, "rita@example.com", "Rita")
		other := fileConfirmed(t, a, admin, models.TypeAccess, "vera@example.com", "Vera")

		page := agent.get(t, "/staff/requests/"+second)
		contains(t, page.Body, "The same address has another open access to my data request", `href="/staff/requests/`+first+`"`)
		contains(t, agent.get(t, "/staff/requests/"+first).Body, `href="/staff/requests/`+second+`"`)
		for _, id := range []string{deletion, other} {
			lacks(t, agent.get(t, "/staff/requests/"+id).Body, "The same address has")
		}
		if _, err := a.Svc.Deny(t.Context(), admin, first, workflows.DenialReasons[3]); err != nil {
			t.Fatal(err)
		}
		lacks(t, agent.get(t, "/staff/requests/"+second).Body, "The same address has") // a closed one is no repeat
	})
}
