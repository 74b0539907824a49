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
)

// badBytes are inputs SQLite stores but PostgreSQL refuses at the protocol
// level ("invalid byte sequence for encoding UTF8"): a NUL, and bytes that
// are not UTF-8. The fuzzers run on SQLite only, so this test carries them
// to PostgreSQL.
var badBytes = map[string]string{"NUL": "PD-\x00", "invalid UTF-8": "\xff\xfe@example.com", "lone surrogate half": "\xed\xa0\x80"}

// TestNULAndInvalidUTF8AreRefusedNeverA500 sends those bytes through every
// id, search, token and form field, on every database: each is refused or
// found wanting (4xx), never a 500, and nothing is written.
func TestNULAndInvalidUTF8AreRefusedNeverA500(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: unlimited, NoJobs: true})
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera")
		for name, b := range badBytes {
			e, p := url.QueryEscape(b), url.PathEscape(b)
			cases := []struct {
				what string
				do   func() answer
			}{
				{"queue search", func() answer { return admin.get(t, "/staff/queue?q="+e) }},
				{"queue search, hidden too", func() answer { return admin.get(t, "/staff/queue?hidden=true&q="+e) }},
				{"queue cursor id", func() answer { return admin.get(t, "/staff/queue?after="+url.QueryEscape("2026-01-01T00:00:00Z~"+b)) }},
				{"staff request page", func() answer { return admin.get(t, "/staff/requests/"+p) }},
				{"staff note on that id", func() answer { return admin.post(t, "/staff/requests/"+p+"/note", url.Values{"note": {"x"}}) }},
				{"staff note text", func() answer { return admin.post(t, "/staff/requests/"+id+"/note", url.Values{"note": {b}}) }},
				{"staff deny reason", func() answer { return admin.post(t, "/staff/requests/"+id+"/deny", url.Values{"reason": {b}}) }},
				{"staff advance", func() answer { return admin.post(t, "/staff/requests/"+id+"/advance", url.Values{"to": {b}}) }},
				{"staff retry source", func() answer { return admin.post(t, "/staff/requests/"+id+"/retry", url.Values{"source": {b}}) }},
				{"staff extend reason", func() answer {
					return admin.post(t, "/staff/requests/"+id+"/extend", url.Values{"days": {"10"}, "reason": {b}})
				}},
				{"staff cancel reason", func() answer { return admin.post(t, "/staff/requests/"+id+"/cancel", url.Values{"reason": {b}}) }},
				{"staff assign", func() answer { return admin.post(t, "/staff/requests/"+id+"/assign", url.Values{"assignee": {b}}) }},
				{"staff update role", func() answer {
					return admin.post(t, "/staff/admin/staff/"+strconv.FormatInt(root.ID, 10), url.Values{"role": {b}})
				}},
				{"report period", func() answer { return admin.get(t, "/staff/reports?from="+e) }},
				{"sign-in next", func() answer { return newBrowser(a).get(t, "/staff/login?next="+e) }},
				{"staff add", func() answer {
					return admin.post(t, "/staff/admin/staff", url.Values{"email": {b}, "name": {b}, "role": {"agent"}, "password": {b + "correct horse battery"}})
				}},
				{"file for a customer", func() answer {
					return admin.post(t, "/staff/requests/new", url.Values{"type": {"access"}, "email": {b}, "name": {b}, "details": {b}})
				}},
				{"sign-in email", func() answer { return newBrowser(a).login(t, b, "whatever password") }},
				{"sign-in password", func() answer { return newBrowser(a).login(t, "ada@kactoily.example", b) }},
				{"status id", func() answer { return get(t, a, "/requests/"+p+"/status?token="+forgedToken()) }},
				{"status token", func() answer { return get(t, a, "/requests/"+id+"/status?token="+e) }},
				{"JSON status id", func() answer {
					return send(t, a, http.MethodGet, "/api/v1/requests/"+p, "", "", hdr("Authorization", "Bearer "+forgedToken()))
				}},
				{"download id", func() answer { return get(t, a, "/requests/"+p+"/download?token="+forgedToken()) }},
				{"cancel id", func() answer {
					return postForm(t, a, "/requests/"+p+"/cancel", url.Values{"token": {forgedToken()}}, nil)
				}},
				{"verify token", func() answer { return get(t, a, "/requests/verify?token="+e) }},
				{"resend email", func() answer { return postForm(t, a, "/requests/resend", url.Values{"email": {b}}, nil) }},
				{"form fields", func() answer {
					return postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "email": {b}, "name": {b}, "details": {b}}, nil)
				}},
				{"JSON type and scopes", func() answer {
					return postJSON(t, a, `{"type":"`+b+`","email":"a@example.com","name":"A","scopes":["`+b+`"]}`, nil)
				}},
				{"bulk ids", func() answer {
					return admin.post(t, "/staff/queue/bulk", url.Values{"action": {"claim"}, "id": {b, id}})
				}},
				{"bulk note", func() answer {
					return admin.post(t, "/staff/queue/bulk", url.Values{"action": {"note"}, "note": {b}, "id": {id}})
				}},
				{"bulk deny reason", func() answer {
					return admin.post(t, "/staff/queue/bulk", url.Values{"action": {"deny"}, "reason": {b}, "id": {id}, "confirm": {"yes"}})
				}},
				{"queue CSV search", func() answer { return admin.get(t, "/staff/queue.csv?q="+e) }},
				{"wording subject", func() answer {
					return admin.post(t, "/staff/admin/wording/verify/en", url.Values{"action": {"save"}, "subject": {"Hi " + b}})
				}},
				{"wording intro", func() answer {
					return admin.post(t, "/staff/admin/wording/verify/en", url.Values{"action": {"save"}, "intro": {"Hi " + b}})
				}},
				{"wording preview", func() answer {
					return admin.post(t, "/staff/admin/wording/verify/en", url.Values{"action": {"preview"}, "intro": {"Hi " + b}})
				}},
				{"receipt text", func() answer {
					return postForm(t, a, "/receipts/verify", url.Values{"receipt": {b}, "email": {b}}, nil)
				}},
				{"JSON escaped NUL", func() answer {
					return postJSON(t, a, `{"type":"access","email":"a@example.com","name":"A","details":"x\u0000y"}`, nil)
				}},
			}
			for _, tc := range cases {
				before, notes := snapshot(t, a), a.Count(t, &models.Note{})
				ans := tc.do()
				neutral := (tc.what == "resend email" || tc.what == "receipt text") && ans.Status == http.StatusOK // its answer whatever the address; a receipt found not valid
				if ans.Status >= 500 || ans.Status < 400 && !neutral {
					t.Errorf("%s with %s: %d, want a 4xx refusal\n%.200s", tc.what, name, ans.Status, ans.Body)
				}
				assertUnchanged(t, a, before)
				if a.Count(t, &models.Note{}) != notes || a.Count(t, &models.StaffUser{}) != 1 {
					t.Errorf("%s with %s wrote a note or an account", tc.what, name)
				}
				if strings.Contains(ans.Body, "SQLSTATE") {
					t.Errorf("%s with %s shows a database error", tc.what, name)
				}
			}
		}
	})
}
