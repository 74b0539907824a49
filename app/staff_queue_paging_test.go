package app_test

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

var (
	prevLinkRE = regexp.MustCompile(`<a href="([^"]+)"[^>]*>‹ Previous page`)
	totalRE    = regexp.MustCompile(`id="total">([^<]*)<`)
	badgeRE    = regexp.MustCompile(`class="due due-([a-z]+)">([^<]+)<`)
)

func prevLink(body string) string {
	if m := prevLinkRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func totalText(t *testing.T, body string) string {
	t.Helper()
	m := totalRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no total on the page:\n%s", body)
	}
	return strings.TrimSpace(html.UnescapeString(m[1]))
}

func TestQueueSortsByEachColumnAndPagesForwardAndBackWithTotals(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		type req struct {
			id         string
			due, filed time.Time
		}
		var all []req
		for i := range 57 {
			if i%4 == 0 {
				a.Clock.Advance(time.Minute) // four at a time share a filing time: ties are broken by id
			}
			id := fileConfirmed(t, a, admin, models.TypeAccess, "customer"+strconv.Itoa(i)+"@example.com", "Customer "+strconv.Itoa(i))
			if i%5 == 0 { // later due dates for some: the due order is not the filing order
				if _, err := a.Svc.Extend(t.Context(), admin, id, 1+i%3, "Waiting for a partner's records."); err != nil {
					t.Fatal(err)
				}
			}
			r := reloadRequest(t, a, id)
			all = append(all, req{id, *r.DueAt, r.CreatedAt})
		}
		order := func(key func(req) time.Time, desc bool) []string {
			rs := slices.Clone(all)
			slices.SortFunc(rs, func(x, y req) int {
				c := key(x).Compare(key(y))
				if c == 0 {
					c = strings.Compare(x.id, y.id)
				}
				if desc {
					c = -c
				}
				return c
			})
			ids := make([]string, len(rs))
			for i, r := range rs {
				ids[i] = r.id
			}
			return ids
		}
		due, filed := func(r req) time.Time { return r.due }, func(r req) time.Time { return r.filed }
		if slices.Equal(order(due, false), order(filed, false)) {
			t.Fatal("the due order equals the filing order; the sorts would prove nothing")
		}
		for _, tc := range []struct {
			sort string
			want []string
		}{
			{"", order(due, false)}, {"due", order(due, false)}, {"-due", order(due, true)},
			{"filed", order(filed, false)}, {"-filed", order(filed, true)},
		} {
			start := "/staff/queue"
			if tc.sort != "" {
				start += "?sort=" + tc.sort
			}
			var forward [][]string
			var totals []string
			link := start
			for link != "" {
				ans := agent.get(t, link)
				wantStatus(t, ans, http.StatusOK, "")
				forward = append(forward, rowIDs(queueRows(t, ans.Body)))
				totals = append(totals, totalText(t, ans.Body))
				if len(forward) > 1 && prevLink(ans.Body) == "" {
					t.Errorf("sort %q: page %d has no previous page link", tc.sort, len(forward))
				}
				if next := nextLink(ans.Body); next != "" && tc.sort != "" && !strings.Contains(next, "sort="+tc.sort) {
					t.Errorf("sort %q: next link %q drops the sort", tc.sort, next)
				}
				if len(forward) > 5 {
					t.Fatal("the next links do not end")
				}
				last := link
				link = nextLink(ans.Body)
				if link == "" {
					// Back from the last page to the first, page by page.
					var back [][]string
					for l := prevLink(ans.Body); l != ""; {
						pa := agent.get(t, l)
						wantStatus(t, pa, http.StatusOK, "")
						back = append(back, rowIDs(queueRows(t, pa.Body)))
						totals = append(totals, totalText(t, pa.Body))
						l = prevLink(pa.Body)
						if len(back) > 5 {
							t.Fatal("the previous links do not end")
						}
					}
					slices.Reverse(back)
					if want := forward[:len(forward)-1]; !slices.EqualFunc(back, want, slices.Equal) {
						t.Errorf("sort %q from %s: the pages going back %v differ from those going forward %v", tc.sort, last, back, want)
					}
				}
			}
			if got := slices.Concat(forward...); !slices.Equal(got, tc.want) {
				t.Errorf("sort %q: rows in an order other than the expected one:\n got %v\nwant %v", tc.sort, got, tc.want)
			}
			if want := []string{"1–50 of 57", "51–57 of 57", "1–50 of 57"}; !slices.Equal(totals, want) {
				t.Errorf("sort %q: totals %q, want %q", tc.sort, totals, want)
			}
		}
		// The headers sort, and say how.
		page := agent.get(t, "/staff/queue?sort=-filed&type=access")
		contains(t, page.Body, `aria-sort="descending"><a href="/staff/queue?sort=filed&amp;type=access"`,
			`aria-sort="none"><a href="/staff/queue?sort=due&amp;type=access"`)
		if got := totalText(t, page.Body); got != "1–50 of 57 matching these filters" {
			t.Errorf("filtered total %q", got)
		}
		wantStatus(t, agent.get(t, "/staff/queue?sort=name"), http.StatusBadRequest, "")
		wantStatus(t, agent.get(t, "/staff/queue?n=-5"), http.StatusBadRequest, "")
	})
}

