package app_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

var appealLink = regexp.MustCompile(`Your request: (\S+)#appeal`)

// denyByMail denies a request as staff through the request page and returns
// the status link of the denial email, which leads to the appeal form.
func denyByMail(t *testing.T, a *testapp.App, staff *browser, id, email string) string {
	t.Helper()
	ans := staff.post(t, "/staff/requests/"+id+"/deny", url.Values{"reason_choice": {workflows.DenialReasons[3]}})
	if ans.Status != http.StatusSeeOther {
		t.Fatalf("deny %s: status %d\n%.400s", id, ans.Status, ans.Body)
	}
	m := a.Mail.WaitFor(t, email, "About your privacy request "+id)
	contains(t, m.HTML, "Appeal this decision", "#appeal")
	lacks(t, m.Text, `write "appeal" in the subject`)
	got := appealLink.FindStringSubmatch(m.Text)
	if got == nil {
		t.Fatalf("denial email has no appeal link:\n%s", m.Text)
	}
	return got[1]
}

func appealCount(t *testing.T, a *testapp.App) int64 { return a.Count(t, &models.Appeal{}) }

func fileAppeal(t *testing.T, a *testapp.App, id, token, reason string) answer {
	t.Helper()
	return postForm(t, a, "/requests/"+id+"/appeal", url.Values{"token": {token}, "reason": {reason}}, hdr("Sec-Fetch-Site", "same-origin"))
}

