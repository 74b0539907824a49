package app_test

import (
	"encoding/csv"
	"html"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

var (
	bodyRowRE  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE     = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRE      = regexp.MustCompile(`<[^>]+>`)
	chartRowRE = regexp.MustCompile(`<span class="bar-label">([^<]+)</span>.*?<span class="bar-n">(\d+)</span>`)
)

// tableBody returns the text of each cell of each row of the page's first table body.
func tableBody(t *testing.T, page string) [][]string {
	t.Helper()
	start, end := strings.Index(page, "<tbody>"), strings.Index(page, "</tbody>")
	if start < 0 || end < start {
		t.Fatalf("no table body:\n%s", page)
	}
	var rows [][]string
	for _, tr := range bodyRowRE.FindAllStringSubmatch(page[start:end], -1) {
		var cells []string
		for _, td := range cellRE.FindAllStringSubmatch(tr[1], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(td[1], ""))))
		}
		rows = append(rows, cells)
	}
	return rows
}

// waitStatus waits for a background job to move the request to status.
func waitStatus(t *testing.T, a *testapp.App, id, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for reloadRequest(t, a, id).Status != status {
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s after 20s, want %s", id, reloadRequest(t, a, id).Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestComplianceReportMatchesASetComputedByHand(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts) // starts Monday 2 March 2026, 10:00 UTC
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		ctx, svc, day := t.Context(), a.Svc, 24*time.Hour
		check := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		file := func(typ, email string) string { return fileConfirmed(t, a, root, typ, email, "Customer") }
		optOut := func(email string) {
			t.Helper()
			check(svc.Submit(ctx, workflows.NewRequest{Type: models.TypeOptOut, Email: email, Name: "Customer",
				Scopes: []string{models.ScopeMarketingEmail}}))
		}
		complete := func(id string) { // approve, then the fulfil job completes it at the current clock
			t.Helper()
			check(svc.Approve(ctx, root, id))
			waitStatus(t, a, id, models.StatusCompleted)
		}

		// Day 0: every request below is filed (and verified) on 2 March.
		a1, a2, a3 := file(models.TypeAccess, "a1@example.com"), file(models.TypeAccess, "a2@example.com"), file(models.TypeAccess, "a3@example.com")
		file(models.TypeAccess, "a4@example.com") // stays open
		d1, d3, d4 := file(models.TypeDeletion, "d1@example.com"), file(models.TypeDeletion, "d3@example.com"), file(models.TypeDeletion, "d4@example.com")
		file(models.TypeDeletion, "d2@example.com") // stays open
		optOut("o1@example.com")                    // completed at once: 0 days
		optOut("o2@example.com")
		toAwaitingApproval(t, a, root, a1)
		toAwaitingApproval(t, a, root, a2)
		a.Clock.Advance(2 * day)
		check(svc.Deny(ctx, root, a3, workflows.DenialReasons[1]))         // access denied after 2 days
		check(svc.StaffCancel(ctx, root, d3, "The customer withdrew it.")) // received, but neither answered nor open
		a.Clock.Advance(day)
		check(svc.Deny(ctx, root, d1, workflows.DenialReasons[2])) // deletion denied after 3 days
		a.Clock.Advance(2 * day)
		complete(a1) // access completed after 5 days
		a.Clock.Advance(6 * day)
		complete(a2)                                               // access completed after 11 days
		check(svc.Deny(ctx, root, d4, workflows.DenialReasons[0])) // deletion denied after 11 days
		// Filed on 13 March and never verified.
		check(svc.Submit(ctx, workflows.NewRequest{Type: models.TypeAccess, Email: "u@example.com", Name: "Unconfirmed"}))
		a.Clock.Advance(2 * day)
		optOut("late@example.com") // 15 March: after the period

		// By hand, for 2–13 March:
		// access:   received a1 a2 a3 a4 = 4 (u never verified); completed a1 a2 = 2; denied a3 = 1; open a4 = 1;
		//           days to respond 2, 5, 11: median 5, mean 18/3 = 6.
		// deletion: received d1 d2 d3 d4 = 4; denied d1 d4 = 2; open d2 = 1; d3 cancelled;
		//           days 3, 11: median (3+11)/2 = 7, mean 7.
		// opt-out:  received o1 o2 = 2, both completed the day they came: median 0, mean 0.
		want := [][]string{
			{"access", "4", "2", "1", "1", "5.0", "6.0"},
			{"deletion", "4", "0", "2", "1", "7.0", "7.0"},
			{"opt_out", "2", "2", "0", "0", "0.0", "0.0"},
		}
		wantByStatus := map[string]string{
			models.StatusCompleted: "4", models.StatusDenied: "3", models.StatusCancelled: "1",
			models.StatusVerified: "2", models.StatusPendingVerification: "1",
		}
		const period = "?from=2026-03-02&to=2026-03-13"

		page := admin.get(t, "/staff/reports"+period)
		wantStatus(t, page, http.StatusOK, "")
		got := tableBody(t, page.Body)
		for i := range want {
			want[i][0] = workflows.Label(want[i][0])
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("report table %q, want %q", got, want)
		}
		bars := map[string]string{}
		for _, m := range chartRowRE.FindAllStringSubmatch(page.Body, -1) {
			if m[2] != "0" {
				bars[m[1]] = m[2]
			}
		}
		labelled := map[string]string{}
		for s, n := range wantByStatus {
			labelled[workflows.Label(s)] = n
		}
		if !maps.Equal(bars, labelled) {
			t.Errorf("chart of requests by status %v, want %v", bars, labelled)
		}

		sheet := admin.get(t, "/staff/reports.csv"+period)
		wantStatus(t, sheet, http.StatusOK, "")
		if cd := sheet.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="privacy-requests-2026-03-02-to-2026-03-13.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		records, err := csv.NewReader(strings.NewReader(sheet.Body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, sheet.Body)
		}
		for i := range want {
			want[i][0] = []string{models.TypeAccess, models.TypeDeletion, models.TypeOptOut}[i]
		}
		header := []string{"request_type", "received", "completed_in_whole_or_part", "denied", "open", "median_days_to_respond", "mean_days_to_respond"}
		if len(records) != 4 || !slices.Equal(records[0], header) || !slices.EqualFunc(records[1:], want, slices.Equal) {
			t.Errorf("CSV %q, want header %q and %q", records, header, want)
		}

		for _, tc := range []struct {
			query  string
			status int
		}{
			{"?from=bad", http.StatusBadRequest},
			{"?to=2026-02-30", http.StatusBadRequest},
			{"?from=2026-03-13&to=2026-03-01", http.StatusUnprocessableEntity},
		} {
			for _, path := range []string{"/staff/reports", "/staff/reports.csv"} {
				if ans := admin.get(t, path+tc.query); ans.Status != tc.status {
					t.Errorf("%s%s: status %d, want %d", path, tc.query, ans.Status, tc.status)
				}
			}
		}
	})
}
