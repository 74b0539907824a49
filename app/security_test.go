package app_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

func TestSecurityHeadersOnEveryKindOfAnswer(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		mail := verifyEmail(t, a, "ana@example.com", id)
		statusPath := pathOf(t, a, mail.Link("/status?token="))
		verifyPath := pathOf(t, a, mail.Link("/requests/verify?token="))

		cases := []struct {
			name, method, path, body string
			status                   int
			noStore                  bool
		}{
			{"privacy center", "GET", "/", "", 200, false},
			{"privacy policy", "GET", "/privacy-policy", "", 200, false},
			{"request form", "GET", "/requests/new", "", 200, false},
			{"not found page", "GET", "/no-such-page", "", 404, false},
			{"API answer", "POST", "/api/v1/requests", `{"type":"access","email":"bo@example.com","name":"Bo"}`, 202, false},
			{"API error", "POST", "/api/v1/requests", `{}`, 422, false},
			{"health check", "GET", "/healthz", "", 200, false},
			{"status page", "GET", statusPath, "", 200, true},
			{"status page with a bad token", "GET", "/requests/" + id + "/status?token=" + forgedToken(), "", 404, true},
			{"verify link page", "GET", verifyPath, "", 200, true},
			{"verify button", "POST", "/requests/verify", "token=" + tokenOf(t, verifyPath), 303, true},
			{"used verify link", "GET", verifyPath, "", 410, true},
			{"lookup form", "GET", "/requests/lookup", "", 200, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ct := ""
				if tc.body != "" {
					ct = "application/json"
					if tc.method == "POST" && !strings.HasPrefix(tc.body, "{") {
						ct = "application/x-www-form-urlencoded"
					}
				}
				ans := send(t, a, tc.method, tc.path, ct, tc.body, nil)
				if ans.Status != tc.status {
					t.Fatalf("status %d, want %d", ans.Status, tc.status)
				}
				h := ans.Header
				if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("Content-Security-Policy %q lacks frame-ancestors 'none'", csp)
				}
				if v := h.Get("X-Content-Type-Options"); v != "nosniff" {
					t.Errorf("X-Content-Type-Options %q, want nosniff", v)
				}
				if v := h.Get("Referrer-Policy"); v != "no-referrer" {
					t.Errorf("Referrer-Policy %q, want no-referrer", v)
				}
				if v := h.Get("Cache-Control"); tc.noStore && !strings.Contains(v, "no-store") {
					t.Errorf("Cache-Control %q, want no-store on a page that carries a token", v)
				}
			})
		}
	})
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		verify := verifyEmail(t, a, "ana@example.com", id)
		token := tokenOf(t, verify.Link("/status?token="))
		mailsBefore := len(a.Mail.Messages())
		posts := []struct {
			name, path string
			form       url.Values
			ok         int // the answer when sent same-origin
		}{
			{"new request", "/requests/new", url.Values{"type": {"access"}, "name": {"Bo"}, "email": {"bo@example.com"}}, 303},
			{"resend", "/requests/resend", url.Values{"email": {"ana@example.com"}}, 200},
			{"lookup", "/requests/lookup", url.Values{"email": {"ana@example.com"}}, 200},
			{"confirm", "/requests/verify", url.Values{"token": {tokenOf(t, verify.Link("/requests/verify?token="))}}, 303},
			{"cancel", "/requests/" + id + "/cancel", url.Values{"token": {token}, "confirm": {"yes"}}, 303},
		}
		hostile := []struct {
			name   string
			header http.Header
		}{
			{"Sec-Fetch-Site cross-site", hdr("Sec-Fetch-Site", "cross-site")},
			{"Sec-Fetch-Site same-site", hdr("Sec-Fetch-Site", "same-site")},
			{"foreign Origin without Sec-Fetch-Site", hdr("Origin", "https://evil.example")},
		}
		for _, p := range posts {
			for _, h := range hostile {
				t.Run(p.name+" with "+h.name, func(t *testing.T) {
					before := snapshot(t, a)
					if ans := postForm(t, a, p.path, p.form, h.header); ans.Status != http.StatusForbidden {
						t.Errorf("got %d, want 403", ans.Status)
					}
					assertUnchanged(t, a, before)
					if got := statusOf(t, a, id); got != models.StatusPendingVerification {
						t.Errorf("request became %q", got)
					}
				})
			}
		}
		if n := len(a.Mail.Messages()); n != mailsBefore {
			t.Errorf("refused posts sent %d emails", n-mailsBefore)
		}
		for i, p := range posts {
			h := hdr("Sec-Fetch-Site", "same-origin")
			if i == 1 {
				h = hdr("Origin", a.URL()) // a browser without Sec-Fetch-Site
			}
			if p.name == "cancel" { // once collection has moved it on, not while it does (that answers 409: try again)
				waitStatus(t, a, id, models.StatusAwaitingApproval)
			}
			if ans := postForm(t, a, p.path, p.form, h); ans.Status != p.ok {
				t.Errorf("same-origin %s: %d, want %d\n%s", p.name, ans.Status, p.ok, ans.Body)
			}
		}
		if got := statusOf(t, a, id); got != models.StatusCancelled {
			t.Errorf("same-origin cancel left the request %q", got)
		}
	})
}

