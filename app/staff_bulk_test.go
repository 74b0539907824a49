package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

var hiddenIDRE = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)

// countWhere counts the rows of model matching the condition.
func countWhere(t *testing.T, a *testapp.App, model any, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Model(model).Where(query, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBulkDenyOfFiftyFilteredRequestsSendsFiftyEmailsAndNeverTouchesOneOutsideTheFilter
// denies every deletion request of the queue in one bulk action, through
// the confirmation page, with an access request's id slipped into the
// posted ids: the 50 deletions are denied, each with its own audit event
// and its own email delivered over SMTP; the access request is reported
// as skipped and is untouched.
func TestBulkDenyOfFiftyFilteredRequestsSendsFiftyEmailsAndNeverTouchesOneOutsideTheFilter(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		root := adminActor(t, a)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		var want []string
		for i := range 50 {
			want = append(want, fileConfirmed(t, a, root, models.TypeDeletion, fmt.Sprintf("del%02d@example.com", i), "Del Customer"))
		}
		outside := fileConfirmed(t, a, root, models.TypeAccess, "acc@example.com", "Acc Customer")
		waitJobsIdle(t, a, "send_email")
		outsideEvents := countWhere(t, a, &models.AuditEvent{}, "request_id = ?", outside)

		reason := workflows.DenialReasons[3]
		form := url.Values{"type": {models.TypeDeletion}, "all": {"true"}, "action": {"deny"}, "reason_choice": {reason}}
		ans := agent.post(t, links.QueueBulk, form)
		wantStatus(t, ans, http.StatusOK, "")
		contains(t, ans.Body, "Deny 50 requests?", "Yes, deny 50 requests")
		if n := countWhere(t, a, &models.Request{}, "status = ?", models.StatusDenied); n != 0 {
			t.Fatalf("the confirmation page denied %d requests already", n)
		}
		var posted []string
		for _, m := range hiddenIDRE.FindAllStringSubmatch(ans.Body, -1) {
			posted = append(posted, m[1])
		}
		if len(posted) != 50 || strings.Contains(ans.Body, outside) {
			t.Fatalf("confirmation lists %d ids (want the 50 deletions, not %s)", len(posted), outside)
		}

		events := countWhere(t, a, &models.AuditEvent{}, "action = ?", "deny")
		confirm := url.Values{"type": {models.TypeDeletion}, "action": {"deny"}, "reason": {reason}, "confirm": {"yes"},
			"id": append(posted, outside)}
		ans = agent.post(t, links.QueueBulk, confirm)
		wantStatus(t, ans, http.StatusOK, "")
		contains(t, ans.Body, "Denied: 50", "Skipped: 1", "<td class=\"mono\">"+outside+"</td><td>not in the filtered queue</td>")

		waitJobsIdle(t, a, "send_email")
		for i, id := range want {
			r := reloadRequest(t, a, id)
			if r.Status != models.StatusDenied || r.DenialReason != reason {
				t.Errorf("%s: %s (%q), want denied with the reason", id, r.Status, r.DenialReason)
			}
			waitMailCount(t, a, fmt.Sprintf("del%02d@example.com", i), "About your privacy request "+id, 1)
		}
		if got := countWhere(t, a, &models.AuditEvent{}, "action = ?", "deny") - events; got != 50 {
			t.Errorf("%d deny audit events written, want 50", got)
		}
		if got := countWhere(t, a, &models.Email{}, "kind = ? AND status = ?", workflows.EmailDenied, models.EmailSent); got != 50 {
			t.Errorf("%d denial emails sent, want 50", got)
		}
		if r := reloadRequest(t, a, outside); r.Status != models.StatusVerified || r.DenialReason != "" {
			t.Errorf("the request outside the filter became %s", r.Status)
		}
		if n := countWhere(t, a, &models.AuditEvent{}, "request_id = ?", outside); n != outsideEvents {
			t.Errorf("the request outside the filter got %d new audit events", n-outsideEvents)
		}
		if n := a.Mail.Count("acc@example.com", "About your privacy request"); n != 0 {
			t.Errorf("the request outside the filter was emailed a denial")
		}
		if _, brk, err := models.VerifyAuditChain(t.Context(), a.DB.DB); err != nil || brk != nil {
			t.Errorf("audit chain after the bulk denial: %v %+v", err, brk)
		}
	})
}

