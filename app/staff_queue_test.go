package app_test

import (
	"context"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// queueRow is one row of the queue table as a person sees it.
type queueRow struct {
	ID, Requester, Due, Assignee, HTML string
}

var (
	rowIDRE    = regexp.MustCompile(`href="/staff/requests/(PD-[0-9A-Z-]+)"`)
	rowMaskRE  = regexp.MustCompile(`<small class="mono">([^<]*)</small>`)
	rowDueRE   = regexp.MustCompile(`class="due due-([a-z]+)"`)
	nextLinkRE = regexp.MustCompile(`<a href="([^"]+)"[^>]*>Next page`)
	countRE    = regexp.MustCompile(`href="/staff/queue\?status=([a-z_]+)"[^>]*>\s*<span class="n">(\d+)</span>`)
)

// queueRows reads the rows of a queue page, in order.
func queueRows(t *testing.T, body string) []queueRow {
	t.Helper()
	start, end := strings.Index(body, "<tbody>"), strings.Index(body, "</tbody>")
	if start < 0 || end < start {
		t.Fatalf("no queue table:\n%s", body)
	}
	var rows []queueRow
	for _, match := range bodyRowRE.FindAllStringSubmatch(body[start:end], -1) {
		tr := match[1]
		m := rowIDRE.FindStringSubmatch(tr)
		if m == nil {
			continue // the "nothing here" row
		}
		r := queueRow{ID: m[1], HTML: tr}
		if mm := rowMaskRE.FindStringSubmatch(tr); mm != nil {
			r.Requester = mm[1]
		}
		if d := rowDueRE.FindStringSubmatch(tr); d != nil {
			r.Due = d[1]
		}
		rows = append(rows, r)
	}
	return rows
}

func rowIDs(rows []queueRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// nextLink returns the page's "Next page" link, or "".
func nextLink(body string) string {
	if m := nextLinkRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func TestQueueShowsTheRightRequestsInDueOrderUnderEachFilter(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		// The page counts days left on the wall clock while the service uses
		// the test clock, so the clock starts 31.5 days ago and is brought to
		// about now before the queue is read.
		wall := time.Now().UTC().Truncate(time.Second)
		o := staffOpts
		o.NoJobs = true // statuses move only by the calls below
		o.Start = wall.Add(-(31*24 + 12) * time.Hour)
		a := testapp.New(t, dialect, o)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		a.AddStaff(t, "otto@kactoily.example", "Otto Agent", models.RoleAgent)
		otto := staffUser(t, a, "otto@kactoily.example")
		admin := adminActor(t, a)
		ctx, svc := t.Context(), a.Svc
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		advance := func(id string, to ...string) {
			t.Helper()
			for _, s := range to {
				must(svc.Advance(ctx, admin, id, s))
			}
		}
		day := 24 * time.Hour
		submit := func(in workflows.NewRequest) string {
			t.Helper()
			r, err := svc.Submit(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}

		over := fileConfirmed(t, a, admin, models.TypeAccess, "over@example.com", "Olive Over") // due 1.5 days ago
		must(svc.Assign(ctx, admin, over, me.ID))
		ext := fileConfirmed(t, a, admin, models.TypeAccess, "ext@example.com", "Ezra Extended")
		a.Clock.Advance(time.Hour)
		exp := submit(workflows.NewRequest{Type: models.TypeAccess, Email: "exp@example.com", Name: "Edgar Expired"})
		a.Clock.Advance(4*day - time.Hour)
		must(svc.Extend(ctx, admin, ext, 20, "Waiting for the warranty partner's records.")) // filed first, due last
		if n, err := svc.ExpireUnverified(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v; want 1", n, err)
		}
		red := fileConfirmed(t, a, admin, models.TypeDeletion, "Rita.Red@Example.com", "Rita Red") // 2.5 days left
		advance(red, models.StatusInProgress)
		a.Clock.Advance(5 * day)
		amber := fileConfirmed(t, a, admin, models.TypeAccess, "amber@example.com", "Amber Ames") // 7.5 days left
		advance(amber, models.StatusInProgress, models.StatusAwaitingApproval)
		must(svc.Assign(ctx, admin, amber, otto.ID))
		a.Clock.Advance(5 * day)
		green := fileConfirmed(t, a, admin, models.TypeDeletion, "green@example.com", "Gus Green") // 12.5 days left
		advance(green, models.StatusInProgress, models.StatusAwaitingApproval)
		must(svc.Approve(ctx, admin, green))
		denied := fileConfirmed(t, a, admin, models.TypeAccess, "denied@example.com", "Dee Denied")
		must(svc.Deny(ctx, admin, denied, workflows.DenialReasons[0]))
		optout := submit(workflows.NewRequest{Type: models.TypeOptOut, Email: "optout@example.com", Name: "Opal Out",
			Scopes: []string{models.ScopeMarketingEmail}})
		a.Clock.Advance(17*day + 12*time.Hour) // now: about the wall clock
		pend := submit(workflows.NewRequest{Type: models.TypeAccess, Email: "pend@example.com", Name: "Pia Pending"})

		names := map[string]string{over: "over", ext: "ext", exp: "exp", red: "red", amber: "amber", green: "green",
			denied: "denied", optout: "optout", pend: "pend"}
		named := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = names[id]
			}
			return out
		}
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{"over", "red", "amber", "green", "ext"}},
			{"status=verified", []string{"over", "ext"}},
			{"status=in_progress", []string{"red"}},
			{"status=awaiting_approval", []string{"amber"}},
			{"status=fulfilling", []string{"green"}},
			{"status=denied", []string{"denied"}},
			{"status=completed", []string{"optout"}},
			{"status=expired", []string{"exp"}},
			{"status=pending_verification", []string{"pend"}},
			{"status=cancelled", []string{}},
			{"type=deletion", []string{"red", "green"}},
			{"type=access", []string{"over", "amber", "ext"}},
			{"type=opt_out", []string{}},
			{"assignee=me", []string{"over"}},
			{"assignee=unassigned", []string{"red", "green", "ext"}},
			{"due=soon", []string{"red"}},
			{"due=overdue", []string{"over"}},
			{"type=deletion&assignee=unassigned&due=soon", []string{"red"}},
			{"q=" + amber, []string{"amber"}},
			{"q=" + strings.ToLower(amber), []string{"amber"}},
			{"q=RITA.RED%40EXAMPLE.COM", []string{"red"}},
			{"q=+rita.red%40example.com+", []string{"red"}},
			{"q=denied%40example.com", []string{"denied"}},
			{"q=pend%40example.com", []string{}},
			{"q=pend%40example.com&hidden=true", []string{"pend"}},
			{"q=rita", []string{"red"}}, // part of a name or email finds it
			{"q=pd", []string{}},
			{"q=x", []string{}},
			{"hidden=true", []string{"over", "exp", "red", "amber", "green", "ext", "pend"}},
		}
		for _, tc := range cases {
			ans := agent.get(t, "/staff/queue?"+tc.query)
			if ans.Status != http.StatusOK {
				t.Errorf("?%s: status %d, want 200\n%s", tc.query, ans.Status, ans.Body)
				continue
			}
			if got := named(rowIDs(queueRows(t, ans.Body))); !slices.Equal(got, tc.want) {
				t.Errorf("?%s: rows %q, want %q", tc.query, got, tc.want)
			}
		}

		// Each row: masked email, days-left badge, assignee.
		page := agent.get(t, "/staff/queue")
		rows := map[string]queueRow{}
		for _, r := range queueRows(t, page.Body) {
			rows[names[r.ID]] = r
		}
		for _, tc := range []struct{ name, masked, badge, assignee string }{
			{"over", "o•••@example.com", "overdue", "Quinn Agent"},
			{"red", "r•••@example.com", "red", "unassigned"},
			{"amber", "a•••@example.com", "amber", "Otto Agent"},
			{"green", "g•••@example.com", "green", "unassigned"},
			{"ext", "e•••@example.com", "green", "unassigned"},
		} {
			r := rows[tc.name]
			if r.Requester != tc.masked || r.Due != tc.badge || !strings.Contains(r.HTML, tc.assignee) {
				t.Errorf("row %s: requester %q, badge %q; want %q, due-%s and assignee %s\n%s",
					tc.name, r.Requester, r.Due, tc.masked, tc.badge, tc.assignee, r.HTML)
			}
		}
		lacks(t, page.Body, "over@example.com", "rita.red@example.com", "amber@example.com", "ext@example.com")

		// The counts per status match the database.
		var byStatus []struct {
			Status string
			N      int64
		}
		if err := a.DB.Model(&models.Request{}).Select("status, count(*) AS n").Group("status").Scan(&byStatus).Error; err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{}
		for _, s := range byStatus {
			want[s.Status] = s.N
		}
		want[models.StatusCancelled] = 0
		got := map[string]int64{}
		for _, m := range countRE.FindAllStringSubmatch(page.Body, -1) {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			got[m[1]] = n
		}
		if !maps.Equal(got, want) || want[models.StatusVerified] != 2 || want[models.StatusExpired] != 1 {
			t.Errorf("counts on the page %v, in the database %v", got, want)
		}
	})
}