func TestAppealIsFiledOnceByTheStatusTokenHolderAndDecidedByAnotherStaffMember(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		denier, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		reviewer, reviewerU := signedIn(t, a, "rhea@kactoily.example", "Rhea Reviewer", models.RoleAgent)
		admin := adminActor(t, a)
		id := fileConfirmed(t, a, admin, models.TypeAccess, "dee@example.com", "Dee Denied")
		other := fileConfirmed(t, a, admin, models.TypeAccess, "otto@example.com", "Otto Other")
		link := denyByMail(t, a, denier, id, "dee@example.com")
		otherTok := tokenOf(t, denyByMail(t, a, denier, other, "otto@example.com"))
		path, tok := pathOf(t, a, link), tokenOf(t, link)

		page := get(t, a, path)
		if page.Status != http.StatusOK {
			t.Fatalf("status page: %d", page.Status)
		}
		contains(t, page.Body, `action="/requests/`+id+`/appeal"`, "Appeal this decision")
		lacks(t, page.Body, `with "appeal" in the subject`)

		reason := "I asked only once this year; the earlier request was from my husband."
		for _, tc := range []struct {
			name, token, reason string
			status              int
		}{
			{"no token", "", reason, http.StatusNotFound},
			{"another request's token", otherTok, reason, http.StatusNotFound},
			{"a forged token", forgedToken(), reason, http.StatusNotFound},
			{"no reason", tok, "  ", http.StatusUnprocessableEntity},
			{"a reason over 2,000 characters", tok, strings.Repeat("a", 2001), http.StatusUnprocessableEntity},
		} {
			if ans := fileAppeal(t, a, id, tc.token, tc.reason); ans.Status != tc.status {
				t.Errorf("appeal with %s: status %d, want %d", tc.name, ans.Status, tc.status)
			}
		}
		if n := appealCount(t, a); n != 0 {
			t.Fatalf("%d appeals after refused filings, want 0", n)
		}

		ans := fileAppeal(t, a, id, tok, reason)
		if ans.Status != http.StatusSeeOther || !strings.Contains(ans.Header.Get("Location"), "appealed=1") {
			t.Fatalf("appeal: status %d, location %q", ans.Status, ans.Header.Get("Location"))
		}
		if again := fileAppeal(t, a, id, tok, "And again."); again.Status != http.StatusConflict {
			t.Errorf("second appeal: status %d, want 409", again.Status)
		}
		if n := appealCount(t, a); n != 1 {
			t.Fatalf("%d appeals, want 1", n)
		}
		ap, err := models.FindAppeal(t.Context(), a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := ap.FiledAt.AddDate(0, 0, 45); !ap.DueAt.Equal(want) || ap.DeniedBy != "quinn@kactoily.example" || ap.Status != models.AppealOpen {
			t.Fatalf("appeal: due %v (want %v), denied by %q, status %s", ap.DueAt, want, ap.DeniedBy, ap.Status)
		}
		m := a.Mail.WaitFor(t, "dee@example.com", "We have your appeal about request "+id)
		contains(t, m.Text, reason, ap.DueAt.Format("2 January 2006"))
		a.Mail.WaitFor(t, "privacy-team@kactoily.example", "Appeal of denied request "+id)
		contains(t, get(t, a, path).Body, "Your appeal", "Under review", "You appealed our decision")

		// The staff member who denied may not decide, by the page or the service.
		lacks(t, denier.get(t, "/staff/requests/"+id).Body, `action="/staff/requests/`+id+`/appeal"`)
		if ans := denier.post(t, "/staff/requests/"+id+"/appeal", url.Values{"decision": {"overturn"}, "answer": {"Fine."}}); ans.Status != http.StatusForbidden {
			t.Errorf("the denier deciding: status %d, want 403", ans.Status)
		}
		if _, err := a.Svc.DecideAppeal(t.Context(), staffUser(t, a, "quinn@kactoily.example"), id, workflows.DecisionUphold, "No."); models.ErrorCode(err) != models.EForbidden {
			t.Errorf("the denier deciding through the service: %v, want EForbidden", err)
		}
		if ans := reviewer.post(t, "/staff/requests/"+id+"/appeal", url.Values{"decision": {"overturn"}}); ans.Status != http.StatusUnprocessableEntity {
			t.Errorf("a decision without an answer: status %d, want 422", ans.Status)
		}
		if r := reloadRequest(t, a, id); r.Status != models.StatusDenied {
			t.Fatalf("refused decisions moved the request to %s", r.Status)
		}

		contains(t, reviewer.get(t, "/staff/requests/"+id).Body, `action="/staff/requests/`+id+`/appeal"`, reason)
		answerText := "You are right: the earlier request was filed by another person. We will send your data."
		if ans := reviewer.post(t, "/staff/requests/"+id+"/appeal", url.Values{"decision": {"overturn"}, "answer": {answerText}}); ans.Status != http.StatusSeeOther {
			t.Fatalf("reviewer deciding: status %d\n%.400s", ans.Status, ans.Body)
		}
		r := reloadRequest(t, a, id)
		ap, _ = models.FindAppeal(t.Context(), a.DB.DB, id)
		if r.Status != models.StatusInProgress || r.ClosedAt != nil || r.DueAt == nil || !r.DueAt.Equal(ap.DueAt) || r.Queue != models.QueueOpen {
			t.Fatalf("overturned request: %s closed %v due %v queue %s", r.Status, r.ClosedAt, r.DueAt, r.Queue)
		}
		if ap.Status != models.AppealOverturned || ap.DecidedBy == nil || *ap.DecidedBy != reviewerU.ID || ap.Answer != answerText {
			t.Fatalf("decided appeal: %+v", ap)
		}
		m = a.Mail.WaitFor(t, "dee@example.com", "Our answer to your appeal about request "+id)
		contains(t, m.Text, answerText, "overturned")
		if ans := reviewer.post(t, "/staff/requests/"+id+"/appeal", url.Values{"decision": {"uphold"}, "answer": {"Changed my mind."}}); ans.Status != http.StatusConflict {
			t.Errorf("deciding again: status %d, want 409", ans.Status)
		}
		var actions []string
		for _, e := range eventsAfter(t, a, id, 0) {
			actions = append(actions, e.Action)
		}
		contains(t, strings.Join(actions, " "), "deny appeal_filed appeal_decided")
		contains(t, get(t, a, path).Body, "Overturned", answerText)

		// Upheld: the denial stands and the answer says so.
		if ans := fileAppeal(t, a, other, otherTok, "Please look again."); ans.Status != http.StatusSeeOther {
			t.Fatalf("appeal of %s: status %d", other, ans.Status)
		}
		if ans := reviewer.post(t, "/staff/requests/"+other+"/appeal", url.Values{"decision": {"uphold"}, "answer": {"We checked: it repeats your March request."}}); ans.Status != http.StatusSeeOther {
			t.Fatalf("upholding: status %d", ans.Status)
		}
		if r := reloadRequest(t, a, other); r.Status != models.StatusDenied {
			t.Errorf("upheld request is %s, want denied", r.Status)
		}
		m = a.Mail.WaitFor(t, "otto@example.com", "Our answer to your appeal about request "+other)
		contains(t, m.Text, "we uphold the denial", "it repeats your March request")
	})
}

func TestAdvanceCannotReopenADeniedRequestOnlyAnAppealCan(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		admin := adminActor(t, a)
		id := fileConfirmed(t, a, admin, models.TypeAccess, "dee@example.com", "Dee Denied")
		if _, err := a.Svc.Deny(t.Context(), admin, id, workflows.DenialReasons[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Advance(t.Context(), admin, id, models.StatusInProgress); models.ErrorCode(err) != models.EConflict {
			t.Fatalf("advance of a denied request: %v, want EConflict", err)
		}
		if r := reloadRequest(t, a, id); r.Status != models.StatusDenied {
			t.Fatalf("request is %s", r.Status)
		}
	})
}