// TestBulkActionsReportWhatTheySkippedAndWhy claims, assigns, notes and
// denies a mixed selection of a filter that shows unverified requests too:
// each request the action does not suit is left alone and named with the
// reason the request page's own rules give.
func TestBulkActionsReportWhatTheySkippedAndWhy(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		root := adminActor(t, a)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		a.AddStaff(t, "otto@kactoily.example", "Otto Agent", models.RoleAgent)
		otto := staffUser(t, a, "otto@kactoily.example")
		open := fileConfirmed(t, a, root, models.TypeAccess, "open@example.com", "Open Customer")
		mine := fileConfirmed(t, a, root, models.TypeAccess, "mine@example.com", "Mine Customer")
		if _, err := a.Svc.Assign(t.Context(), me, mine, me.ID); err != nil {
			t.Fatal(err)
		}
		denied := fileConfirmed(t, a, root, models.TypeAccess, "no@example.com", "No Customer")
		if _, err := a.Svc.Deny(t.Context(), root, denied, "Test denial."); err != nil {
			t.Fatal(err)
		}
		pending := fileAccess(t, a, "pending@example.com", "Pending Customer")
		waitJobsIdle(t, a, "send_email")
		// A search with hidden requests shown selects every status: all four.
		base := url.Values{"hidden": {"true"}, "q": {"customer"}}
		post := func(action string, extra url.Values, ids ...string) answer {
			f := url.Values{"action": {action}, "id": ids}
			for k, v := range base {
				f[k] = v
			}
			for k, v := range extra {
				f[k] = v
			}
			return agent.post(t, links.QueueBulk, f)
		}
		row := func(id, why string) string { return `<td class="mono">` + id + `</td><td>` + why + `</td>` }

		ans := post("claim", nil, open, mine, pending)
		wantStatus(t, ans, http.StatusOK, "")
		contains(t, ans.Body, "Claimed: 2", "Skipped: 1", row(mine, "already assigned to you"))
		for _, id := range []string{open, pending} {
			if r := reloadRequest(t, a, id); r.AssigneeID == nil || *r.AssigneeID != me.ID {
				t.Errorf("%s was not claimed", id)
			}
		}

		ans = post("assign", url.Values{"to": {strconv.FormatInt(otto.ID, 10)}}, open, denied)
		contains(t, ans.Body, "Assigned: 1", row(denied, "not allowed in status “denied”"))
		waitMailCount(t, a, "otto@kactoily.example", "Assigned to you: ", 1)

		ans = post("note", url.Values{"note": {"Called the customer back."}}, open, denied, pending)
		contains(t, ans.Body, "Note added to: 3")
		if n := countWhere(t, a, &models.Note{}, "body = ?", "Called the customer back."); n != 3 {
			t.Errorf("%d notes added, want 3", n)
		}

		ans = post("deny", url.Values{"reason": {"Duplicate."}, "confirm": {"yes"}}, open, denied, pending)
		contains(t, ans.Body, "Denied: 1", "Skipped: 2", row(denied, "already denied"),
			row(pending, "not allowed in status “awaiting email confirmation”"))
		if s := statusOf(t, a, pending); s != models.StatusPendingVerification {
			t.Errorf("the unverified request became %s", s)
		}
	})
}

