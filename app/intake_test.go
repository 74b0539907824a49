package app_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// roomy limits keep the per-IP limiter out of tests about something else.
var roomy = testapp.Options{Limits: app.Limits{IntakePerIP: 1000, ResendPerIP: 1000, ResendPerMail: 1000, Window: time.Hour}}

func TestAPICreateAcceptsAccessAndOptOut(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		cases := []struct {
			name, body, wantStatus string
		}{
			{"access waits for email confirmation", `{"type":"access","email":"ana@example.com","name":"Ana"}`, models.StatusPendingVerification},
			{"opt-out takes effect at once", `{"type":"opt_out","email":"ana@example.com","name":"Ana","scopes":["marketing_email"]}`, models.StatusCompleted},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, a)
				ans := postJSON(t, a, tc.body, nil)
				var keys map[string]any
				_ = json.Unmarshal([]byte(ans.Body), &keys)
				id, status := created(t, ans)
				if status != tc.wantStatus || len(keys) != 2 {
					t.Errorf("answer %s: want exactly id and status %q", ans.Body, tc.wantStatus)
				}
				if got := statusOf(t, a, id); got != tc.wantStatus {
					t.Errorf("stored status %q, want %q", got, tc.wantStatus)
				}
				if n := a.Count(t, &models.Request{}); n != before.Requests+1 {
					t.Errorf("requests: %d, want %d", n, before.Requests+1)
				}
			})
		}
	})
}

func TestAPICreateRefusesBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name, contentType, body string
		status                  int
		code                    string
		fields                  []string // exact keys of error.fields
		message                 string   // substring of error.message
	}{
		{"missing type, email and name", "", `{}`, 422, "invalid", []string{"email", "name", "type"}, ""},
		{"invalid email", "", `{"type":"access","email":"not-an-email","name":"Ana"}`, 422, "invalid", []string{"email"}, ""},
		{"unknown type export", "", `{"type":"export","email":"ana@example.com","name":"Ana"}`, 422, "invalid", []string{"type"}, ""},
		{"scopes on an access request", "", `{"type":"access","email":"ana@example.com","name":"Ana","scopes":["analytics"]}`, 422, "invalid", []string{"scopes"}, ""},
		{"opt-out without scopes", "", `{"type":"opt_out","email":"ana@example.com","name":"Ana"}`, 422, "invalid", []string{"scopes"}, ""},
		{"name of 201 characters", "", `{"type":"access","email":"ana@example.com","name":"` + long(201) + `"}`, 422, "invalid", []string{"name"}, ""},
		{"details of 4001 characters", "", `{"type":"access","email":"ana@example.com","name":"Ana","details":"` + long(4001) + `"}`, 422, "invalid", []string{"details"}, ""},
		{"control character in name", "", `{"type":"access","email":"ana@example.com","name":"An\u0007a"}`, 422, "invalid", []string{"name"}, ""},
		{"email is a number", "", `{"type":"access","email":5,"name":"Ana"}`, 400, "bad_request", nil, `"email"`},
		{"scopes is a string", "", `{"type":"opt_out","email":"ana@example.com","name":"Ana","scopes":"marketing_email"}`, 400, "bad_request", nil, `"scopes"`},
		{"body is an array", "", `[]`, 400, "bad_request", nil, "JSON object"},
		{"body is a string", "", `"x"`, 400, "bad_request", nil, "JSON object"},
		{"malformed JSON", "", `{"type":"access",`, 400, "bad_request", nil, "not valid JSON"},
		{"empty body", "", ``, 400, "bad_request", nil, "empty"},
		{"unknown field emial", "", `{"type":"access","emial":"ana@example.com","name":"Ana"}`, 400, "bad_request", nil, "emial"},
		{"two objects concatenated", "", `{"type":"access","email":"ana@example.com","name":"Ana"}{"type":"access"}`, 400, "bad_request", nil, "single JSON object"},
		{"body over 64 KiB", "", `{"type":"access","email":"ana@example.com","name":"Ana","details":"` + long(70<<10) + `"}`, 400, "bad_request", nil, "too large"},
		{"text/plain content type", "text/plain", `{"type":"access","email":"ana@example.com","name":"Ana"}`, 415, "unsupported_media_type", nil, "application/json"},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, a)
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				ans := send(t, a, http.MethodPost, "/api/v1/requests", ct, tc.body, nil)
				if ans.Status != tc.status {
					t.Errorf("status %d, want %d\n%s", ans.Status, tc.status, ans.Body)
				}
				e := decodeAPIError(t, ans)
				if e.Error.Code != tc.code {
					t.Errorf("code %q, want %q", e.Error.Code, tc.code)
				}
				if !strings.Contains(e.Error.Message, tc.message) {
					t.Errorf("message %q does not mention %q", e.Error.Message, tc.message)
				}
				var got []string
				for k, msg := range e.Error.Fields {
					got = append(got, k)
					if msg == "" {
						t.Errorf("field %s has no message", k)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.fields) {
					t.Errorf("fields %v, want %v", got, tc.fields)
				}
				assertUnchanged(t, a, before)
			})
		}
		if n := len(a.Mail.Messages()); n != 0 {
			t.Errorf("bad input sent %d emails", n)
		}
	})
}

func TestFormSubmitRedirectsToReceivedPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		ans := postForm(t, a, "/requests/new", url.Values{
			"type": {"access"}, "name": {"Ana Lima"}, "email": {"ana@example.com"}, "details": {"Orders since 2024"},
		}, nil)
		if ans.Status != http.StatusSeeOther || ans.Header.Get("Location") != "/requests/received?type=access" {
			t.Fatalf("got %d to %q, want 303 to /requests/received?type=access", ans.Status, ans.Header.Get("Location"))
		}
		if n := a.Count(t, &models.Request{}); n != 1 {
			t.Errorf("requests: %d, want 1", n)
		}
		a.Mail.WaitFor(t, "ana@example.com", "Confirm your privacy request")
	})
}

func TestFormInvalidInputRerendersWithTypedValuesEscaped(t *testing.T) {
	t.Parallel()
	name := `Ana "<b>Lima</b>" & Co`
	details := `<i>keep</i> "this" & that`
	cases := []struct {
		name   string
		form   url.Values
		keep   []string // typed values the page must show, HTML-escaped
		errors []string // field messages the page must show
	}{
		{"bad email and no type", url.Values{"name": {name}, "email": {"ana at example"}, "details": {details}},
			[]string{name, "ana at example", details},
			[]string{"Enter a valid email address, like name@example.com.", "Choose what you would like us to do"}},
		{"no name and details too long", url.Values{"type": {"access"}, "email": {"ana@example.com"}, "details": {strings.Repeat("x", 4001)}},
			[]string{"ana@example.com"},
			[]string{"Enter your name.", "Details must be 4,000 characters or fewer."}},
		{"opt-out without scopes", url.Values{"type": {"opt_out"}, "name": {name}, "email": {"ana@example.com"}},
			[]string{name, "ana@example.com"},
			[]string{"Choose at least one thing to opt out of."}},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, a)
				ans := postForm(t, a, "/requests/new", tc.form, nil)
				if ans.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%s", ans.Status, ans.Body)
				}
				for _, v := range tc.keep {
					contains(t, ans.Body, html.EscapeString(v))
				}
				contains(t, ans.Body, tc.errors...)
				lacks(t, ans.Body, "<b>Lima</b>", "<i>keep</i>")
				assertUnchanged(t, a, before)
			})
		}
	})
}

func TestFormHoneypotLooksAcceptedButCreatesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		before := snapshot(t, a)
		ans := postForm(t, a, "/requests/new", url.Values{
			"type": {"access"}, "name": {"Bot"}, "email": {"bot@example.com"}, "website": {"http://spam.example"},
		}, nil)
		if ans.Status != http.StatusSeeOther || ans.Header.Get("Location") != "/requests/received?type=access" {
			t.Fatalf("got %d to %q, want the success redirect", ans.Status, ans.Header.Get("Location"))
		}
		assertUnchanged(t, a, before)
		// A real request filed afterwards is mailed; the bot's never is.
		id := fileAccess(t, a, "person@example.com", "Person")
		verifyEmail(t, a, "person@example.com", id)
		if n := a.Mail.Count("bot@example.com", ""); n != 0 {
			t.Errorf("honeypot submission sent %d emails", n)
		}
	})
}

func TestIntakeAnswersCustomerAndStrangerAlike(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		if _, err := demo.Seed(context.Background(), a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		type result struct {
			APIStatus, FormStatus int
			Keys                  []string
			Status, Location      string
		}
		file := func(email string) (result, string) {
			ans := postJSON(t, a, `{"type":"access","email":"`+email+`","name":"Alex Morgan"}`, nil)
			var m map[string]string
			if err := json.Unmarshal([]byte(ans.Body), &m); err != nil {
				t.Fatalf("answer %q: %v", ans.Body, err)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			form := postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"Alex Morgan"}, "email": {email}}, nil)
			return result{ans.Status, form.Status, keys, m["status"], form.Header.Get("Location")}, m["id"]
		}
		customer, customerID := file(demo.AlexMorganEmail)
		stranger, strangerID := file("nobody-here@example.com")
		if customer.APIStatus != http.StatusAccepted || customer.FormStatus != http.StatusSeeOther {
			t.Fatalf("customer's request not accepted: %+v", customer)
		}
		if !slices.Equal(customer.Keys, stranger.Keys) || customer.APIStatus != stranger.APIStatus ||
			customer.Status != stranger.Status || customer.FormStatus != stranger.FormStatus || customer.Location != stranger.Location {
			t.Errorf("answers differ:\ncustomer %+v\nstranger %+v", customer, stranger)
		}
		if customerID == strangerID {
			t.Errorf("both requests got id %s", customerID)
		}
	})
}