func TestStoredMarkupIsEscapedInPagesAndEmails(t *testing.T) {
	t.Parallel()
	const name = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	const details = `<b onmouseover="alert(3)">bold</b><iframe src="//evil.example"></iframe>`
	raw := []string{"<script>alert(1)", "<img src=x", "<b onmouseover", "<iframe"}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		ans := postForm(t, a, "/requests/new", url.Values{
			"type": {"access"}, "name": {name}, "email": {"ana@example.com"}, "details": {details},
		}, nil)
		if ans.Status != http.StatusSeeOther {
			t.Fatalf("submit: %d\n%s", ans.Status, ans.Body)
		}
		verify := a.Mail.WaitFor(t, "ana@example.com", "Confirm your privacy request")
		// Before confirmation the name is in no email at all (TestEmailsBeforeConfirmationNeverCarryTheName).
		lacks(t, verify.Text, "alert(1)")
		lacks(t, verify.HTML, raw...)

		page := get(t, a, pathOf(t, a, verify.Link("/status?token=")))
		if page.Status != http.StatusOK {
			t.Fatalf("status page: %d", page.Status)
		}
		lacks(t, page.Body, raw...)

		loc := verifyRequest(t, a, verify.Link("/requests/verify?token="))
		lacks(t, get(t, a, loc).Body, raw...)
		receipt := a.Mail.WaitFor(t, "ana@example.com", "We have your privacy request")
		if !strings.Contains(receipt.Text, name) {
			t.Errorf("the plain-text part should greet the requester by the name as typed:\n%s", receipt.Text)
		}
		contains(t, receipt.HTML, html.EscapeString(name))
		lacks(t, receipt.HTML, raw...)
		for _, m := range a.Mail.Messages() {
			lacks(t, m.HTML, raw...)
		}

		// The form's own error page escapes what was typed, too.
		bad := postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {name}, "email": {"nope"}, "details": {details}}, nil)
		if bad.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid submit: %d", bad.Status)
		}
		contains(t, bad.Body, html.EscapeString(name), html.EscapeString(details))
		lacks(t, bad.Body, raw...)
	})
}

func TestMetricsHealthAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		before := getMetrics(t, a, "/metrics")
		lacks(t, before.Body, "privacydesk_request_transitions_total{")

		fileAccess(t, a, "ana@example.com", "Ana")
		m := getMetrics(t, a, "/metrics")
		if m.Status != http.StatusOK || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s", m.Status, m.Header.Get("Content-Type"))
		}
		contains(t, m.Body,
			"# TYPE privacydesk_http_requests_total counter",
			`privacydesk_http_requests_total{code="202",method="POST",route="/api/v1/requests"} 1`,
			"# TYPE privacydesk_request_transitions_total counter",
			`privacydesk_request_transitions_total{status="pending_verification",type="access"} 1`)

		cases := []struct {
			name, method, path string
			status             int
			contentType, words string
		}{
			{"health check", "GET", "/healthz", 200, "text/plain", "ok"},
			{"unknown route", "GET", "/no/such/page", 404, "text/html", "Page not found"},
			{"unknown API route", "GET", "/api/v1/nothing", 404, "application/json", `"not_found"`},
			{"wrong method on the form", "DELETE", "/requests/new", 405, "text/html", "does not accept that method"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ans := send(t, a, tc.method, tc.path, "", "", nil)
				if ans.Status != tc.status || !strings.HasPrefix(ans.Header.Get("Content-Type"), tc.contentType) {
					t.Errorf("got %d %s, want %d %s", ans.Status, ans.Header.Get("Content-Type"), tc.status, tc.contentType)
				}
				contains(t, ans.Body, tc.words)
			})
		}
	})
}
