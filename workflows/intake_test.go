package workflows_test

import (
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// clockStart is where every test clock starts: a Monday morning.
var clockStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const supportAddr = "privacy-team@kactoily.example"

func newApp(t *testing.T, dialect string) *testapp.App {
	t.Helper()
	return testapp.New(t, dialect, testapp.Options{Start: clockStart, Support: supportAddr})
}

func accessFor(email string) workflows.NewRequest {
	return workflows.NewRequest{Type: models.TypeAccess, Email: email, Name: "Alex Morgan", Channel: "api"}
}

func submit(t *testing.T, a *testapp.App, in workflows.NewRequest) *models.Request {
	t.Helper()
	r, err := a.Svc.Submit(t.Context(), in)
	if err != nil {
		t.Fatalf("submit %s for %s: %v", in.Type, in.Email, err)
	}
	return r
}

func reload(t *testing.T, a *testapp.App, id string) *models.Request {
	t.Helper()
	r, err := models.FindRequest(t.Context(), a.DB.DB, id)
	if err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return r
}

// tokenIn returns the token query parameter of the first link containing substr.
func tokenIn(t *testing.T, m *smtptest.Message, substr string) string {
	t.Helper()
	link := m.Link(substr)
	if link == "" {
		t.Fatalf("email %q has no link containing %q:\n%s", m.Subject, substr, m.Text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("link %s has no token", link)
	}
	return tok
}

// verifyMail waits for a request's verification email and returns its
// verify and status tokens.
func verifyMail(t *testing.T, a *testapp.App, r *models.Request) (verifyTok, statusTok string) {
	t.Helper()
	m := a.Mail.WaitFor(t, r.Email, "Confirm your privacy request "+r.ID)
	return tokenIn(t, m, "/requests/verify?token="), tokenIn(t, m, "/requests/"+r.ID+"/status?token=")
}

// wantErr fails unless err carries code and, when msg is set, a message containing it.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s", code)
	}
	if got := models.ErrorCode(err); got != code {
		t.Fatalf("err = %v (code %s), want code %s", err, got, code)
	}
	if !strings.Contains(models.ErrorMessage(err), msg) {
		t.Fatalf("message %q does not contain %q", models.ErrorMessage(err), msg)
	}
}

// waitCount waits until exactly n messages to the address match subject.
func waitCount(t *testing.T, a *testapp.App, to, subject string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for a.Mail.Count(to, subject) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := a.Mail.Count(to, subject); got != n {
		t.Fatalf("%d emails to %s about %q, want %d", got, to, subject, n)
	}
}

// TestNewRequestValidateNamesTheBadField proves each kind of bad input is
// refused as invalid with a message under exactly the field at fault.
func TestNewRequestValidateNamesTheBadField(t *testing.T) {
	long := func(n int, s string) string { return strings.Repeat(s, n) }
	cases := []struct {
		name   string
		change func(*workflows.NewRequest)
		field  string
	}{
		{"no type", func(in *workflows.NewRequest) { in.Type = "" }, "type"},
		{"unknown type", func(in *workflows.NewRequest) { in.Type = "refund" }, "type"},
		{"no email", func(in *workflows.NewRequest) { in.Email = "   " }, "email"},
		{"email without @", func(in *workflows.NewRequest) { in.Email = "alex.example.com" }, "email"},
		{"email without a dot in the domain", func(in *workflows.NewRequest) { in.Email = "alex@localhost" }, "email"},
		{"email with a display name", func(in *workflows.NewRequest) { in.Email = "Alex <alex@example.com>" }, "email"},
		{"two emails", func(in *workflows.NewRequest) { in.Email = "a@example.com,b@example.com" }, "email"},
		{"email too long", func(in *workflows.NewRequest) { in.Email = long(250, "a") + "@example.com" }, "email"},
		{"no name", func(in *workflows.NewRequest) { in.Name = " \t " }, "name"},
		{"name of 201 characters", func(in *workflows.NewRequest) { in.Name = long(201, "é") }, "name"},
		{"name with a control character", func(in *workflows.NewRequest) { in.Name = "Alex\x00Morgan" }, "name"},
		{"name on two lines", func(in *workflows.NewRequest) { in.Name = "Alex\nBcc: x@example.com" }, "name"},
		{"name not UTF-8", func(in *workflows.NewRequest) { in.Name = "Alex \xff" }, "name"},
		{"details over 4000 characters", func(in *workflows.NewRequest) { in.Details = long(4001, "x") }, "details"},
		{"details with an escape code", func(in *workflows.NewRequest) { in.Details = "see \x1b[31m" }, "details"},
		{"scopes on an access request", func(in *workflows.NewRequest) { in.Scopes = []string{models.ScopeAnalytics} }, "scopes"},
		{"unknown opt-out scope", func(in *workflows.NewRequest) {
			in.Type, in.Scopes = models.TypeOptOut, []string{models.ScopeAnalytics, "everything"}
		}, "scopes"},
		{"opt-out with no scope", func(in *workflows.NewRequest) { in.Type, in.Scopes = models.TypeOptOut, nil }, "scopes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := workflows.NewRequest{Type: models.TypeAccess, Email: "alex@example.com", Name: "Alex", Details: "Orders."}
			tc.change(&in)
			err := in.Validate()
			wantErr(t, err, models.EInvalid, "")
			fields := models.ErrorFields(err)
			if len(fields) != 1 || fields[tc.field] == "" {
				t.Fatalf("fields = %q, want a message for %q only", fields, tc.field)
			}
		})
	}
}

