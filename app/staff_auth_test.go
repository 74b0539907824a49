package app_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// staffOpts keeps staff sessions in the database, as serve does.
var staffOpts = testapp.Options{DBSessions: true, Limits: roomy.Limits}

const genericLoginError = "That email and password do not match an active account."

// browser is one person's browser: its own cookie jar, redirects not followed.
type browser struct {
	a *testapp.App
	c *http.Client
}

func newBrowser(a *testapp.App) *browser { return &browser{a: a, c: a.NewClient()} }

// signedIn creates a staff account and returns a browser signed in as it.
func signedIn(t *testing.T, a *testapp.App, email, name, role string) (*browser, *models.StaffUser) {
	t.Helper()
	pw := a.AddStaff(t, email, name, role)
	b := newBrowser(a)
	a.Login(t, b.c, email, pw)
	return b, staffUser(t, a, email)
}

func staffUser(t *testing.T, a *testapp.App, email string) *models.StaffUser {
	t.Helper()
	u, err := models.FindStaffByEmail(t.Context(), a.DB.DB, email)
	if err != nil {
		t.Fatalf("find staff %s: %v", email, err)
	}
	return u
}

func (b *browser) do(t *testing.T, method, path string, form url.Values, h http.Header) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.a.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(out)}
}

func (b *browser) get(t *testing.T, path string) answer {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, nil)
}

// post sends a form as a browser does from one of the app's own pages.
func (b *browser) post(t *testing.T, path string, form url.Values) answer {
	t.Helper()
	return b.do(t, http.MethodPost, path, form, hdr("Sec-Fetch-Site", "same-origin"))
}

func (b *browser) login(t *testing.T, email, password string) answer {
	t.Helper()
	return b.post(t, "/staff/login", url.Values{"email": {email}, "password": {password}})
}

// session is the browser's pd_session cookie, or "".
func (b *browser) session() string {
	u, _ := url.Parse(b.a.URL())
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "pd_session" {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setSession(value string) {
	u, _ := url.Parse(b.a.URL())
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "pd_session", Value: value, Path: "/"}})
}

// wantStatus fails unless the answer has the status (and, for redirects, the location).
func wantStatus(t *testing.T, ans answer, status int, location string) {
	t.Helper()
	if ans.Status != status || location != "" && ans.Header.Get("Location") != location {
		t.Fatalf("got %d to %q, want %d to %q\n%s", ans.Status, ans.Header.Get("Location"), status, location, ans.Body)
	}
}

// sessionRows returns the token column of the sessions table.
func sessionRows(t *testing.T, a *testapp.App) []string {
	t.Helper()
	var tokens []string
	if err := a.DB.Raw("SELECT token FROM sessions").Scan(&tokens).Error; err != nil {
		t.Fatal(err)
	}
	return tokens
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// adminActor creates an admin account (not signed in) to act through the service.
func adminActor(t *testing.T, a *testapp.App) *models.StaffUser {
	t.Helper()
	a.AddStaff(t, "root@kactoily.example", "Ada Admin", models.RoleAdmin)
	return staffUser(t, a, "root@kactoily.example")
}

// fileConfirmed files a request whose identity an admin confirmed: verified at once.
func fileConfirmed(t *testing.T, a *testapp.App, admin *models.StaffUser, typ, email, name string) string {
	t.Helper()
	r, err := a.Svc.FileOnBehalf(t.Context(), admin, workflows.NewRequest{Type: typ, Email: email, Name: name},
		"Identity checked on a call-back to the number on the account.")
	if err != nil {
		t.Fatalf("file %s for %s: %v", typ, email, err)
	}
	return r.ID
}

func TestStaffSignInSetsSessionStoredOnlyAsItsHash(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		ans := b.login(t, " SAM@kactoily.example ", pw)
		wantStatus(t, ans, http.StatusSeeOther, "/staff/queue")
		cookie := ans.Header.Get("Set-Cookie")
		if !strings.Contains(cookie, "pd_session=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
			t.Fatalf("session cookie %q: want pd_session, HttpOnly, SameSite=Lax", cookie)
		}
		token := b.session()
		sum := sha256.Sum256([]byte(token))
		if rows := sessionRows(t, a); !slices.Equal(rows, []string{hex.EncodeToString(sum[:])}) {
			t.Fatalf("sessions table holds %q, want only the SHA-256 of the cookie %q", rows, token)
		}
		queue := b.get(t, "/staff/queue")
		wantStatus(t, queue, http.StatusOK, "")
		contains(t, queue.Body, "Sam Agent")
		wantStatus(t, b.get(t, "/staff/login"), http.StatusSeeOther, "/staff/queue")
	})
}