func TestReportAndCSVCountAppealsReceivedDecidedOpenAndOnTime(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		admin, adminU := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		denier := staffUser(t, a, "ada@kactoily.example")
		a.AddStaff(t, "rhea@kactoily.example", "Rhea Reviewer", models.RoleAgent)
		reviewer := staffUser(t, a, "rhea@kactoily.example")
		_ = adminU
		appeal := func(email string) string {
			id := fileConfirmed(t, a, denier, models.TypeAccess, email, "Someone")
			link := denyByMail(t, a, admin, id, email)
			if ans := fileAppeal(t, a, id, tokenOf(t, link), "Please look again."); ans.Status != http.StatusSeeOther {
				t.Fatalf("appeal %s: %d", id, ans.Status)
			}
			return id
		}
		upheld, overturned, late, open := appeal("u@example.com"), appeal("o@example.com"), appeal("l@example.com"), appeal("p@example.com")
		for id, d := range map[string]string{upheld: workflows.DecisionUphold, overturned: workflows.DecisionOverturn} {
			if _, err := a.Svc.DecideAppeal(t.Context(), reviewer, id, d, "Our answer."); err != nil {
				t.Fatal(err)
			}
		}
		a.Clock.Advance(46 * 24 * time.Hour)
		if _, err := a.Svc.DecideAppeal(t.Context(), reviewer, late, workflows.DecisionUphold, "Late answer."); err != nil {
			t.Fatal(err)
		}
		_ = open
		now := a.Clock.Now().UTC()
		period := "?from=" + now.AddDate(0, 0, -60).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)

		page := admin.get(t, "/staff/reports"+period)
		if page.Status != http.StatusOK {
			t.Fatalf("report: %d", page.Status)
		}
		contains(t, page.Body, "Appeals of denials",
			`<tr class="appeals-row"><td>4</td><td>2</td><td>1</td><td>1</td><td>2 of 3</td><td>1</td></tr>`)

		sheet := admin.get(t, "/staff/reports.csv"+period)
		records, err := csv.NewReader(strings.NewReader(sheet.Body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, sheet.Body)
		}
		last := records[len(records)-1]
		if head := records[len(records)-2]; head[2] != "appeals_received" {
			t.Fatalf("CSV's last table heads %v", head)
		}
		if got, want := strings.Join(last[2:], ","), "4,2,1,1,3,2,1"; got != want {
			t.Errorf("CSV appeals row %v, want received..overdue %s", last, want)
		}
	})
}

func TestQueueSurfacesOpenAppealsWithAFilterAndABadge(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		denier, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		a.AddStaff(t, "rhea@kactoily.example", "Rhea Reviewer", models.RoleAgent)
		admin := adminActor(t, a)
		appealed := fileConfirmed(t, a, admin, models.TypeAccess, "dee@example.com", "Dee Denied")
		quiet := fileConfirmed(t, a, admin, models.TypeAccess, "otto@example.com", "Otto Other")
		link := denyByMail(t, a, denier, appealed, "dee@example.com")
		denyByMail(t, a, denier, quiet, "otto@example.com")
		if ans := fileAppeal(t, a, appealed, tokenOf(t, link), "Please look again."); ans.Status != http.StatusSeeOther {
			t.Fatalf("appeal: %d", ans.Status)
		}

		contains(t, denier.get(t, "/staff/queue").Body, `<span class="n">1</span> open appeals`)
		page := denier.get(t, "/staff/queue?appeal=open")
		if page.Status != http.StatusOK {
			t.Fatalf("appeal filter: %d", page.Status)
		}
		contains(t, page.Body, appealed, "appeal open")
		lacks(t, page.Body, quiet)
		contains(t, denier.get(t, "/staff/queue?status=denied").Body, appealed, quiet, "appeal open")
		if ans := denier.get(t, "/staff/queue?appeal=closed"); ans.Status != http.StatusBadRequest {
			t.Errorf("unknown appeal filter: %d, want 400", ans.Status)
		}

		if _, err := a.Svc.DecideAppeal(t.Context(), staffUser(t, a, "rhea@kactoily.example"), appealed, workflows.DecisionUphold, "It stands."); err != nil {
			t.Fatal(err)
		}
		contains(t, denier.get(t, "/staff/queue").Body, `<span class="n">0</span> open appeals`)
		lacks(t, denier.get(t, "/staff/queue?appeal=open").Body, appealed)
	})
}