func TestGPCSignalOptsOutOfSaleAndSharing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body   string
		gpc          bool
		wantScopes   string // stored scopes
		wantSuppSale bool   // sale_sharing suppression recorded for the email
	}{
		{"opt-out with GPC adds sale_sharing", `{"type":"opt_out","email":"a@example.com","name":"A","scopes":["marketing_email"]}`, true, "marketing_email sale_sharing", true},
		{"opt-out without GPC keeps the chosen scope", `{"type":"opt_out","email":"b@example.com","name":"B","scopes":["marketing_email"]}`, false, "marketing_email", false},
		{"access with GPC records a sale_sharing opt-out", `{"type":"access","email":"c@example.com","name":"C"}`, true, "", true},
		{"access without GPC records none", `{"type":"access","email":"d@example.com","name":"D"}`, false, "", false},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := http.Header{}
				if tc.gpc {
					h.Set("Sec-GPC", "1")
				}
				id, _ := created(t, postJSON(t, a, tc.body, h))
				r, err := models.FindRequest(context.Background(), a.DB.DB, id)
				if err != nil {
					t.Fatal(err)
				}
				if r.Scopes != tc.wantScopes || r.GPC != tc.gpc {
					t.Errorf("stored scopes %q gpc %v, want %q %v", r.Scopes, r.GPC, tc.wantScopes, tc.gpc)
				}
				sup, err := a.Svc.IsSuppressed(context.Background(), r.Email, models.ScopeSaleSharing)
				if err != nil {
					t.Fatal(err)
				}
				if sup != tc.wantSuppSale {
					t.Errorf("sale_sharing suppressed = %v, want %v", sup, tc.wantSuppSale)
				}
			})
		}
	})
}

func TestIntakePerIPLimitAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: app.Limits{IntakePerIP: 3, ResendPerIP: 3, ResendPerMail: 2, Window: time.Hour}})
		for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if ans := postJSON(t, a, `{"type":"access","email":"`+email+`","name":"A"}`, nil); ans.Status != http.StatusAccepted {
				t.Fatalf("request %d within the limit: %d %s", i+1, ans.Status, ans.Body)
			}
		}
		before := snapshot(t, a)

		api := postJSON(t, a, `{"type":"access","email":"d@example.com","name":"D"}`, nil)
		if api.Status != http.StatusTooManyRequests {
			t.Fatalf("API over the limit: %d, want 429\n%s", api.Status, api.Body)
		}
		assertRetryAfter(t, api, time.Hour)
		if e := decodeAPIError(t, api); e.Error.Code != "rate_limited" {
			t.Errorf("API error code %q, want rate_limited", e.Error.Code)
		}

		form := postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"D"}, "email": {"d@example.com"}}, nil)
		if form.Status != http.StatusTooManyRequests || !strings.HasPrefix(form.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("form over the limit: %d %s, want a 429 HTML page", form.Status, form.Header.Get("Content-Type"))
		}
		assertRetryAfter(t, form, time.Hour)
		contains(t, form.Body, "Please slow down", "Too many requests")
		assertUnchanged(t, a, before)
	})
}

// TestIntakePerEmailLimitAnswers429OnSixthRequest: opt-outs, which are
// completed at once, are limited to five an hour per address (a repeated
// access or deletion request is merged into the waiting one instead, see
// TestOwnerAlwaysGetsAWorkingLinkWhateverOthersFile).
func TestIntakePerEmailLimitAnswers429OnSixthRequest(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		body := `{"type":"opt_out","email":"same@example.com","name":"Sam","scopes":["analytics"]}`
		for i := 1; i <= 5; i++ {
			if ans := postJSON(t, a, body, nil); ans.Status != http.StatusAccepted {
				t.Fatalf("request %d for the address: %d, want 202\n%s", i, ans.Status, ans.Body)
			}
		}
		before := snapshot(t, a)
		sixth := postJSON(t, a, body, nil)
		if sixth.Status != http.StatusTooManyRequests {
			t.Fatalf("6th request: %d, want 429\n%s", sixth.Status, sixth.Body)
		}
		assertRetryAfter(t, sixth, time.Hour)
		if e := decodeAPIError(t, sixth); e.Error.Code != "rate_limited" {
			t.Errorf("code %q, want rate_limited", e.Error.Code)
		}
		form := postForm(t, a, "/requests/new", url.Values{"type": {"opt_out"}, "name": {"Sam"}, "email": {"Same@Example.com"}, "scopes": {"analytics"}}, nil)
		if form.Status != http.StatusTooManyRequests {
			t.Errorf("form 7th request (address in other case): %d, want 429", form.Status)
		}
		assertRetryAfter(t, form, time.Hour)
		assertUnchanged(t, a, before)

		created(t, postJSON(t, a, `{"type":"access","email":"other@example.com","name":"Other"}`, nil))
	})
}