func TestStaffPagesWithoutSessionGoToSignIn(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		b := newBrowser(a)
		wantStatus(t, b.get(t, "/staff/queue?status=denied"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue%3Fstatus%3Ddenied")
		wantStatus(t, b.get(t, "/staff"), http.StatusSeeOther, "/staff/queue")
		wantStatus(t, b.post(t, "/staff/requests/PD-00000-00000/note", url.Values{"note": {"hi"}}), http.StatusUnauthorized, "")
		form := b.get(t, "/staff/login?next=%2Fstaff%2Fqueue%3Fstatus%3Ddenied")
		wantStatus(t, form, http.StatusOK, "")
		contains(t, form.Body, `name="next" value="/staff/queue?status=denied"`)
		if b.session() != "" || len(sessionRows(t, a)) != 0 {
			t.Fatal("an anonymous visit created a session")
		}
	})
}

func TestWrongPasswordAnswers401WithGenericMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		for _, tc := range []struct{ name, email, password string }{
			{"wrong password", "sam@kactoily.example", pw + "x"},
			{"unknown email", "nobody@kactoily.example", pw},
			{"empty form", "", ""},
		} {
			ans := b.login(t, tc.email, tc.password)
			if ans.Status != http.StatusUnauthorized || !strings.Contains(ans.Body, genericLoginError) {
				t.Errorf("%s: got %d, want 401 with the generic message\n%s", tc.name, ans.Status, ans.Body)
			}
			lacks(t, ans.Body, pw)
		}
		if b.session() != "" || len(sessionRows(t, a)) != 0 {
			t.Fatal("a failed sign-in created a session")
		}
	})
}

func TestFiveWrongPasswordsLockTheAccountFor15Minutes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		for i := range 5 {
			if ans := b.login(t, "sam@kactoily.example", "wrong password "+string(rune('a'+i))); ans.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: got %d, want 401", i+1, ans.Status)
			}
		}
		locked := b.login(t, "sam@kactoily.example", pw)
		// The lock answers like any failure, so it does not reveal that the account exists.
		if locked.Status != http.StatusUnauthorized || !strings.Contains(locked.Body, genericLoginError) || b.session() != "" {
			t.Fatalf("right password on a locked account: got %d, want 401 with the generic message\n%s", locked.Status, locked.Body)
		}
		a.Clock.Advance(14 * time.Minute)
		if ans := b.login(t, "sam@kactoily.example", pw); ans.Status != http.StatusUnauthorized {
			t.Fatalf("after 14 minutes: got %d, want still locked", ans.Status)
		}
		a.Clock.Advance(time.Minute)
		wantStatus(t, b.login(t, "sam@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
		if u := staffUser(t, a, "sam@kactoily.example"); u.FailedLogins != 0 || u.LockedUntil != nil {
			t.Fatalf("after sign-in: failed_logins %d, locked_until %v; want reset", u.FailedLogins, u.LockedUntil)
		}
	})
}

func TestSignInRateLimitPerIPAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.Limits = app.Limits{LoginPerIP: 3, Window: time.Hour}
		a := testapp.New(t, dialect, o)
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		for range 3 {
			wantStatus(t, b.login(t, "sam@kactoily.example", "not the password"), http.StatusUnauthorized, "")
		}
		ans := b.login(t, "sam@kactoily.example", pw)
		wantStatus(t, ans, http.StatusTooManyRequests, "")
		assertRetryAfter(t, ans, time.Hour)
		if b.session() != "" {
			t.Fatal("a rate-limited sign-in created a session")
		}
		if u := staffUser(t, a, "sam@kactoily.example"); u.FailedLogins != 3 {
			t.Fatalf("failed_logins = %d, want 3: the limited attempt must not reach the password check", u.FailedLogins)
		}
	})
}

