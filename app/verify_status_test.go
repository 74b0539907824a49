package app_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// forgedToken has the shape of a real token but was never issued.
func forgedToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// verifyRequest opens an emailed verification link as a person would: its
// page (which changes nothing) shows a "Confirm my request" button whose
// form posts the token in the body; pressing it redirects to the status
// page, whose path it returns.
func verifyRequest(t *testing.T, a *testapp.App, link string) string {
	t.Helper()
	return verifyRequestWithProof(t, a, link, "")
}

// verifyRequestWithProof is verifyRequest for a store customer, whose page
// also asks for an order number or serial: it enters proof.
func verifyRequestWithProof(t *testing.T, a *testapp.App, link, proof string) string {
	t.Helper()
	page := get(t, a, pathOf(t, a, link))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `action="/requests/verify"`) {
		t.Fatalf("verify link page: %d, want 200 with the confirm form\n%s", page.Status, page.Body)
	}
	ans := postForm(t, a, "/requests/verify", url.Values{"token": {tokenOf(t, link)}, "proof": {proof}}, nil)
	loc := ans.Header.Get("Location")
	if ans.Status != http.StatusSeeOther || !strings.Contains(loc, "/status?token=") {
		t.Fatalf("confirm button: %d to %q, want 303 to the status page\n%s", ans.Status, loc, ans.Body)
	}
	return loc
}

// confirmVerify presses the confirm page's button: a POST with the token in the body.
func confirmVerify(t *testing.T, a *testapp.App, token string, h http.Header) answer {
	t.Helper()
	return postForm(t, a, "/requests/verify", url.Values{"token": {token}}, h)
}

// tokenUses reads how often the stored token of a link has been used.
func tokenUses(t *testing.T, a *testapp.App, token string) int {
	t.Helper()
	var tk models.RequestToken
	if err := a.DB.Where("hash = ?", workflows.HashToken(token)).Take(&tk).Error; err != nil {
		t.Fatalf("find token: %v", err)
	}
	return tk.Uses
}

// noCollect keeps verified requests verified: no store sources, so
// collection never moves them on while a test looks at "verified".
var noCollect = testapp.Options{Limits: roomy.Limits, Sources: []store.Source{}}

// TestOpeningTheVerifyLinkChangesNothingOnlyThePOSTConfirms proves a mail
// scanner cannot confirm a request: a GET of the link (plain, as a
// prefetch, with a Range), a HEAD and a cross-site POST change no status and
// spend no use; the page carries no-store and no-referrer and posts the
// token in the form's body; only pressing its button confirms.
func TestOpeningTheVerifyLinkChangesNothingOnlyThePOSTConfirms(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		link := verifyEmail(t, a, "ana@example.com", id).Link("/requests/verify?token=")
		token := tokenOf(t, link)
		path := pathOf(t, a, link)

		before := snapshot(t, a)
		for name, do := range map[string]func() answer{
			"GET": func() answer { return get(t, a, path) },
			"prefetch": func() answer {
				return send(t, a, http.MethodGet, path, "", "", hdr("Sec-Purpose", "prefetch", "Purpose", "prefetch"))
			},
			"scanner with a Range": func() answer {
				return send(t, a, http.MethodGet, path, "", "", hdr("Range", "bytes=0-0", "User-Agent", "LinkScanner/1.0"))
			},
			"HEAD":            func() answer { return send(t, a, http.MethodHead, path, "", "", nil) },
			"cross-site POST": func() answer { return confirmVerify(t, a, token, hdr("Sec-Fetch-Site", "cross-site")) },
		} {
			for range 3 {
				ans := do()
				if ans.Status >= 500 || ans.Status == http.StatusSeeOther {
					t.Errorf("%s: %d", name, ans.Status)
				}
			}
			if got := statusOf(t, a, id); got != models.StatusPendingVerification {
				t.Fatalf("%s changed the status to %q", name, got)
			}
			if n := tokenUses(t, a, token); n != 0 {
				t.Fatalf("%s spent the link: %d uses", name, n)
			}
			assertUnchanged(t, a, before)
		}

		page := get(t, a, path)
		if page.Status != http.StatusOK || page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("confirm page: %d, Cache-Control %q, Referrer-Policy %q", page.Status, page.Header.Get("Cache-Control"), page.Header.Get("Referrer-Policy"))
		}
		contains(t, page.Body, "Confirm your request", id, `<form method="post" action="/requests/verify"`,
			`<input type="hidden" name="token" value="`+token+`">`, "Confirm my request</button>")

		ans := confirmVerify(t, a, token, hdr("Sec-Fetch-Site", "same-origin"))
		if ans.Status != http.StatusSeeOther || !strings.HasPrefix(ans.Header.Get("Location"), "/requests/"+id+"/status?token=") ||
			ans.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("confirm: %d to %q (Cache-Control %q)", ans.Status, ans.Header.Get("Location"), ans.Header.Get("Cache-Control"))
		}
		if got := statusOf(t, a, id); got != models.StatusVerified {
			t.Fatalf("status %q after the POST, want verified", got)
		}
	})
}