func TestQueueRefusesUnknownFilterValues(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		for _, q := range []string{
			"status=open", "status=VERIFIED", "type=erase", "assignee=otto", "assignee=42", "due=later",
			"after=yesterday", "after=2026-03-02T10:00:00Z", "after=2026-13-02T10:00:00Z~PD-1",
			"q=" + strings.Repeat("a", 321),
		} {
			if ans := agent.get(t, "/staff/queue?"+q); ans.Status != http.StatusBadRequest {
				t.Errorf("?%.40s: status %d, want 400", q, ans.Status)
			}
		}
	})
}

func TestQueuePagesFollowNextLinkWithoutRepeatsOrGaps(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		due := map[string]time.Time{}
		var access []string
		for i := range 59 {
			if i%5 == 0 {
				a.Clock.Advance(time.Minute) // five at a time share a due date: ties are broken by id
			}
			typ := models.TypeAccess
			if i%15 == 7 {
				typ = models.TypeDeletion
			}
			id := fileConfirmed(t, a, admin, typ, "customer"+strconv.Itoa(i)+"@example.com", "Customer "+strconv.Itoa(i))
			r, err := models.FindRequest(context.Background(), a.DB.DB, id)
			if err != nil {
				t.Fatal(err)
			}
			due[id] = *r.DueAt
			if typ == models.TypeAccess {
				access = append(access, id)
			}
		}
		byDue := func(ids []string) []string {
			ids = slices.Clone(ids)
			slices.SortFunc(ids, func(x, y string) int {
				if c := due[x].Compare(due[y]); c != 0 {
					return c
				}
				return strings.Compare(x, y)
			})
			return ids
		}
		for _, tc := range []struct {
			start, typ string
			want       []string
			sizes      []int
		}{
			{"/staff/queue", "", byDue(slices.Collect(maps.Keys(due))), []int{50, 9}},
			{"/staff/queue?type=access", "access", byDue(access), []int{50, 5}},
		} {
			var got []string
			var sizes []int
			for link := tc.start; link != ""; {
				ans := agent.get(t, link)
				if ans.Status != http.StatusOK {
					t.Fatalf("%s: status %d\n%s", link, ans.Status, ans.Body)
				}
				ids := rowIDs(queueRows(t, ans.Body))
				got, sizes = append(got, ids...), append(sizes, len(ids))
				if len(sizes) > 1 && !strings.Contains(ans.Body, "« First page") {
					t.Errorf("%s: a later page has no link back to the first", link)
				}
				next := nextLink(ans.Body)
				if next != "" {
					u, err := url.Parse(next)
					if err != nil || u.Path != "/staff/queue" || u.Query().Get("type") != tc.typ {
						t.Fatalf("next link %q does not keep the filter of %s", next, tc.start)
					}
				}
				if len(sizes) > 5 {
					t.Fatal("the next links do not end")
				}
				link = next
			}
			if !slices.Equal(sizes, tc.sizes) || !slices.Equal(got, tc.want) {
				t.Errorf("%s: pages of %v rows, want %v; rows in order equal to the due-date order: %v",
					tc.start, sizes, tc.sizes, slices.Equal(got, tc.want))
			}
		}
	})
}
