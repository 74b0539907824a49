package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
)

// lookupJobs counts the lookup jobs River holds, and how many have finished.
func lookupJobs(t *testing.T, a *testapp.App) (all, done int64) {
	t.Helper()
	q := a.DB.Table("river_job").Where("kind = ?", "send_request_links")
	if err := q.Count(&all).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Table("river_job").Where("kind = ? AND state = ?", "send_request_links", "completed").Count(&done).Error; err != nil {
		t.Fatal(err)
	}
	return all, done
}

// TestLookupByEmailAnswersAlikeAndMailsStatusLinksOnlyToTheAddress proves
// the lookup answers a known and an unknown address the same way, at the
// same cost (one job each, no email or request written in the request),
// mails the known address a working status link for each of its requests
// and the unknown one nothing, refuses a malformed address with 422, and is
// limited per address like resend, alike for both.
func TestLookupByEmailAnswersAlikeAndMailsStatusLinksOnlyToTheAddress(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: app.Limits{IntakePerIP: 20, ResendPerIP: 100, ResendPerMail: 2, Window: time.Hour},
			Sources: noCollect.Sources})
		first := fileAccess(t, a, "ana@example.com", "Ana")
		verifyRequest(t, a, verifyEmail(t, a, "ana@example.com", first).Link("/requests/verify?token="))
		second := fileAccess(t, a, "ana@example.com", "Ana")
		verifyEmail(t, a, "ana@example.com", second)
		fileAccess(t, a, "bo@example.com", "Bo")

		form := get(t, a, "/requests/lookup")
		contains(t, form.Body, "Find my requests", `action="/requests/lookup"`, `<label for="email">`)

		answers := map[string]answer{}
		// The answer changes nothing but the one lookup job it enqueues;
		// that job (which may run at once) writes one email for a known
		// address and none for an unknown one.
		for email, mails := range map[string]int64{"Ana@Example.com": 1, "nobody@example.com": 0} {
			before := snapshot(t, a)
			jobs, _ := lookupJobs(t, a)
			answers[email] = postForm(t, a, "/requests/lookup", url.Values{"email": {email}}, nil)
			if after, _ := lookupJobs(t, a); after != jobs+1 {
				t.Errorf("lookup for %s enqueued %d jobs, want 1", email, after-jobs)
			}
			waitJobsIdle(t, a, "send_request_links")
			before.Emails += mails
			assertUnchanged(t, a, before)
		}
		if _, done := lookupJobs(t, a); done != 2 {
			t.Fatalf("%d lookup jobs completed, want 2", done)
		}
		known, unknown := answers["Ana@Example.com"], answers["nobody@example.com"]
		if known.Status != http.StatusOK || unknown.Status != known.Status || unknown.Body != known.Body {
			t.Fatalf("known %d and unknown %d addresses answered differently:\n%s\n---\n%s", known.Status, unknown.Status, known.Body, unknown.Body)
		}
		contains(t, known.Body, "If we have requests for that address, we have emailed you a link to each of them.")

		msg := a.Mail.WaitFor(t, "ana@example.com", "Your privacy requests at Kactoily")
		for _, id := range []string{first, second} {
			link := msg.Link("/requests/" + id + "/status?token=")
			page := get(t, a, pathOf(t, a, link))
			if page.Status != http.StatusOK {
				t.Fatalf("status link of %s from the lookup email: %d", id, page.Status)
			}
			contains(t, page.Body, "Request "+id)
		}
		if strings.Contains(msg.Text, "bo@example.com") || a.Mail.Count("bo@example.com", "Your privacy requests") != 0 {
			t.Error("the lookup mailed someone else's requests")
		}
		if n := a.Mail.Count("nobody@example.com", ""); n != 0 {
			t.Errorf("the unknown address got %d emails", n)
		}

		bad := postForm(t, a, "/requests/lookup", url.Values{"email": {"not-an-email"}}, nil)
		if bad.Status != http.StatusUnprocessableEntity {
			t.Errorf("malformed address: %d, want 422", bad.Status)
		}
		contains(t, bad.Body, "Enter a valid email address", `id="form-error" tabindex="-1" autofocus`)

		// The per-address limit (2 here) is counted alike for both addresses.
		for _, email := range []string{"ana@example.com", "nobody@example.com"} {
			postForm(t, a, "/requests/lookup", url.Values{"email": {email}}, nil)
			limited := postForm(t, a, "/requests/lookup", url.Values{"email": {email}}, nil)
			if limited.Status != http.StatusTooManyRequests {
				t.Errorf("third lookup for %s: %d, want 429", email, limited.Status)
			}
			assertRetryAfter(t, limited, time.Hour)
		}
	})
}