// TestUsedVerifyLinkSaysAlreadyConfirmedWithoutANewStatusLink proves the
// link confirms once; afterwards opening it or pressing its button again
// says the request is already confirmed, names it, and points to the
// receipt email and the lookup by email, but mints no status token: an old
// link is not a key to the request.
func TestUsedVerifyLinkSaysAlreadyConfirmedWithoutANewStatusLink(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		link := verifyEmail(t, a, "ana@example.com", id).Link("/requests/verify?token=")

		loc := verifyRequest(t, a, link)
		if !strings.HasPrefix(loc, "/requests/"+id+"/status?token=") {
			t.Errorf("redirect to %q, want this request's status page", loc)
		}
		page := get(t, a, loc)
		if page.Status != http.StatusOK {
			t.Fatalf("status page: %d", page.Status)
		}
		contains(t, page.Body, "Request "+id, "your email is confirmed",
			"Request received; waiting for you to confirm your email", "Email confirmed; request sent to our privacy team")

		waitJobsIdle(t, a, "send_email") // the receipt's send job mints its own status token
		tokens := a.Count(t, &models.RequestToken{})
		before := snapshot(t, a)
		for name, ans := range map[string]answer{
			"opened again":  get(t, a, pathOf(t, a, link)),
			"pressed again": confirmVerify(t, a, tokenOf(t, link), nil),
		} {
			if ans.Status != http.StatusGone {
				t.Errorf("used link %s: %d, want 410", name, ans.Status)
			}
			contains(t, ans.Body, "Already confirmed", "already confirmed request <strong>"+id+"</strong>",
				"receipt email", `href="/requests/lookup"`)
			lacks(t, ans.Body, "already been used", "/status?token=", "Confirm my request</button>")
		}
		assertUnchanged(t, a, before)
		if n := a.Count(t, &models.RequestToken{}); n != tokens {
			t.Errorf("a used link minted %d tokens", n-tokens)
		}
		// Even after its 24 hours, a used link still says so rather than "expired".
		a.Clock.Advance(48 * time.Hour)
		contains(t, get(t, a, pathOf(t, a, link)).Body, "Already confirmed")
		if got := statusOf(t, a, id); got != models.StatusVerified {
			t.Errorf("status %q after reuse, want verified", got)
		}
	})
}

func TestVerifyLinkRefusesBadTokensWithoutChanges(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		mail := verifyEmail(t, a, "ana@example.com", id)
		statusToken := tokenOf(t, mail.Link("/status?token="))
		cases := []struct {
			name, path string
			want       int
			words      string
		}{
			{"forged token of the right shape", "/requests/verify?token=" + forgedToken(), 404, "not valid"},
			{"malformed token", "/requests/verify?token=abc%3Cscript%3E", 404, "not valid"},
			{"empty token", "/requests/verify?token=", 404, "not valid"},
			{"no token at all", "/requests/verify", 404, "not valid"},
			{"status token used as verify token", "/requests/verify?token=" + statusToken, 404, "not valid"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, a)
				ans := get(t, a, tc.path)
				if ans.Status != tc.want || !strings.HasPrefix(ans.Header.Get("Content-Type"), "text/html") {
					t.Errorf("got %d %s, want %d page", ans.Status, ans.Header.Get("Content-Type"), tc.want)
				}
				contains(t, ans.Body, tc.words)
				u, _ := url.Parse(tc.path)
				post := confirmVerify(t, a, u.Query().Get("token"), nil)
				if post.Status != tc.want {
					t.Errorf("pressing confirm with it: %d, want %d", post.Status, tc.want)
				}
				contains(t, post.Body, tc.words)
				assertUnchanged(t, a, before)
				if got := statusOf(t, a, id); got != models.StatusPendingVerification {
					t.Errorf("status %q, want pending_verification", got)
				}
			})
		}
		// The genuine link still works after all that.
		verifyRequest(t, a, mail.Link("/requests/verify?token="))
	})
}