func TestSignInRenewsTheSessionToken(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		// The attacker signs in to their own account and plants that
		// session's cookie in the victim's browser.
		attacker, _ := signedIn(t, a, "mallory@kactoily.example", "Mallory Agent", models.RoleAgent)
		planted := attacker.session()
		pw := a.AddStaff(t, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		victim := newBrowser(a)
		victim.setSession(planted)
		wantStatus(t, victim.login(t, "ada@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
		if got := victim.session(); got == "" || got == planted {
			t.Fatalf("session cookie after sign-in = %q; want a new one, not the planted %q", got, planted)
		}
		wantStatus(t, attacker.get(t, "/staff/admin/staff"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fadmin%2Fstaff")
		wantStatus(t, victim.get(t, "/staff/admin/staff"), http.StatusOK, "")
	})
}

func TestSignOutEndsTheSessionEverywhere(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		b, _ := signedIn(t, a, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		old := b.session()
		cross := b.do(t, http.MethodPost, "/staff/logout", url.Values{}, hdr("Sec-Fetch-Site", "cross-site"))
		wantStatus(t, cross, http.StatusForbidden, "")
		wantStatus(t, b.get(t, "/staff/queue"), http.StatusOK, "")

		wantStatus(t, b.post(t, "/staff/logout", url.Values{}), http.StatusSeeOther, "/staff/login")
		wantStatus(t, b.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
		other := newBrowser(a) // another instance or a copied cookie: same database
		other.setSession(old)
		wantStatus(t, other.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
		if rows := sessionRows(t, a); len(rows) != 0 {
			t.Fatalf("sessions left after sign-out: %q", rows)
		}
	})
}

func TestForgedAndExpiredSessionsAreRefused(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		id := fileConfirmed(t, a, adminActor(t, a), models.TypeAccess, "ana@example.com", "Ana")
		waitStatus(t, a, id, models.StatusAwaitingApproval) // collection's own events written first
		real, _ := signedIn(t, a, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		stored := sessionRows(t, a)[0]
		expire := "UPDATE sessions SET expiry = julianday('now') - 1"
		if dialect == models.DialectPostgres {
			expire = "UPDATE sessions SET expiry = now() - interval '1 hour'"
		}
		cases := []struct {
			name   string
			cookie func() string
		}{
			{"forged", randomToken},
			{"hash read from the sessions table", func() string { return stored }},
			{"expired", func() string {
				if err := a.DB.Exec(expire).Error; err != nil {
					t.Fatal(err)
				}
				return real.session()
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := newBrowser(a)
				b.setSession(tc.cookie())
				wantStatus(t, b.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
				before := snapshot(t, a)
				wantStatus(t, b.post(t, "/staff/requests/"+id+"/note", url.Values{"note": {"planted"}}), http.StatusUnauthorized, "")
				assertUnchanged(t, a, before)
			})
		}
		if n := a.Count(t, &models.Note{}); n != 0 {
			t.Fatalf("%d notes written without a valid session", n)
		}
	})
}

func TestSignInNextStaysOnStaffPages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		for _, tc := range []struct{ next, want string }{
			{"/staff/queue?status=denied", "/staff/queue?status=denied"},
			{"//evil.example", "/staff/queue"},
			{"https://evil.example/staff/queue", "/staff/queue"},
			{"/\\evil.example/staff/", "/staff/queue"},
		} {
			b := newBrowser(a)
			ans := b.post(t, "/staff/login", url.Values{"email": {"sam@kactoily.example"}, "password": {pw}, "next": {tc.next}})
			if ans.Status != http.StatusSeeOther || ans.Header.Get("Location") != tc.want {
				t.Errorf("next=%q: got %d to %q, want 303 to %q", tc.next, ans.Status, ans.Header.Get("Location"), tc.want)
			}
		}
	})
}