func TestQueueFindsPartOfAnIDEmailOrNameAndSaysWhenAFilterMatchesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		olive := fileConfirmed(t, a, admin, models.TypeAccess, "olive.oyl@example.com", "Olive Oyl")
		bruno := fileConfirmed(t, a, admin, models.TypeDeletion, "bruno_b@shop.example", "Bruno Baker")
		names := map[string]string{olive: "olive", bruno: "bruno"}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"oyl", []string{"olive"}},          // part of a name
			{"OLIVE", []string{"olive"}},        // any case
			{"baker", []string{"bruno"}},        // part of a surname
			{"shop.exa", []string{"bruno"}},     // part of an email
			{"@example.com", []string{"olive"}}, // the domain
			{olive[3:9], []string{"olive"}},     // part of an id
			{strings.ToLower(bruno[3:9]), []string{"bruno"}},
			{"r_n", []string{}}, // _ is a letter, not a wildcard
			{"%%%", []string{}}, // nor is %
			{"no_b", []string{"bruno"}},
			{"ol", []string{}},                           // two letters: exact only
			{"olive.oyl@example.com", []string{"olive"}}, // exact still works
		} {
			ans := agent.get(t, "/staff/queue?q="+strings.ReplaceAll(tc.q, "%", "%25"))
			wantStatus(t, ans, http.StatusOK, "")
			var got []string
			for _, id := range rowIDs(queueRows(t, ans.Body)) {
				got = append(got, names[id])
			}
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("q=%s: rows %v, want %v", tc.q, got, tc.want)
			}
		}

		for _, path := range []string{"/staff/queue?q=nobody-at-all", "/staff/queue?type=opt_out", "/staff/queue?status=cancelled"} {
			ans := agent.get(t, path)
			contains(t, ans.Body, "No request matches", `href="/staff/queue" class="button small secondary">Clear filters`)
			lacks(t, ans.Body, "Every open request is handled")
		}
		// The open queue itself, emptied, says so.
		for _, id := range []string{olive, bruno} {
			if _, err := a.Svc.StaffCancel(t.Context(), admin, id, "The customer withdrew it."); err != nil {
				t.Fatal(err)
			}
		}
		empty := agent.get(t, "/staff/queue")
		contains(t, empty.Body, "Every open request is handled.")
		lacks(t, empty.Body, "No request matches", "Clear filters")
	})
}

func TestQueueSaysDueDatesInWordsAndShowsWhenEachWasFiled(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o) // starts Monday 2 March 2026, 10:00 UTC
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin := adminActor(t, a)
		day := 24 * time.Hour
		filed := map[string]string{}
		for _, at := range []time.Duration{0, day, 2 * day, 3 * day, 5 * day, 20 * day} {
			a.Clock.Advance(at - (a.Clock.Now().Sub(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))))
			id := fileConfirmed(t, a, admin, models.TypeAccess, "c"+strconv.Itoa(int(at/day))+"@example.com", "C")
			filed[id] = a.Clock.Now().Format("2 Jan 2006")
		}
		// Now: 3 April 2026, 09:00, an hour before the one filed on 4 March is due.
		a.Clock.Advance(time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC).Sub(a.Clock.Now()))
		page := agent.get(t, "/staff/queue")
		var badges []string
		for _, m := range badgeRE.FindAllStringSubmatch(page.Body, -1) {
			badges = append(badges, m[2]+" ("+m[1]+")")
		}
		want := []string{"2 days overdue (overdue)", "1 day overdue (overdue)", "due today (red)", "due tomorrow (red)",
			"due in 3 days (red)", "due in 18 days (green)"}
		if !slices.Equal(badges, want) {
			t.Errorf("badges %q, want %q", badges, want)
		}
		lacks(t, page.Body, "-2d", "-1d", "overdue -")
		for _, r := range queueRows(t, page.Body) {
			if !strings.Contains(r.HTML, `<span class="filed">`+filed[r.ID]+`</span>`) {
				t.Errorf("row %s does not show it was filed on %s:\n%s", r.ID, filed[r.ID], r.HTML)
			}
		}
		contains(t, page.Body, `<small class="age">31 days ago</small>`, `<small class="age">11 days ago</small>`, ">Filed")
	})
}
