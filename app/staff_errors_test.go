package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// customerLinks are the customer error page's way out; a staff error must not offer them.
var customerLinks = []string{"Go to the privacy center", "Ask for a new confirmation link"}

func TestStaffErrorsStayInTheStaffLayoutWithAWayBackToTheQueue(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera Verified")
		cases := []struct {
			name   string
			b      *browser
			method string
			path   string
			status int
			back   bool // also links back to the request
		}{
			{"unknown request id", agent, http.MethodGet, "/staff/requests/PD-00000-00000", http.StatusNotFound, false},
			{"unknown staff page", agent, http.MethodGet, "/staff/nowhere", http.StatusNotFound, false},
			{"wrong method on a staff page", agent, http.MethodPost, "/staff/queue", http.StatusMethodNotAllowed, false},
			{"unknown queue filter", agent, http.MethodGet, "/staff/queue?status=open", http.StatusBadRequest, false},
			{"bad report range", admin, http.MethodGet, "/staff/reports?from=yesterday", http.StatusUnprocessableEntity, false},
			{"agent on an admin page", agent, http.MethodGet, "/staff/admin/staff", http.StatusForbidden, false},
			{"agent approves a deletion", agent, http.MethodPost, "/staff/requests/" + id + "/approve", http.StatusForbidden, true},
		}
		for _, tc := range cases {
			var form url.Values
			if tc.method == http.MethodPost {
				form = url.Values{}
			}
			if strings.HasSuffix(tc.path, "/approve") { // make it a deletion awaiting approval
				del := fileConfirmed(t, a, root, models.TypeDeletion, "dora@example.com", "Dora Delete")
				toAwaitingApproval(t, a, root, del)
				tc.path = "/staff/requests/" + del + "/approve"
				id = del
			}
			ans := tc.b.do(t, tc.method, tc.path, form, hdr("Sec-Fetch-Site", "same-origin"))
			if ans.Status != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, ans.Status, tc.status)
			}
			if tc.name == "bad report range" { // the report's own form, with the error beside the field
				contains(t, ans.Body, `class="staff"`, "Sign out", `href="/staff/queue"`, "YYYY-MM-DD")
			} else {
				contains(t, ans.Body, `class="staff"`, "Sign out", `href="/staff/queue">← Back to the queue`)
			}
			lacks(t, ans.Body, customerLinks...)
			if tc.back {
				contains(t, ans.Body, `href="/staff/requests/`+id+`">Back to the request`)
			}
		}

		// Without a session, a staff address offers the sign-in, not the customer pages.
		ans := newBrowser(a).get(t, "/staff/nowhere")
		wantStatus(t, ans, http.StatusNotFound, "")
		contains(t, ans.Body, `href="/staff/login"`)
		lacks(t, ans.Body, customerLinks...)
		lacks(t, ans.Body, "Sign out")
		// Public pages keep the customer links.
		contains(t, get(t, a, "/requests/nowhere/x/y").Body, customerLinks[0])
	})
}

func TestAnActionAddressOpenedAgainGoesBackToTheRequest(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		id := fileConfirmed(t, a, adminActor(t, a), models.TypeAccess, "vera@example.com", "Vera Verified")
		// A refused denial, then the address reloaded as a page (GET): the request, not a 405.
		wantStatus(t, agent.post(t, "/staff/requests/"+id+"/deny", url.Values{"reason": {""}}), http.StatusUnprocessableEntity, "")
		for _, action := range []string{"deny", "extend", "note", "assign", "cancel", "approve", "escalate", "retry-erasure"} {
			wantStatus(t, agent.get(t, "/staff/requests/"+id+"/"+action), http.StatusSeeOther, "/staff/requests/"+id)
		}
		wantStatus(t, agent.get(t, "/staff/requests/"+id+"/explode"), http.StatusNotFound, "")
		if s := statusOf(t, a, id); s != models.StatusVerified {
			t.Fatalf("reloading action addresses changed the request: %s", s)
		}
	})
}

func TestRefusedDenyExtendAndNoteKeepWhatWasTypedAndSayTheErrorOnce(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		id := fileConfirmed(t, a, adminActor(t, a), models.TypeAccess, "vera@example.com", "Vera Verified")
		typed := "We wrote twice & got no answer <really>."
		cases := []struct {
			name, action string
			form         url.Values
			status       int
			message      string
			kept         []string // what must be shown again, as HTML
		}{
			{"canned and typed reasons together", "deny", url.Values{"reason_choice": {workflows.DenialReasons[0]}, "reason": {typed}},
				http.StatusUnprocessableEntity, "Pick one of the reasons or write your own, not both.",
				[]string{`value="` + workflows.DenialReasons[0] + `" checked`, "We wrote twice &amp; got no answer &lt;really&gt;.</textarea>",
					`id="deny-form" open`}},
			{"no reason at all", "deny", url.Values{}, http.StatusUnprocessableEntity, "Give a reason.", []string{`id="deny-form" open`}},
			{"too many days", "extend", url.Values{"days": {"90"}, "reason": {typed}}, http.StatusUnprocessableEntity, fmt.Sprintf("Extend by 1 to %d days.", workflows.MaxExtensionDays),
				[]string{`name="days" value="90"`, "We wrote twice &amp; got no answer &lt;really&gt;.</textarea>", `id="extend-form" open`}},
			{"extension without a reason", "extend", url.Values{"days": {"14"}}, http.StatusUnprocessableEntity, "Give a reason.",
				[]string{`name="days" value="14"`}},
			{"note too long", "note", url.Values{"note": {strings.Repeat("n", 10001)}}, http.StatusUnprocessableEntity,
				"Write a note of up to 10,000 characters.", []string{strings.Repeat("n", 10001) + "</textarea>"}},
		}
		for _, tc := range cases {
			before := snapshot(t, a)
			ans := agent.post(t, "/staff/requests/"+id+"/"+tc.action, tc.form)
			if ans.Status != tc.status {
				t.Fatalf("%s: status %d, want %d\n%s", tc.name, ans.Status, tc.status, ans.Body)
			}
			if n := strings.Count(ans.Body, tc.message); n != 1 {
				t.Errorf("%s: the message %q is on the page %d times, want once", tc.name, tc.message, n)
			}
			contains(t, ans.Body, tc.kept...)
			contains(t, ans.Body, `class="staff"`)
			assertUnchanged(t, a, before)
		}
		if r := reloadRequest(t, a, id); r.Status != models.StatusVerified || r.ExtendedAt != nil {
			t.Fatalf("refused actions changed the request: %s, extended %v", r.Status, r.ExtendedAt)
		}
		// The same canned reason typed out as well is one reason, not a conflict.
		same := url.Values{"reason_choice": {workflows.DenialReasons[3]}, "reason": {workflows.DenialReasons[3]}}
		wantStatus(t, agent.post(t, "/staff/requests/"+id+"/deny", same), http.StatusSeeOther, "/staff/requests/"+id)
		if r := reloadRequest(t, a, id); r.DenialReason != workflows.DenialReasons[3] {
			t.Fatalf("denial reason %q", r.DenialReason)
		}
	})
}
