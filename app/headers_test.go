package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// headerCase is one kind of answer whose headers a test checks.
type headerCase struct {
	name, method, path string
	form               url.Values
	header             http.Header
	status             int
}

// everyKindOfAnswer covers the staff pages and every refusal, beside the
// public pages TestSecurityHeadersOnEveryKindOfAnswer already checks.
func everyKindOfAnswer(id, sid string) []headerCase {
	cross := hdr("Sec-Fetch-Site", "cross-site")
	return []headerCase{
		{"sign-in page when signed in", "GET", "/staff/login", nil, nil, 303},
		{"queue", "GET", "/staff/queue", nil, nil, 200},
		{"request page", "GET", "/staff/requests/" + id, nil, nil, 200},
		{"file for a customer", "GET", "/staff/requests/new", nil, nil, 200},
		{"staff admin", "GET", "/staff/admin/staff", nil, nil, 200},
		{"report", "GET", "/staff/reports", nil, nil, 200},
		{"report CSV", "GET", "/staff/reports.csv", nil, nil, 200},
		{"staff action redirect", "POST", "/staff/requests/" + id + "/note", url.Values{"note": {"hi"}}, nil, 303},
		{"staff form error", "POST", "/staff/requests/" + id + "/note", url.Values{"note": {""}}, nil, 422},
		{"staff update refused", "POST", "/staff/admin/staff/" + sid, url.Values{"role": {"agent"}, "disabled": {"on"}}, nil, 403},
		{"stylesheet", "GET", "/static/site.css", nil, nil, 200},
		{"metrics, not served on the site", "GET", "/metrics", nil, nil, 404},
		{"readiness", "GET", "/readyz", nil, nil, 200},
		{"queue filter refused", "GET", "/staff/queue?status=nope", nil, nil, 400},
		{"unknown staff request", "GET", "/staff/requests/PD-00000-00000", nil, nil, 404},
		{"wrong method", "PUT", "/staff/queue", nil, nil, 405},
		{"cross-origin refusal of a staff action", "POST", "/staff/requests/" + id + "/note", url.Values{"note": {"x"}}, cross, 403},
		{"cross-origin refusal of sign-in", "POST", "/staff/login", url.Values{}, cross, 403},
		{"cross-origin refusal of the API", "POST", "/api/v1/requests", url.Values{}, cross, 403},
	}
}

// checkHeaders signs in as an admin in a and requests every kind of answer,
// checking the security headers and whether HSTS is sent.
func checkHeaders(t *testing.T, a *testapp.App, base string, wantHSTS bool) {
	t.Helper()
	b, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
	id := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera")
	cases := everyKindOfAnswer(id, strconv.FormatInt(root.ID, 10))
	cases = append(cases,
		headerCase{"privacy center", "GET", "/", nil, nil, 200},
		headerCase{"sign-in page", "GET", "/staff/login", nil, nil, 200},
		headerCase{"staff page without a session", "GET", "/staff/queue", nil, nil, 303},
		headerCase{"staff action without a session", "POST", "/staff/requests/" + id + "/note", url.Values{"note": {"x"}}, nil, 401},
	)
	anonymous := newBrowser(a)
	for i, tc := range cases {
		who := b
		if i >= len(cases)-3 {
			who = anonymous
		}
		h := tc.header
		if h == nil {
			h = hdr("Sec-Fetch-Site", "same-origin")
		}
		ans := who.doAt(t, base, tc.method, tc.path, tc.form, h)
		if ans.Status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, ans.Status, tc.status)
		}
		wantSecurityHeaders(t, tc.name, ans.Header)
		hsts := ans.Header.Get("Strict-Transport-Security")
		if wantHSTS && !strings.Contains(hsts, "max-age=63072000") {
			t.Errorf("%s: Strict-Transport-Security %q, want max-age of two years", tc.name, hsts)
		}
		if !wantHSTS && hsts != "" {
			t.Errorf("%s: Strict-Transport-Security %q over plain HTTP", tc.name, hsts)
		}
	}
}

// doAt sends a request from this browser (its cookies) to the server at base.
func (b *browser) doAt(t *testing.T, base, method, path string, form url.Values, h http.Header) answer {
	t.Helper()
	other := &browser{a: &testapp.App{HTTP: &httptest.Server{URL: base}}, c: b.c}
	return other.do(t, method, path, form, h)
}

// sharedSessions is the app's own session table, for a second server on the same database.
func sharedSessions(t *testing.T, a *testapp.App) scs.Store {
	t.Helper()
	if a.DB.Dialect == models.DialectPostgres {
		st := postgresstore.New(a.DB.SQL)
		t.Cleanup(st.StopCleanup)
		return st
	}
	st := sqlite3store.New(a.DB.SQL)
	t.Cleanup(st.StopCleanup)
	return st
}

func TestSecurityHeadersOnStaffPagesAndEveryRefusalWithoutHSTSOnHTTP(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits, NoJobs: true})
		checkHeaders(t, a, a.URL(), false)

		// A rate-limited answer carries them too.
		limited := testapp.New(t, dialect, testapp.Options{NoJobs: true, Limits: app.Limits{IntakePerIP: 1, Window: time.Hour}})
		postJSON(t, limited, `{"type":"access","email":"a@example.com","name":"A"}`, nil)
		ans := postJSON(t, limited, `{"type":"access","email":"b@example.com","name":"B"}`, nil)
		wantStatus(t, ans, http.StatusTooManyRequests, "")
		wantSecurityHeaders(t, "rate-limited answer", ans.Header)
	})
}

func TestHSTSAndSecureCookieWhenTheSiteIsHTTPS(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		// The public URL is https (TLS ends at a proxy): HSTS on every answer.
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits, NoJobs: true})
		s, err := app.NewServer(app.Options{Intake: a.Svc, Requester: a.Svc, Staff: a.Svc, Casework: a.Svc, Reports: a.Svc, HTTPS: true, Limits: roomy.Limits, Sessions: sharedSessions(t, a)})
		if err != nil {
			t.Fatal(err)
		}
		behindProxy := httptest.NewServer(s.Handler())
		t.Cleanup(behindProxy.Close)
		checkHeaders(t, a, behindProxy.URL, true)

		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		ans := b.doAt(t, behindProxy.URL, "POST", "/staff/login", url.Values{"email": {"sam@kactoily.example"}, "password": {pw}},
			hdr("Sec-Fetch-Site", "same-origin"))
		wantStatus(t, ans, http.StatusSeeOther, "/staff/queue")
		if c := ans.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
			t.Errorf("session cookie %q on an https site: want Secure and HttpOnly", c)
		}

		// Served over TLS directly, HSTS is sent even without the option.
		tlsOnly, err := app.NewServer(app.Options{Intake: a.Svc, Requester: a.Svc, Staff: a.Svc, Casework: a.Svc, Reports: a.Svc, Limits: roomy.Limits})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewTLSServer(tlsOnly.Handler())
		t.Cleanup(ts.Close)
		resp, err := ts.Client().Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Strict-Transport-Security") == "" {
			t.Error("no Strict-Transport-Security over TLS")
		}
		wantSecurityHeaders(t, "privacy center over TLS", resp.Header)
	})
}