// TestBulkActionRefusesBadInputAndCrossSitePostsChangingNothing proves
// a bulk action with nothing selected, too many ids, no reason, an
// unknown assignee or filter, or posted from another site changes nothing
// and says why.
func TestBulkActionRefusesBadInputAndCrossSitePostsChangingNothing(t *testing.T) {
	t.Parallel()
	a := testapp.New(t, models.DialectSQLite, actionOpts)
	root := adminActor(t, a)
	agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
	id := fileConfirmed(t, a, root, models.TypeAccess, "cleo@example.com", "Cleo Customer")
	waitJobsIdle(t, a, "send_email")
	before := snapshot(t, a)
	many := make([]string, workflows.MaxBulk+1)
	for i := range many {
		many[i] = fmt.Sprintf("PD-%05d-XXXXX", i)
	}
	huge := make([]string, 10000) // more than the body limit holds: the form cannot be read whole
	for i := range huge {
		huge[i] = fmt.Sprintf("PD-%05d-XXXXX", i)
	}
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"nothing selected", url.Values{"action": {"claim"}}, http.StatusUnprocessableEntity, "Select at least one request"},
		{"too many ids", url.Values{"action": {"claim"}, "id": many}, http.StatusUnprocessableEntity, "at most 500 requests; you selected 501"},
		{"10,000 ids", url.Values{"action": {"claim"}, "id": huge}, http.StatusBadRequest, "a bulk action takes at most 500 requests"},
		{"deny without a reason", url.Values{"action": {"deny"}, "id": {id}, "confirm": {"yes"}}, http.StatusUnprocessableEntity, "Give a reason."},
		{"unknown assignee", url.Values{"action": {"assign"}, "to": {"9999"}, "id": {id}}, http.StatusUnprocessableEntity, "Choose an active staff member."},
		{"unknown action", url.Values{"action": {"approve"}, "id": {id}}, http.StatusUnprocessableEntity, "Choose claim, assign, add a note or deny."},
		{"unknown filter", url.Values{"action": {"claim"}, "status": {"nope"}, "id": {id}}, http.StatusBadRequest, "That filter is not one the queue knows."},
	} {
		ans := agent.post(t, links.QueueBulk, c.form)
		if ans.Status != c.status || !strings.Contains(ans.Body, c.msg) {
			t.Errorf("%s: %d, want %d with %q\n%s", c.name, ans.Status, c.status, c.msg, ans.Body)
		}
	}
	cross := agent.do(t, http.MethodPost, links.QueueBulk, url.Values{"action": {"claim"}, "id": {id}}, hdr("Sec-Fetch-Site", "cross-site"))
	if cross.Status != http.StatusForbidden {
		t.Errorf("cross-site bulk post: %d, want 403", cross.Status)
	}
	assertUnchanged(t, a, before)
	if r := reloadRequest(t, a, id); r.AssigneeID != nil {
		t.Error("a refused bulk action assigned the request")
	}
}

// TestBulkAllMatchingIsOfferedOnTheQueueAndCappedAt500 shows the queue
// page's bulk form (a box per row, "all matching", the actions) and
// proves "all" over a filter that matches more than MaxBulk requests is
// refused with a clear error and touches none of them.
func TestBulkAllMatchingIsOfferedOnTheQueueAndCappedAt500(t *testing.T) {
	t.Parallel()
	a := testapp.New(t, models.DialectSQLite, testapp.Options{DBSessions: true, Limits: roomy.Limits, NoJobs: true})
	root := adminActor(t, a)
	agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
	for range workflows.MaxBulk + 1 {
		fileConfirmed(t, a, root, models.TypeAccess, "many@example.com", "Many")
	}
	page := agent.get(t, links.QueuePage(url.Values{"type": {models.TypeAccess}}))
	contains(t, page.Body, `<form method="post" action="/staff/queue/bulk" id="bulk">`, `<input type="hidden" name="type" value="access">`,
		`<input type="checkbox" name="id" value="PD-`, `name="all" value="true"`, "All 501 requests matching these filters (at most 500 at once)",
		`<option value="deny">`, `href="/staff/queue.csv?type=access"`)
	before := snapshot(t, a)
	ans := agent.post(t, links.QueueBulk, url.Values{"type": {models.TypeAccess}, "all": {"true"}, "action": {"claim"}})
	if ans.Status != http.StatusUnprocessableEntity || !strings.Contains(ans.Body, "This filter matches more than 500 requests") {
		t.Errorf("all of 501: %d\n%s", ans.Status, ans.Body)
	}
	assertUnchanged(t, a, before)
}