func TestVerifyLinkExpiresAfter24Hours(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		link := verifyEmail(t, a, "ana@example.com", id).Link("/requests/verify?token=")
		a.Clock.Advance(24*time.Hour + time.Second)
		before := snapshot(t, a)
		ans := get(t, a, pathOf(t, a, link))
		if ans.Status != http.StatusGone {
			t.Fatalf("expired link: %d, want 410\n%s", ans.Status, ans.Body)
		}
		contains(t, ans.Body, "expired")
		if post := confirmVerify(t, a, tokenOf(t, link), nil); post.Status != http.StatusGone || !strings.Contains(post.Body, "expired") {
			t.Errorf("pressing confirm on an expired link: %d\n%s", post.Status, post.Body)
		}
		assertUnchanged(t, a, before)
		if got := statusOf(t, a, id); got != models.StatusPendingVerification {
			t.Errorf("status %q, want pending_verification", got)
		}
	})
}

func TestStatusOpensOnlyWithThisRequestsStatusToken(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		idA := fileAccess(t, a, "ana@example.com", "Ana")
		mailA := verifyEmail(t, a, "ana@example.com", idA)
		tokA := tokenOf(t, verifyRequest(t, a, mailA.Link("/requests/verify?token=")))
		idB := fileAccess(t, a, "bo@example.com", "Bo")
		mailB := verifyEmail(t, a, "bo@example.com", idB)
		tokB := tokenOf(t, mailB.Link("/status?token="))
		verifyTokenB := tokenOf(t, mailB.Link("/requests/verify?token="))

		cases := []struct {
			name, id, token string
			page, api       int
		}{
			{"own status token", idA, tokA, 200, 200},
			{"another request's token", idA, tokB, 404, 404},
			{"forged token", idA, forgedToken(), 404, 404},
			{"garbage token", idA, "garbage", 404, 404},
			{"verify token is not a status token", idB, verifyTokenB, 404, 404},
			{"no token", idA, "", 404, 401},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				page := get(t, a, "/requests/"+tc.id+"/status?token="+url.QueryEscape(tc.token))
				if page.Status != tc.page {
					t.Errorf("status page: %d, want %d", page.Status, tc.page)
				}
				h := http.Header{}
				if tc.token != "" {
					h.Set("Authorization", "Bearer "+tc.token)
				}
				api := send(t, a, http.MethodGet, "/api/v1/requests/"+tc.id, "", "", h)
				if api.Status != tc.api {
					t.Errorf("API: %d, want %d\n%s", api.Status, tc.api, api.Body)
				}
				if tc.api != 200 {
					e := decodeAPIError(t, api)
					if want := map[int]string{404: "not_found", 401: "unauthorized"}[tc.api]; e.Error.Code != want {
						t.Errorf("API error code %q, want %q", e.Error.Code, want)
					}
					lacks(t, page.Body+api.Body, "ana@example.com", "bo@example.com")
					return
				}
				contains(t, page.Body, "Request "+idA, "Email confirmed")
				var v struct {
					ID, Type, Status string
					CreatedAt        *time.Time `json:"created_at"`
					DueAt            *time.Time `json:"due_at"`
					History          []struct{ Action, Status string }
				}
				if err := json.Unmarshal([]byte(api.Body), &v); err != nil {
					t.Fatal(err)
				}
				if v.ID != idA || v.Type != "access" || v.Status != "verified" || v.CreatedAt == nil || v.DueAt == nil ||
					len(v.History) != 2 || v.History[1].Status != "verified" {
					t.Errorf("API answer: %s", api.Body)
				}
				if want := v.CreatedAt.AddDate(0, 0, 30); !v.DueAt.Equal(want) {
					t.Errorf("due_at %s, want %s", v.DueAt, want)
				}
			})
		}
		// Trying the verify token on the status page did not spend it.
		verifyRequest(t, a, mailB.Link("/requests/verify?token="))
	})
}

