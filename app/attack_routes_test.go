package app_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// allRoutes lists every route the server answers, from the router itself,
// so a route added later is covered (or fails these tests until it is).
func allRoutes(t *testing.T) gin.RoutesInfo {
	t.Helper()
	s, err := app.NewServer(app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Routes()
}

// fillPath puts real values in a route pattern's parameters.
func fillPath(t *testing.T, pattern string, params map[string]string) string {
	t.Helper()
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			v, ok := params[p[1:]]
			if !ok {
				t.Fatalf("route %s has a parameter %s this test does not know: add it", pattern, p)
			}
			parts[i] = url.PathEscape(v)
		}
	}
	return strings.Join(parts, "/")
}

// world is what a refused request must leave as it was.
type world struct {
	counts
	Notes, Staff, Sessions int64
	Statuses, Roles        string
}

func look(t *testing.T, a *testapp.App) world {
	t.Helper()
	w := world{counts: snapshot(t, a), Notes: a.Count(t, &models.Note{}), Staff: a.Count(t, &models.StaffUser{})}
	w.Sessions = int64(len(sessionRows(t, a)))
	var rs []models.Request
	if err := a.DB.Order("id").Find(&rs).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		w.Statuses += r.ID + "=" + r.Status + ";"
		if r.AssigneeID != nil {
			w.Statuses += "assigned;"
		}
	}
	var us []models.StaffUser
	if err := a.DB.Order("id").Find(&us).Error; err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		w.Roles += u.Email + "=" + u.Role + "/" + strconv.FormatBool(u.Active()) + "/" + u.PasswordHash + ";"
	}
	return w
}

// wantSecurityHeaders checks the headers every answer must carry.
func wantSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: nosniff %q, referrer policy %q, frame options %q", what,
			h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("X-Frame-Options"))
	}
}

// doJSON posts a JSON body from this browser.
func (b *browser) doJSON(t *testing.T, path, body string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.a.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(out)}
}

func TestCrossSitePostOnEveryRouteIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		agentPW := a.AddStaff(t, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		agent := staffUser(t, a, "quinn@kactoily.example")
		id := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera Verified")
		pending := fileAccess(t, a, "ana@example.com", "Ana")
		pendingMail := verifyEmail(t, a, "ana@example.com", pending)
		token := tokenOf(t, pendingMail.Link("/status?token="))

		// Each POST route with a form that succeeds when sent from our own pages.
		forms := map[string]url.Values{
			"/requests/new":                    {"type": {"access"}, "name": {"Bo"}, "email": {"bo@example.com"}},
			"/requests/resend":                 {"email": {"ana@example.com"}},
			"/requests/:id/cancel":             {"token": {token}, "confirm": {"yes"}},
			"/requests/verify":                 {"token": {tokenOf(t, pendingMail.Link("/requests/verify?token="))}},
			"/requests/lookup":                 {"email": {"ana@example.com"}},
			"/requests/:id/download":           {"token": {token}},
			"/requests/:id/download-link":      {"token": {token}},
			"/staff/login":                     {"email": {"quinn@kactoily.example"}, "password": {agentPW}},
			"/staff/logout":                    {},
			"/staff/requests/new":              {"type": {"deletion"}, "name": {"Pat"}, "email": {"pat@example.com"}, "identity_confirmed": {"Passport seen."}},
			"/staff/requests/:id/assign":       {"assignee": {"me"}},
			"/staff/requests/:id/note":         {"note": {"planted"}},
			"/staff/requests/:id/advance":      {"to": {models.StatusInProgress}},
			"/staff/requests/:id/approve":      {},
			"/staff/requests/:id/deny":         {"reason": {"Planted reason."}},
			"/staff/requests/:id/extend":       {"days": {"30"}, "reason": {"Planted reason."}},
			"/staff/requests/:id/cancel":       {"reason": {"Planted reason."}},
			"/staff/requests/:id/retry":        {"source": {"account"}},
			"/staff/admin/staff":               {"name": {"Eve"}, "email": {"eve@kactoily.example"}, "role": {"admin"}, "password": {"correct horse battery"}},
			"/staff/admin/staff/:sid":          {"role": {"admin"}},
			"/staff/admin/staff/:sid/password": {},
			"/api/v1/requests":                 nil, // JSON below
		}
		forms["/staff/requests/:id/retry-erasure"] = url.Values{"source": {"account"}}
		forms["/staff/requests/:id/correction"] = url.Values{"field": {"name"}, "decision": {"accepted"}, "reason": {"Planted reason."}}
		forms["/staff/requests/:id/escalate"] = url.Values{"admin": {strconv.FormatInt(root.ID, 10)}, "note": {"Planted note."}}
		forms["/staff/requests/:id/unlock-verification"] = url.Values{}
		forms["/staff/queue/bulk"] = url.Values{"action": {"claim"}, "id": {id}}
		forms["/requests/:id/appeal"] = url.Values{"token": {token}, "reason": {"Planted appeal."}}
		forms["/staff/requests/:id/appeal"] = url.Values{"decision": {"uphold"}, "answer": {"Planted answer."}}
		forms["/staff/admin/wording/:kind/:lang"] = url.Values{"action": {"save"}, "subject": {"Planted {{request_id}}"}}
		forms["/receipts/verify"] = url.Values{"receipt": {"{}"}, "email": {"vera@example.com"}}
		params := map[string]string{"id": id, "sid": strconv.FormatInt(agent.ID, 10), "kind": "receipt", "lang": "en"}
		var posts []string
		for _, r := range allRoutes(t) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				continue
			}
			if _, ok := forms[r.Path]; !ok {
				t.Fatalf("%s %s: no case in this test; add one", r.Method, r.Path)
			}
			posts = append(posts, r.Path)
		}
		if len(posts) != len(forms) {
			t.Fatalf("the table names routes that do not exist: routes %v", posts)
		}
		slices.Sort(posts)
		pathOfRoute := func(p string) string {
			if strings.HasPrefix(p, "/requests/:id/") {
				return strings.Replace(p, ":id", pending, 1)
			}
			return fillPath(t, p, params)
		}
		send := func(route string, h http.Header) answer {
			path := pathOfRoute(route)
			if route == "/api/v1/requests" {
				return admin.doJSON(t, path, `{"type":"access","email":"cy@example.com","name":"Cy"}`, h)
			}
			return admin.do(t, http.MethodPost, path, forms[route], h)
		}
		hostile := map[string]http.Header{
			"Sec-Fetch-Site cross-site":    hdr("Sec-Fetch-Site", "cross-site"),
			"Sec-Fetch-Site same-site":     hdr("Sec-Fetch-Site", "same-site"),
			"foreign Origin":               hdr("Origin", "https://evil.example"),
			"Origin null (sandboxed page)": hdr("Origin", "null"),
		}
		for _, route := range posts {
			for name, h := range hostile {
				before := look(t, a)
				ans := send(route, h)
				if ans.Status != http.StatusForbidden {
					t.Errorf("POST %s with %s: %d, want 403", route, name, ans.Status)
				}
				wantSecurityHeaders(t, "cross-origin refusal of "+route, ans.Header)
				if after := look(t, a); after != before {
					t.Errorf("POST %s with %s changed the database:\nbefore %+v\nafter  %+v", route, name, before, after)
				}
			}
		}
		wantStatus(t, admin.get(t, "/staff/queue"), http.StatusOK, "") // still signed in

		// The same forms from our own pages are not refused: the 403s above
		// came from the origin check, not from a bad form.
		last := func(p string) string { // sign in as the agent, then out, at the end
			return strings.NewReplacer("/staff/login", "~1", "/staff/logout", "~2").Replace(p)
		}
		slices.SortFunc(posts, func(x, y string) int { return strings.Compare(last(x), last(y)) })
		for _, route := range posts {
			if ans := send(route, hdr("Sec-Fetch-Site", "same-origin")); ans.Status == http.StatusForbidden || ans.Status >= 500 {
				t.Errorf("same-origin POST %s: %d\n%.300s", route, ans.Status, ans.Body)
			}
		}
	})
}

func TestAgentIsRefusedEveryAdminRoute(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		agent, me := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		_, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		params := map[string]string{"sid": strconv.FormatInt(root.ID, 10), "kind": "receipt", "lang": "en"}
		forms := url.Values{"name": {"Eve"}, "email": {"eve@kactoily.example"}, "role": {"admin"},
			"password": {"correct horse battery"}, "disabled": {"on"}}
		n := 0
		for _, r := range allRoutes(t) {
			if !strings.HasPrefix(r.Path, "/staff/admin/") && !strings.HasPrefix(r.Path, "/staff/reports") {
				continue
			}
			n++
			for _, sid := range []string{strconv.FormatInt(root.ID, 10), strconv.FormatInt(me.ID, 10)} {
				params["sid"] = sid
				before := look(t, a)
				var form url.Values
				if r.Method != http.MethodGet {
					form = forms
				}
				ans := agent.do(t, r.Method, fillPath(t, r.Path, params)+"?from=2026-01-01&to=2026-12-31", form, hdr("Sec-Fetch-Site", "same-origin"))
				if ans.Status != http.StatusForbidden {
					t.Errorf("agent %s %s: %d, want 403", r.Method, r.Path, ans.Status)
				}
				lacks(t, ans.Body, "Ada Admin", "request_type,received")
				if after := look(t, a); after != before {
					t.Errorf("agent %s %s changed the database:\nbefore %+v\nafter  %+v", r.Method, r.Path, before, after)
				}
			}
		}
		if n < 5 {
			t.Fatalf("found %d admin routes; expected at least the staff list, add, update, report and CSV", n)
		}
		if u := staffUser(t, a, me.Email); u.Role != models.RoleAgent {
			t.Fatalf("the agent made themself %s", u.Role)
		}
	})
}
