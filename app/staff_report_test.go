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
		a4 := file(models.TypeAccess, "a4@example.com") // stays open, then answered late
		d1, d3, d4 := file(models.TypeDeletion, "d1@example.com"), file(models.TypeDeletion, "d3@example.com"), file(models.TypeDeletion, "d4@example.com")
		d2 := file(models.TypeDeletion, "d2@example.com") // stays open
		optOut("o1@example.com")                          // completed at once: 0 days
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
		// Every answer came well before its due date. Opt-outs take effect
		// the moment they are filed: "same day", never "-0.0".
		want := [][]string{
			{"access", "4", "2", "1", "1", "5.0", "6.0", "100% (3 of 3)"},
			{"deletion", "4", "0", "2", "1", "7.0", "7.0", "100% (2 of 2)"},
			{"opt_out", "2", "2", "0", "0", "same day", "same day", "100% (2 of 2)"},
			{"correction", "0", "0", "0", "0", "—", "—", "—"},
			{"opt_in", "0", "0", "0", "0", "—", "—", "—"},
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
		wantCSV := [][]string{
			{"access", "4", "2", "1", "1", "5.0", "6.0", "3", "3"},
			{"deletion", "4", "0", "2", "1", "7.0", "7.0", "2", "2"},
			{"opt_out", "2", "2", "0", "0", "0.0", "0.0", "2", "2"},
			{"correction", "0", "0", "0", "0", "", "", "0", "0"},
			{"opt_in", "0", "0", "0", "0", "", "", "0", "0"},
		}
		header := []string{"request_type", "received", "completed_in_whole_or_part", "denied", "open", "median_days_to_respond", "mean_days_to_respond", "answered", "answered_on_time"}
		if len(records) < 6 || !slices.Equal(records[0], header) || !slices.EqualFunc(records[1:6], wantCSV, slices.Equal) {
			t.Errorf("CSV %q, want header %q and %q", records, header, wantCSV)
		}
		if len(records) != 6+1+12+2 || records[6][0] != "period_start" || !slices.Equal(records[7], []string{"2026-03-02", "2026-03-02", "4", "4", "2", "2", "2", "100.0", "0"}) {
			t.Errorf("CSV series by day: %q", records[6:])
		}

		for _, tc := range []struct {
			query  string
			status int
		}{
			{"?from=bad", http.StatusBadRequest},
			{"?to=2026-02-30", http.StatusBadRequest},
			{"?from=2026-03-13&to=2026-03-01", http.StatusUnprocessableEntity},
		} {
			if ans := admin.get(t, "/staff/reports.csv"+tc.query); ans.Status != tc.status {
				t.Errorf("/staff/reports.csv%s: status %d, want %d", tc.query, ans.Status, tc.status)
			}
		}
		checkLaterPeriod(t, a, admin, root, a4, d2)
	})
}

// TestComplianceReportBadPeriodShowsTheFormWithTheError proves a bad
// period re-renders the report page (422) with the form, the values typed
// and the error next to them, instead of an error page.
func TestComplianceReportBadPeriodShowsTheFormWithTheError(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		for _, tc := range []struct{ query, field, message string }{
			{"?from=bad&to=2026-03-13", "from", "Give the start date as YYYY-MM-DD."},
			{"?from=2026-03-01&to=2026-02-30", "to", "Give the end date as YYYY-MM-DD."},
			{"?from=2026-03-13&to=2026-03-01", "to", "The end of the period must be after its start."},
		} {
			page := admin.get(t, "/staff/reports"+tc.query)
			if page.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", tc.query, page.Status)
			}
			contains(t, page.Body, `<form method="get" action="/staff/reports"`, tc.message, `href="#`+tc.field+`"`,
				`id="`+tc.field+`" name="`+tc.field+`"`, "Compliance report")
			if !strings.Contains(page.Body, `aria-invalid="true"`) || strings.Contains(page.Body, "Download CSV") {
				t.Errorf("%s: field not marked invalid, or a CSV link for a bad period:\n%s", tc.query, page.Body)
			}
		}
	})
}

var svgTitleRE = regexp.MustCompile(`<title>([^<]+)</title></(?:rect|circle)>`)

