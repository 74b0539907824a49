package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// sqlPayloads are classic injection strings; each must be treated as data.
var sqlPayloads = []string{
	`' OR 1=1--`,
	`"; DROP TABLE requests;--`,
	`x'); DELETE FROM staff_users; --`,
	`' UNION SELECT password_hash FROM staff_users--`,
	`1) OR (1=1`,
	`%' OR '%'='`,
	`\'; DROP TABLE sessions; --`,
}

// tableRows counts the rows of every table of the database, by name.
func tableRows(t *testing.T, a *testapp.App) map[string]int64 {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if a.DB.Dialect == models.DialectPostgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	var names []string
	if err := a.DB.Raw(q).Scan(&names).Error; err != nil || len(names) < 10 {
		t.Fatalf("list tables: %v %v", names, err)
	}
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := a.DB.Table(n).Count(&c).Error; err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		out[n] = c
	}
	return out
}

// TestSQLInjectionInEverySearchFilterAndFieldIsData sends injection strings
// through every search, filter and free-text field: none answers 500, none
// returns extra rows, each stored value is the literal text, and every
// table is still there with only the rows the accepted inputs added.
func TestSQLInjectionInEverySearchFilterAndFieldIsData(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: unlimited, NoJobs: true})
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		for _, e := range []string{"vera@example.com", "vic@example.com"} {
			fileConfirmed(t, a, root, models.TypeAccess, e, "Verified Person")
		}
		fileAccess(t, a, "ana@example.com", "Ana")
		tables := tableRows(t, a)
		accepted := map[string]int64{}

		check := func(what string, ans answer, allowed ...int) {
			t.Helper()
			if !slices.Contains(allowed, ans.Status) {
				t.Errorf("%s: status %d, want one of %v\n%.300s", what, ans.Status, allowed, ans.Body)
			}
			lacks(t, ans.Body, "$argon2id$", "syntax error", "SQLSTATE", "sqlite")
		}
		for i, p := range sqlPayloads {
			e := url.QueryEscape(p)
			mailbox := func(who string) string { return fmt.Sprintf("%s%d@example.com", who, i) }
			// Queue: the search finds nothing; a filter outside its list is refused.
			for _, q := range []string{"q=" + e, "q=" + e + "&hidden=true"} {
				ans := admin.get(t, "/staff/queue?"+q)
				check("queue ?"+q, ans, 200)
				if rows := queueRows(t, ans.Body); len(rows) != 0 {
					t.Errorf("queue ?%s: %d rows, want none", q, len(rows))
				}
			}
			for _, f := range []string{"status", "type", "assignee", "due", "after"} {
				check("queue ?"+f+"=", admin.get(t, "/staff/queue?"+f+"="+e), 400)
			}
			all := queueRows(t, admin.get(t, "/staff/queue?hidden=true").Body)
			ans := admin.get(t, "/staff/queue?hidden=true&after="+url.QueryEscape("2000-01-01T00:00:00Z~"+p))
			check("queue cursor with an injected id", ans, 200)
			if rows := queueRows(t, ans.Body); len(rows) > len(all) {
				t.Errorf("cursor %q: %d rows, more than the %d there are", p, len(rows), len(all))
			}
			check("queue hidden=", admin.get(t, "/staff/queue?hidden="+e), 200, 400)
			// Report period.
			for path, status := range map[string]int{"/staff/reports": 422, "/staff/reports.csv": 400} { // the page re-renders its form
				check(path+" from", admin.get(t, path+"?from="+e), status)
				check(path+" to", admin.get(t, path+"?to="+e), status)
			}
			// Customer doors: ids and tokens.
			check("status id", get(t, a, "/requests/"+url.PathEscape(p)+"/status?token="+e), 404)
			check("verify token", get(t, a, "/requests/verify?token="+e), 404)
			check("download", get(t, a, "/requests/"+url.PathEscape(p)+"/download?token="+e), 404)
			check("API status", send(t, a, http.MethodGet, "/api/v1/requests/"+url.PathEscape(p), "", "", hdr("Authorization", "Bearer "+p)), 404)
			check("staff request page", admin.get(t, "/staff/requests/"+url.PathEscape(p)), 404)
			check("resend", postForm(t, a, "/requests/resend", url.Values{"email": {p}}, nil), 422)
			check("sign-in", newBrowser(a).login(t, p, p), 401)
			check("sign-in as a known email", newBrowser(a).login(t, "ada@kactoily.example", p), 401)

			// Free text is stored as typed.
			body, _ := json.Marshal(map[string]any{"type": "access", "email": mailbox("sql"), "name": p, "details": p})
			id, _ := created(t, postJSON(t, a, string(body), nil))
			accepted["requests"]++
			if r := reloadRequest(t, a, id); r.Name != p || r.Details != p {
				t.Errorf("stored name %q details %q, want %q", r.Name, r.Details, p)
			}
			for _, f := range []string{"type", "email", "scopes"} {
				in := map[string]any{"type": "access", "email": "sql@example.com", "name": "A"}
				in[f] = p
				if f == "scopes" {
					in[f] = []string{p}
				}
				body, _ := json.Marshal(in)
				check("API "+f, postJSON(t, a, string(body), nil), 422)
			}
			ans = postForm(t, a, "/requests/new", url.Values{"type": {"deletion"}, "email": {mailbox("form")}, "name": {p}, "details": {p}}, nil)
			check("form name and details", ans, 303)
			accepted["requests"]++
			check("form email", postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "email": {p}, "name": {"A"}}, nil), 422)
			check("form type", postForm(t, a, "/requests/new", url.Values{"type": {p}, "email": {"a@example.com"}, "name": {"A"}}, nil), 422)
			check("note", admin.post(t, "/staff/requests/"+id+"/note", url.Values{"note": {p}}), 303)
			accepted["notes"]++
			check("staff add, injected email", admin.post(t, "/staff/admin/staff", url.Values{"email": {p}, "name": {"X"}, "role": {"agent"}, "password": {"correct horse battery"}}), 422)
			check("staff add, injected role", admin.post(t, "/staff/admin/staff", url.Values{"email": {"x@kactoily.example"}, "name": {"X"}, "role": {p}, "password": {"correct horse battery"}}), 422)
			check("staff update, injected id", admin.post(t, "/staff/admin/staff/"+url.PathEscape(p), url.Values{"role": {"admin"}}), 404)
		}
		var notes []string
		if err := a.DB.Model(&models.Note{}).Order("id").Pluck("body", &notes).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(notes, sqlPayloads) {
			t.Errorf("notes stored %q, want the payloads as typed", notes)
		}
		after := tableRows(t, a)
		for name, n := range tables {
			got, ok := after[name]
			switch {
			case !ok:
				t.Errorf("table %s is gone", name)
			case name == "requests" || name == "notes":
				if want := n + accepted[name]; got != want {
					t.Errorf("table %s: %d rows, want %d", name, got, want)
				}
			case strings.HasPrefix(name, "staff_users") || name == "sessions":
				if got != n {
					t.Errorf("table %s: %d rows, want %d", name, got, n)
				}
			}
		}
		if u := staffUser(t, a, "ada@kactoily.example"); u.ID != root.ID || u.Role != models.RoleAdmin {
			t.Errorf("the admin account changed: %+v", u)
		}
	})
}