// TestReceivedPageShowsTheRequestIDAddressAndWhatWasRecorded proves the
// page after filing names the request and the address the email went to,
// lists an opt-out's recorded scopes (sale/sharing added by GPC too), keeps
// the address out of the URL, and shows nothing of the kind to a browser
// that did not file it.
func TestReceivedPageShowsTheRequestIDAddressAndWhatWasRecorded(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		filed := postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"Ana"}, "email": {" Ana@Example.com "}}, nil)
		loc := filed.Header.Get("Location")
		if filed.Status != http.StatusSeeOther || strings.Contains(loc, "example.com") {
			t.Fatalf("filing: %d to %q", filed.Status, loc)
		}
		id := strings.TrimPrefix(a.Mail.WaitFor(t, "ana@example.com", "Confirm your privacy request").Subject, "Confirm your privacy request ")
		page := get(t, a, loc)
		contains(t, page.Body, "Check your email", "<dt>Request</dt><dd>"+id+"</dd>", "<dt>Email sent to</dt><dd>ana@example.com</dd>")

		resp, err := a.NewClient().Get(a.URL() + loc) // another browser: no receipt cookie
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("received page in another browser: %d", resp.StatusCode)
		}
		lacks(t, string(body), id, "ana@example.com")

		out := postForm(t, a, "/requests/new", url.Values{"type": {"opt_out"}, "name": {"Ana"}, "email": {"ana@example.com"},
			"scopes": {"marketing_email"}}, hdr("Sec-GPC", "1"))
		page = get(t, a, out.Header.Get("Location"))
		contains(t, page.Body, "Your opt-out is in effect", "What we recorded", "Stop: <strong>Marketing email",
			"Stop: <strong>Sale/sharing and personalized advertising</strong> (your browser's Global Privacy Control signal asks for this too)",
			"<dd>ana@example.com</dd>")
		lacks(t, page.Body, "Stop: <strong>Analytics")
	})
}

// TestGPCWordingAndPreTickedSaleSharing proves the privacy center no longer
// claims a GPC signal is honoured before anything is recorded, that the
// request form starts with sale/sharing ticked only under GPC, and that
// this tick, hidden for an access or deletion request, does not make the
// form refuse one.
func TestGPCWordingAndPreTickedSaleSharing(t *testing.T) {
	t.Parallel()
	a := testapp.New(t, models.DialectSQLite, noCollect)
	home := send(t, a, http.MethodGet, "/", "", "", hdr("Sec-GPC", "1"))
	contains(t, home.Body, "it is recorded when you send us a request from this browser", `href="/requests/new?type=opt_out">Record my opt-out now`)
	lacks(t, home.Body, "We treat it as an opt-out")
	const ticked = `value="sale_sharing" checked`
	contains(t, send(t, a, http.MethodGet, "/requests/new?type=opt_out", "", "", hdr("Sec-GPC", "1")).Body, ticked, "sale and sharing is ticked for you")
	lacks(t, get(t, a, "/requests/new?type=opt_out").Body, ticked)

	for _, typ := range []string{models.TypeAccess, models.TypeDeletion} {
		ans := postForm(t, a, "/requests/new", url.Values{"type": {typ}, "name": {"Sam"}, "email": {"sam@example.com"},
			"scopes": {models.ScopeSaleSharing}}, hdr("Sec-GPC", "1"))
		if ans.Status != http.StatusSeeOther {
			t.Errorf("%s with the hidden GPC tick: %d, want 303\n%s", typ, ans.Status, ans.Body)
		}
	}
	var r models.Request
	if err := a.DB.Where("email = ? AND type = ?", "sam@example.com", models.TypeAccess).Take(&r).Error; err != nil || r.Scopes != "" || !r.GPC {
		t.Errorf("access request: scopes %q, GPC %v, %v", r.Scopes, r.GPC, err)
	}
}

// TestPolicyPageHasOneTitleADateContentsAndTheRightsSections proves the
// policy page shows its title once, its date, a table of contents linking
// every section, sections on rights, GPC and "Do Not Sell or Share", and a
// mailto footer; and the request form's error summary takes the focus.
func TestPolicyPageHasOneTitleADateContentsAndTheRightsSections(t *testing.T) {
	t.Parallel()
	a := testapp.New(t, models.DialectSQLite, noCollect)
	s, err := app.NewServer(app.Options{Policy: org.Default().PolicyText})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/privacy-policy", nil))
	p := answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	if p.Status != http.StatusOK {
		t.Fatalf("policy page: %d", p.Status)
	}
	if n := strings.Count(p.Body, ">Privacy Policy<"); n != 1 {
		t.Errorf("the title appears %d times, want once", n)
	}
	contains(t, p.Body, `Last updated <time datetime="2026-11-25">25 Nov 2026</time>`, `<nav class="toc"`,
		`<a href="#information-we-collect">Information We Collect</a>`, `<h2 id="information-we-collect">`,
		`<a href="#retention-of-personal-information">`, `<h2 id="retention-of-personal-information">`,
		`<h2 id="your-rights">Your privacy rights</h2>`, `<h2 id="global-privacy-control">`,
		`<h2 id="do-not-sell-or-share">Do Not Sell or Share My Personal Information</h2>`,
		`<a href="mailto:privacy@kactoily.com">privacy@kactoily.com</a>`)

	form := postForm(t, a, "/requests/new", url.Values{}, nil)
	if form.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: %d", form.Status)
	}
	contains(t, form.Body, `id="form-error" tabindex="-1" autofocus`, `class="form request-form"`)
	css := get(t, a, "/static/site.css")
	contains(t, css.Body, ".request-form:not(:has(input[name=type][value=opt_out]:checked)) .scopes { display: none; }")
}
