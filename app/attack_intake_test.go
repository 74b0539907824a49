package app_test

import (
	"context"
	"fmt"
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
	"github.com/kactoily/privacydesk/store"
)

func TestOversizedAndDeeplyNestedBodiesAreRefused(t *testing.T) {
	t.Parallel()
	nest := func(n int, open, close string) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	cases := []struct {
		name, path, contentType, body string
		status                        int
	}{
		{"10,000 nested arrays", "/api/v1/requests", "application/json", nest(10000, "[", "]"), 400},
		{"10,001 nested arrays, past the decoder's depth", "/api/v1/requests", "application/json", nest(10001, "[", "]"), 400},
		{"10,000 nested arrays in details", "/api/v1/requests", "application/json",
			`{"type":"access","email":"a@example.com","name":"A","details":` + nest(10000, "[", "]") + `}`, 400},
		{"5,000 nested objects", "/api/v1/requests", "application/json", strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000), 400},
		{"an object then a stray bracket", "/api/v1/requests", "application/json", `{"type":"access","email":"a@example.com","name":"A"}]`, 400},
		{"64 KiB of white space after the object", "/api/v1/requests", "application/json",
			`{"type":"access","email":"a@example.com","name":"A"}` + strings.Repeat(" ", 64<<10), 400},
		{"1 MiB string", "/api/v1/requests", "application/json", `{"type":"access","email":"a@example.com","name":"` + strings.Repeat("a", 1<<20) + `"}`, 400},
		{"1 MiB form", "/requests/new", "application/x-www-form-urlencoded", "type=access&email=a%40example.com&name=" + strings.Repeat("a", 1<<20), 400},
		{"10,000 form fields, past net/url's limit", "/requests/new", "application/x-www-form-urlencoded", strings.Repeat("x=1&", 10000), 400},
		{"5,000 unknown form fields", "/requests/new", "application/x-www-form-urlencoded", strings.Repeat("x=1&", 5000), 422},
		{"nested form keys", "/requests/new", "application/x-www-form-urlencoded", "scopes[a][b][c]=1&" + strings.Repeat("name[", 1000) + "=1", 422},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true, Limits: unlimited})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, a)
				ans := send(t, a, http.MethodPost, tc.path, tc.contentType, tc.body, nil)
				if ans.Status != tc.status {
					t.Errorf("status %d, want %d\n%.300s", ans.Status, tc.status, ans.Body)
				}
				if strings.HasPrefix(tc.path, "/api/") {
					decodeAPIError(t, ans)
				}
				assertUnchanged(t, a, before)
			})
		}
		// Five thousand copies of one opt-out choice are one choice.
		body := `{"type":"opt_out","email":"a@example.com","name":"A","scopes":[` +
			strings.TrimSuffix(strings.Repeat(`"analytics",`, 5000), ",") + `]}`
		id, _ := created(t, postJSON(t, a, body, nil))
		if r := reloadRequest(t, a, id); r.Scopes != models.ScopeAnalytics {
			t.Errorf("stored scopes %q", r.Scopes)
		}
		if ans := get(t, a, "/healthz"); ans.Status != http.StatusOK {
			t.Fatalf("server unwell afterwards: %d", ans.Status)
		}
	})
}

// median returns the middle of the durations.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// alike reports whether two medians are within a generous bound of each
// other: at most twice as long, or at most 20 ms apart.
func alike(x, y time.Duration) bool {
	lo, hi := min(x, y), max(x, y)
	return hi <= 2*lo || hi-lo <= 20*time.Millisecond
}