// TestNewRequestValidateNormalizes proves accepted input is stored in one
// canonical form: trimmed lower-case email, scopes once each in display
// order, and a Global Privacy Control signal added as a sale/sharing opt-out.
func TestNewRequestValidateNormalizes(t *testing.T) {
	cases := []struct {
		name       string
		in         workflows.NewRequest
		wantEmail  string
		wantScopes []string
	}{
		{"email trimmed and lower-cased",
			workflows.NewRequest{Type: models.TypeAccess, Email: "  Alex.Morgan@Example.COM \n", Name: " Alex "},
			"alex.morgan@example.com", nil},
		{"name of 200 two-byte characters is accepted",
			workflows.NewRequest{Type: models.TypeDeletion, Email: "a@example.com", Name: strings.Repeat("é", 200)},
			"a@example.com", nil},
		{"scopes deduplicated and ordered",
			workflows.NewRequest{Type: models.TypeOptOut, Email: "a@example.com", Name: "A",
				Scopes: []string{"analytics", " marketing_email", "analytics", "sale_sharing "}},
			"a@example.com", []string{"marketing_email", "sale_sharing", "analytics"}},
		{"GPC adds sale/sharing to an opt-out",
			workflows.NewRequest{Type: models.TypeOptOut, Email: "a@example.com", Name: "A", GPC: true, Scopes: []string{"analytics"}},
			"a@example.com", []string{"sale_sharing", "analytics"}},
		{"GPC alone is a complete opt-out",
			workflows.NewRequest{Type: models.TypeOptOut, Email: "a@example.com", Name: "A", GPC: true},
			"a@example.com", []string{"sale_sharing"}},
		{"GPC does not give an access request scopes",
			workflows.NewRequest{Type: models.TypeAccess, Email: "a@example.com", Name: "A", GPC: true},
			"a@example.com", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if err := in.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if in.Email != tc.wantEmail || !slices.Equal(in.Scopes, tc.wantScopes) {
				t.Fatalf("email %q scopes %q, want %q %q", in.Email, in.Scopes, tc.wantEmail, tc.wantScopes)
			}
			if in.Name != strings.TrimSpace(tc.in.Name) || in.Channel == "" {
				t.Fatalf("name %q channel %q", in.Name, in.Channel)
			}
		})
	}
}