// chartMarks returns the titles of the marks of the chart with the id.
func chartMarks(t *testing.T, page, id string) []string {
	t.Helper()
	start := strings.Index(page, `<svg id="`+id+`-chart"`)
	if start < 0 {
		t.Fatalf("no %s chart", id)
	}
	svg := page[start:]
	svg = svg[:strings.Index(svg, "</svg>")]
	var out []string
	for _, m := range svgTitleRE.FindAllStringSubmatch(svg, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// checkLaterPeriod answers a4 after its due date, leaves d2 open past it,
// and checks the weekly series of 2 March – 12 April in the charts, their
// table and the CSV: volume, on-time rate and overdue at each week's end.
func checkLaterPeriod(t *testing.T, a *testapp.App, admin *browser, root *models.StaffUser, a4, d2 string) {
	t.Helper()
	day := 24 * time.Hour
	a.Clock.Advance(19 * day) // 3 April: a4 and d2 were due on 1 April
	toAwaitingApproval(t, a, root, a4)
	if _, err := a.Svc.Approve(t.Context(), root, a4); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, a, a4, models.StatusCompleted)
	a.Clock.Advance(7 * day) // 10 April: d2 still open
	const period = "?from=2026-03-02&to=2026-04-12"
	page := admin.get(t, "/staff/reports"+period)
	wantStatus(t, page, http.StatusOK, "")
	w := func(a, b string) string { return a + " 2026 – " + b + " 2026" }
	weeks := []string{w("2 Mar", "8 Mar"), w("9 Mar", "15 Mar"), w("16 Mar", "22 Mar"), w("23 Mar", "29 Mar"), w("30 Mar", "5 Apr"), w("6 Apr", "12 Apr")}
	for _, tc := range []struct {
		chart string
		want  []string
	}{
		{"volume", []string{weeks[0] + ": 4 access", weeks[0] + ": 4 deletion", weeks[0] + ": 2 opt-out", weeks[1] + ": 1 opt-out"}},
		{"ontime", []string{weeks[0] + ": 100% on time (5 of 5)", weeks[1] + ": 100% on time (3 of 3)", weeks[4] + ": 0% on time (0 of 1)"}},
		{"overdue", []string{weeks[0] + ": 0 overdue", weeks[1] + ": 0 overdue", weeks[2] + ": 0 overdue", weeks[3] + ": 0 overdue",
			weeks[4] + ": 1 overdue", weeks[5] + ": 1 overdue"}},
	} {
		if got := chartMarks(t, page.Body, tc.chart); !slices.Equal(got, tc.want) {
			t.Errorf("%s chart marks %q, want %q", tc.chart, got, tc.want)
		}
		contains(t, page.Body, `aria-labelledby="`+tc.chart+`-title `+tc.chart+`-desc"`)
	}
	series := page.Body[strings.Index(page.Body, `<details id="series">`):]
	wantRows := [][]string{
		{weeks[0], "4", "4", "2", "100% (5 of 5)", "0"}, {weeks[1], "0", "0", "1", "100% (3 of 3)", "0"},
		{weeks[2], "0", "0", "0", "—", "0"}, {weeks[3], "0", "0", "0", "—", "0"},
		{weeks[4], "0", "0", "0", "0% (0 of 1)", "1"}, {weeks[5], "0", "0", "0", "—", "1"},
	}
	if got := tableBody(t, series); !slices.EqualFunc(got, wantRows, slices.Equal) {
		t.Errorf("charts' table %q, want %q", got, wantRows)
	}
	// access: a1 5 days, a2 11, a3 2, a4 32 (late): median 8, mean 12.5, 3 of 4 on time.
	if got := tableBody(t, page.Body)[0]; !slices.Equal(got, []string{"Access to my data", "4", "3", "1", "0", "8.0", "12.5", "75% (3 of 4)"}) {
		t.Errorf("access line %q", got)
	}

	sheet := admin.get(t, "/staff/reports.csv"+period)
	records, err := csv.NewReader(strings.NewReader(sheet.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, sheet.Body)
	}
	wantSeries := [][]string{
		{"period_start", "period_end", "received_access", "received_deletion", "received_opt_out", "answered", "answered_on_time", "on_time_percent", "overdue_at_end"},
		{"2026-03-02", "2026-03-08", "4", "4", "2", "5", "5", "100.0", "0"},
		{"2026-03-09", "2026-03-15", "0", "0", "1", "3", "3", "100.0", "0"},
		{"2026-03-16", "2026-03-22", "0", "0", "0", "0", "0", "", "0"},
		{"2026-03-23", "2026-03-29", "0", "0", "0", "0", "0", "", "0"},
		{"2026-03-30", "2026-04-05", "0", "0", "0", "1", "0", "0.0", "1"},
		{"2026-04-06", "2026-04-12", "0", "0", "0", "0", "0", "", "1"},
	}
	if len(records) != 6+len(wantSeries)+2 || !slices.EqualFunc(records[6:6+len(wantSeries)], wantSeries, slices.Equal) {
		t.Errorf("CSV series %q, want %q", records, wantSeries)
	}
}