// TestIntakeAndResendTakeAlikeForKnownAndUnknownEmails times 30 filings and
// 30 resends for addresses that are known (store customers; addresses with
// a request waiting) and unknown, interleaved, and compares the medians and
// the answers. It is a coarse check, on SQLite only, meant to catch an
// order-of-magnitude difference (a store lookup or an email sent inline for
// known addresses only), not a subtle side channel; the bound is generous
// so a busy machine does not make it flaky.
func TestIntakeAndResendTakeAlikeForKnownAndUnknownEmails(t *testing.T) {
	const n = 30
	a := testapp.New(t, models.DialectSQLite, testapp.Options{NoJobs: true, Limits: unlimited})
	ctx := context.Background()
	if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	var customers []string
	if err := a.DB.Model(&store.Customer{}).Order("id").Limit(n).Pluck("email", &customers).Error; err != nil || len(customers) < n {
		t.Fatalf("store customers: %d %v", len(customers), err)
	}
	timed := func(f func() answer) (time.Duration, answer) {
		start := time.Now()
		ans := f()
		return time.Since(start), ans
	}
	normal := func(ans answer, email string) string {
		return fmt.Sprint(ans.Status, ans.Header.Get("Location"), strings.ReplaceAll(ans.Body, email, "EMAIL"))
	}
	var known, unknown []time.Duration
	for i := range n {
		stranger := fmt.Sprintf("stranger%d@example.net", i)
		d1, k := timed(func() answer {
			return postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"Alex"}, "email": {customers[i]}}, nil)
		})
		d2, u := timed(func() answer {
			return postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"Alex"}, "email": {stranger}}, nil)
		})
		if normal(k, customers[i]) != normal(u, stranger) || k.Status != http.StatusSeeOther {
			t.Fatalf("filing answered differently: %d %q vs %d %q", k.Status, k.Header.Get("Location"), u.Status, u.Header.Get("Location"))
		}
		known, unknown = append(known, d1), append(unknown, d2)
	}
	if mk, mu := median(known), median(unknown); !alike(mk, mu) {
		t.Errorf("filing: median %s for customers, %s for strangers", mk, mu)
	} else {
		t.Logf("filing: median %s for customers, %s for strangers", mk, mu)
	}

	known, unknown = nil, nil
	for i := range n {
		nobody := fmt.Sprintf("nobody%d@example.net", i)
		d1, k := timed(func() answer { return postForm(t, a, "/requests/resend", url.Values{"email": {customers[i]}}, nil) })
		d2, u := timed(func() answer { return postForm(t, a, "/requests/resend", url.Values{"email": {nobody}}, nil) })
		if normal(k, customers[i]) != normal(u, nobody) || k.Status != http.StatusOK {
			t.Fatalf("resend answered differently:\n%s\n---\n%s", k.Body, u.Body)
		}
		known, unknown = append(known, d1), append(unknown, d2)
	}
	if mk, mu := median(known), median(unknown); !alike(mk, mu) {
		t.Errorf("resend: median %s with a request waiting, %s without", mk, mu)
	} else {
		t.Logf("resend: median %s with a request waiting, %s without", mk, mu)
	}
}

// TestBurstForSomeoneElsesEmailDoesNotBlockTheirs: a stranger files the
// same request in someone's name again and again, past the per-address
// limit (5 an hour per type): every filing after the first is merged into
// the waiting request, so none is refused and none counts, and the
// owner's own filing is accepted too and mails them a working link. Even
// when the stranger also spends the per-address resend limit, the links
// already mailed to the owner still work.
func TestBurstForSomeoneElsesEmailDoesNotBlockTheirs(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Sources: []store.Source{},
			Limits: app.Limits{IntakePerIP: 1000, ResendPerIP: 1000, ResendPerMail: 3, Window: time.Hour}})
		const owner = "owner@example.com"
		burst := `{"type":"access","email":"` + owner + `","name":"Not The Owner"}`
		id, _ := created(t, postJSON(t, a, burst, nil))
		for i := range 7 {
			if again, _ := created(t, postJSON(t, a, burst, nil)); again != id {
				t.Fatalf("filing %d: request %s, want it merged into %s", i+2, again, id)
			}
		}
		waitMailCount(t, a, owner, "Confirm your privacy request "+id, 3) // at most three links an hour

		// The stranger spends the resend limit too.
		for range 3 {
			wantStatus(t, postForm(t, a, "/requests/resend", url.Values{"email": {owner}}, nil), http.StatusOK, "")
		}
		wantStatus(t, postForm(t, a, "/requests/resend", url.Values{"email": {owner}}, nil), http.StatusTooManyRequests, "")

		own := postForm(t, a, "/requests/new", url.Values{"type": {"access"}, "name": {"The Owner"}, "email": {owner}}, nil)
		wantStatus(t, own, http.StatusSeeOther, "")
		created(t, postJSON(t, a, `{"type":"deletion","email":"`+owner+`","name":"The Owner"}`, nil))
		if n := a.Count(t, &models.Request{}); n != 2 {
			t.Fatalf("%d requests, want the merged access request and the deletion", n)
		}
		first := a.Mail.WaitForNth(t, owner, "Confirm your privacy request "+id, 1)
		loc := verifyRequest(t, a, first.Link("/requests/verify?token="))
		if !strings.HasPrefix(loc, "/requests/"+id+"/status") || statusOf(t, a, id) != models.StatusVerified {
			t.Fatalf("owner's verification of %s: redirected to %q, status %s", id, loc, statusOf(t, a, id))
		}
	})
}