func TestCancelNeedsThisRequestsTokenAndWorksOnce(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		idA := fileAccess(t, a, "ana@example.com", "Ana")
		tokA := tokenOf(t, verifyEmail(t, a, "ana@example.com", idA).Link("/status?token="))
		idB := fileAccess(t, a, "bo@example.com", "Bo")
		tokB := tokenOf(t, verifyEmail(t, a, "bo@example.com", idB).Link("/status?token="))
		cancel := func(token string) answer {
			return postForm(t, a, "/requests/"+idA+"/cancel", url.Values{"token": {token}, "confirm": {"yes"}}, nil)
		}

		for name, token := range map[string]string{"another request's token": tokB, "forged token": forgedToken(), "no token": ""} {
			before := snapshot(t, a)
			if ans := cancel(token); ans.Status != http.StatusNotFound {
				t.Errorf("cancel with %s: %d, want 404", name, ans.Status)
			}
			assertUnchanged(t, a, before)
			if got := statusOf(t, a, idA); got != models.StatusPendingVerification {
				t.Fatalf("cancel with %s changed status to %q", name, got)
			}
		}

		// The status page's button first asks to confirm, and changes nothing.
		status := get(t, a, "/requests/"+idA+"/status?token="+url.QueryEscape(tokA))
		contains(t, status.Body, `action="/requests/`+idA+`/cancel"`, "Cancel my request…")
		lacks(t, status.Body, `name="confirm"`)
		before := snapshot(t, a)
		ask := postForm(t, a, "/requests/"+idA+"/cancel", url.Values{"token": {tokA}}, nil)
		if ask.Status != http.StatusOK || ask.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("cancel button: %d (Cache-Control %q), want 200 confirmation page", ask.Status, ask.Header.Get("Cache-Control"))
		}
		contains(t, ask.Body, "Cancel request "+idA+"?", "cannot be undone", `name="confirm" value="yes"`,
			"Yes, cancel my request", "No, keep my request", `href="/requests/`+idA+`/status?token=`)
		assertUnchanged(t, a, before)
		if got := statusOf(t, a, idA); got != models.StatusPendingVerification {
			t.Fatalf("asking to cancel changed the status to %q", got)
		}
		if ans := postForm(t, a, "/requests/"+idA+"/cancel", url.Values{"token": {tokB}}, nil); ans.Status != http.StatusNotFound {
			t.Errorf("confirmation page with another request's token: %d, want 404", ans.Status)
		}

		ans := cancel(tokA)
		if ans.Status != http.StatusSeeOther || !strings.HasPrefix(ans.Header.Get("Location"), "/requests/"+idA+"/status?token=") {
			t.Fatalf("cancel: %d to %q, want 303 to the status page", ans.Status, ans.Header.Get("Location"))
		}
		if got := statusOf(t, a, idA); got != models.StatusCancelled {
			t.Fatalf("status %q, want cancelled", got)
		}
		if got := statusOf(t, a, idB); got != models.StatusPendingVerification {
			t.Errorf("the other request became %q", got)
		}
		page := get(t, a, ans.Header.Get("Location"))
		contains(t, page.Body, "Your request is cancelled.", "<dt>Closed</dt>")
		lacks(t, page.Body, "Cancel my request", "We will answer by")
		a.Mail.WaitFor(t, "ana@example.com", "Your privacy request "+idA+" is cancelled")

		before = snapshot(t, a)
		if again := cancel(tokA); again.Status != http.StatusConflict {
			t.Errorf("cancel again: %d, want 409", again.Status)
		}
		assertUnchanged(t, a, before)
	})
}

const neutralResend = "If we have a request waiting for confirmation from that address, we have emailed a new link."