// TestSubmitAccessAwaitsVerificationAndMailsLinks proves an access request
// waits for email confirmation for 24 hours, is audited, and that the
// verification email really arrives with a verify link and a status link
// whose tokens are stored nowhere in clear.
func TestSubmitAccessAwaitsVerificationAndMailsLinks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		in := accessFor("  Alex.Morgan@Example.com ")
		in.Details = "Orders since 2024"
		r := submit(t, a, in)

		got := reload(t, a, r.ID)
		if got.Status != models.StatusPendingVerification || got.Email != "alex.morgan@example.com" || got.Channel != "api" {
			t.Fatalf("request = %+v", got)
		}
		if got.ExpiresAt == nil || !got.ExpiresAt.Equal(clockStart.Add(24*time.Hour)) {
			t.Fatalf("expires_at = %v, want %v", got.ExpiresAt, clockStart.Add(24*time.Hour))
		}
		if got.VerifiedAt != nil || got.DueAt != nil {
			t.Fatalf("unverified request has verified_at %v due_at %v", got.VerifiedAt, got.DueAt)
		}
		events, err := models.AuditEventsFor(t.Context(), a.DB.DB, r.ID)
		if err != nil || len(events) != 1 || events[0].ToStatus != models.StatusPendingVerification ||
			events[0].FromStatus != "" || events[0].Actor != "customer" || events[0].Action != "submit" {
			t.Fatalf("audit events = %+v, %v", events, err)
		}

		m := a.Mail.WaitFor(t, "alex.morgan@example.com", "Confirm your privacy request "+r.ID)
		verifyTok, statusTok := verifyMail(t, a, r)
		if !strings.HasPrefix(m.Link("/requests/verify?token="), a.URL()) || m.MessageID == "" {
			t.Fatalf("verify link %q is not on %s (Message-ID %q)", m.Link("/verify"), a.URL(), m.MessageID)
		}
		if !strings.Contains(m.HTML, "/requests/verify?token="+verifyTok) {
			t.Fatalf("HTML part lacks the verify link:\n%s", m.HTML)
		}
		if _, err := a.Svc.Status(t.Context(), r.ID, statusTok); err != nil {
			t.Fatalf("status link from the email does not work: %v", err)
		}

		for _, tok := range []string{verifyTok, statusTok} {
			if n := rowsContaining(t, a, "request_tokens", workflows.HashToken(tok)); n != 1 {
				t.Fatalf("hash of a mailed token found in %d request_tokens rows, want 1", n)
			}
			for _, table := range []string{"request_tokens", "emails", "river_job", "requests", "audit_events"} {
				if n := rowsContaining(t, a, table, tok); n != 0 {
					t.Errorf("token from the email found in clear in %d rows of %s", n, table)
				}
			}
		}
	})
}

// rowsContaining counts the rows of a table in which any column's value
// contains s, reading every column of every row.
func rowsContaining(t *testing.T, a *testapp.App, table, s string) int {
	t.Helper()
	rows, err := a.DB.SQL.QueryContext(t.Context(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	n, total := 0, 0
	for rows.Next() {
		total++
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if strings.Contains(string(v), s) {
				n++
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatalf("table %s is empty: searching it proves nothing", table)
	}
	return n
}

// TestSubmitLimitsRequestsPerEmailAndTypePerHour proves a sixth request of
// one type for one address within an hour is refused with a retry time,
// while other types are not affected and the limit lifts after the hour.
// Opt-outs show it (repeated access and deletion requests waiting for
// confirmation are merged instead: TestRepeatedFilingIsMergedIntoTheWaitingRequest).
func TestSubmitLimitsRequestsPerEmailAndTypePerHour(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		email := "busy@example.com"
		opt := func(e string) workflows.NewRequest { return optOutOf(e, models.ScopeAnalytics) }
		for range 5 {
			submit(t, a, opt(email))
			a.Clock.Advance(time.Minute)
		}
		_, err := a.Svc.Submit(t.Context(), opt(strings.ToUpper(email)))
		wantErr(t, err, models.ERateLimited, "")
		if ra := models.ErrorRetryAfter(err); ra <= 0 || ra > time.Hour {
			t.Fatalf("RetryAfter = %v, want within (0, 1h]", ra)
		}
		if n := a.Count(t, &models.Request{}); n != 5 {
			t.Fatalf("%d requests stored, want 5: the refused one must leave nothing", n)
		}

		if r := submit(t, a, accessFor(email)); r.Status != models.StatusPendingVerification {
			t.Fatalf("access status = %s", r.Status)
		}

		// The window slides: once the first request is over an hour old, one more fits.
		a.Clock.Advance(55*time.Minute + time.Second)
		submit(t, a, opt(email))
		_, err = a.Svc.Submit(t.Context(), opt(email))
		wantErr(t, err, models.ERateLimited, "")

		a.Clock.Advance(time.Hour)
		if r := submit(t, a, opt(email)); r.Status != models.StatusCompleted {
			t.Fatalf("status after the hour = %s", r.Status)
		}
	})
}

func optOutOf(email string, scopes ...string) workflows.NewRequest {
	return workflows.NewRequest{Type: models.TypeOptOut, Email: email, Name: "Alex Morgan", Scopes: scopes, Channel: "web"}
}
