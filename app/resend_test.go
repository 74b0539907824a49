package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
)

func TestResendAnswersAlikeForKnownAndUnknownAddresses(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		id := fileAccess(t, a, "ana@example.com", "Ana")
		verifyEmail(t, a, "ana@example.com", id)

		known := postForm(t, a, "/requests/resend", url.Values{"email": {"Ana@Example.com"}}, nil)
		if known.Status != http.StatusOK {
			t.Fatalf("resend: %d\n%s", known.Status, known.Body)
		}
		contains(t, known.Body, neutralResend)
		waitMailCount(t, a, "ana@example.com", "Confirm your privacy request "+id, 2)
		// The new link confirms the request.
		verifyRequest(t, a, verifyEmail(t, a, "ana@example.com", id).Link("/requests/verify?token="))

		before := snapshot(t, a)
		unknown := postForm(t, a, "/requests/resend", url.Values{"email": {"nobody@example.com"}}, nil)
		if unknown.Status != known.Status || unknown.Body != known.Body {
			t.Errorf("unknown address answered differently: %d\n%s", unknown.Status, unknown.Body)
		}
		assertUnchanged(t, a, before)

		bad := postForm(t, a, "/requests/resend", url.Values{"email": {"not-an-email"}}, nil)
		if bad.Status != http.StatusUnprocessableEntity {
			t.Errorf("invalid email: %d, want 422", bad.Status)
		}
		contains(t, bad.Body, "Enter a valid email address", `value="not-an-email"`)
		assertUnchanged(t, a, before)
	})
}

func TestResendPerAddressLimitRevealsNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: app.Limits{IntakePerIP: 10, ResendPerIP: 100, ResendPerMail: 2, Window: time.Hour}})
		id := fileAccess(t, a, "ana@example.com", "Ana")
		verifyEmail(t, a, "ana@example.com", id)

		answers := map[string][]answer{}
		for _, email := range []string{"ana@example.com", "nobody@example.com"} {
			for i := 0; i < 3; i++ {
				if i == 2 {
					waitJobsIdle(t, a, "resend_links") // the accepted resends' jobs are done
				}
				before := snapshot(t, a)
				ans := postForm(t, a, "/requests/resend", url.Values{"email": {email}}, nil)
				ans.Body = strings.ReplaceAll(ans.Body, email, "EMAIL")
				answers[email] = append(answers[email], ans)
				if i == 2 {
					assertUnchanged(t, a, before)
				}
			}
		}
		for i, want := range []int{200, 200, 429} {
			k, u := answers["ana@example.com"][i], answers["nobody@example.com"][i]
			if k.Status != want || u.Status != want {
				t.Errorf("resend %d: known %d, unknown %d, want %d", i+1, k.Status, u.Status, want)
			}
			if k.Body != u.Body || (k.Header.Get("Retry-After") == "") != (u.Header.Get("Retry-After") == "") {
				t.Errorf("resend %d: known and unknown addresses answered differently:\n%s\n---\n%s", i+1, k.Body, u.Body)
			}
			if want == 429 {
				assertRetryAfter(t, k, time.Hour)
				assertRetryAfter(t, u, time.Hour)
				contains(t, k.Body, "sent several links to this address")
			}
		}
		waitMailCount(t, a, "ana@example.com", "Confirm your privacy request "+id, 3)
	})
}
