package workflows_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

func countWhere(t *testing.T, a *testapp.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPurgeRetentionDeletesKeptRecordsOnlyAfterTheirPeriod erases a
// customer, then shows the rows kept for the accounting period or a running
// warranty stay until that period ends and are deleted after it, while
// nobody else's records are touched.
func TestPurgeRetentionDeletesKeptRecordsOnlyAfterTheirPeriod(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, src := range store.ErasureOrder(store.DemoDatasets().Sources()) {
			if _, err := src.Erase(ctx, a.DB.DB, store.Subject{Email: demo.AlexMorganEmail}, a.Clock.Now()); err != nil {
				t.Fatalf("erase %s: %v", src.Name(), err)
			}
		}
		keptOrders := countWhere(t, a, &store.Order{}, "anonymized_at IS NOT NULL")
		keptWarranties := countWhere(t, a, &store.ExtendedWarranty{}, "anonymized_at IS NOT NULL")
		if keptOrders == 0 || keptWarranties == 0 {
			t.Fatalf("erasure kept %d orders and %d warranties; the test needs some of each", keptOrders, keptWarranties)
		}
		others := countWhere(t, a, &store.Order{}, "anonymized_at IS NULL")
		otherWarranties := countWhere(t, a, &store.ExtendedWarranty{}, "anonymized_at IS NULL")

		// Still within every period: nothing goes.
		p, err := a.Svc.PurgeRetention(ctx)
		if err != nil || p["order"] != 0 || p["extended_warranty"] != 0 {
			t.Fatalf("purge inside the period: %+v, %v", p, err)
		}

		// Eight years on, the accounting period and every warranty are over.
		a.Clock.Advance(8 * 365 * 24 * time.Hour)
		p, err = a.Svc.PurgeRetention(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int64(p["order"]) != keptOrders || int64(p["extended_warranty"]) != keptWarranties || p["product_registration"] == 0 {
			t.Fatalf("purge after the period: %+v, want %d orders and %d warranties and some registrations", p, keptOrders, keptWarranties)
		}
		if n := countWhere(t, a, &store.Order{}, "anonymized_at IS NULL"); n != others {
			t.Fatalf("other customers' orders: %d, was %d", n, others)
		}
		if n := countWhere(t, a, &store.ExtendedWarranty{}, "anonymized_at IS NULL"); n != otherWarranties {
			t.Fatalf("other customers' warranties: %d, was %d", n, otherWarranties)
		}
		if p, err := a.Svc.PurgeRetention(ctx); err != nil || len(p) != 0 {
			t.Fatalf("second purge: %+v, %v", p, err)
		}
	})
}

// closedRequests files, as staff and customers would, one request of each
// way a request closes (opt-out done, denied with a written and with a
// standard reason, cancelled by staff, expired unconfirmed) and one still
// open, each naming its requester in every free-text field it has.
func closedRequests(t *testing.T, a *testapp.App, admin *models.StaffUser) (closed map[string]string, open *models.Request) {
	t.Helper()
	ctx := t.Context()
	file := func(email, name string) *models.Request {
		t.Helper()
		r, err := a.Svc.FileOnBehalf(ctx, admin, workflows.NewRequest{Type: models.TypeAccess, Email: email, Name: name,
			Details: name + " asks about order Zebra-Quill"}, name+" confirmed on a call-back")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Svc.AddNote(ctx, admin, r.ID, name+" rang about it"); err != nil {
			t.Fatal(err)
		}
		return r
	}
	closed = map[string]string{}
	opt := submit(t, a, workflows.NewRequest{Type: models.TypeOptOut, Email: "olive.optout@example.com", Name: "Olive Optout",
		Scopes: []string{models.ScopeAnalytics}, Details: "Olive Optout wants no tracking"})
	closed[opt.ID] = "Olive Optout"
	den := file("dana.denied@example.com", "Dana Denied")
	if _, err := a.Svc.Deny(ctx, admin, den.ID, "Dana Denied is not the account holder"); err != nil {
		t.Fatal(err)
	}
	closed[den.ID] = "Dana Denied"
	denial := a.Mail.WaitFor(t, "dana.denied@example.com", "About your privacy request "+den.ID)
	if _, err := a.Svc.FileAppeal(ctx, den.ID, tokenIn(t, denial, "/status?token="), "Dana Denied is the account holder"); err != nil {
		t.Fatal(err)
	}
	// While the appeal is open the denial is not over for the requester; a
	// second admin upholds it, with an answer that names her again.
	a.AddStaff(t, "second.admin@kactoily.example", "Second Admin", models.RoleAdmin)
	second, err := models.FindStaffByEmail(ctx, a.DB.DB, "second.admin@kactoily.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Svc.DecideAppeal(ctx, second, den.ID, workflows.DecisionUphold, "Dana Denied could not show the account is hers"); err != nil {
		t.Fatal(err)
	}
	std := file("sid.standard@example.com", "Sid Standard")
	if _, err := a.Svc.Deny(ctx, admin, std.ID, workflows.DenialReasons[0]); err != nil {
		t.Fatal(err)
	}
	closed[std.ID] = "Sid Standard"
	can := file("carl.cancel@example.com", "Carl Cancel")
	if _, err := a.Svc.StaffCancel(ctx, admin, can.ID, "Carl Cancel phoned to withdraw"); err != nil {
		t.Fatal(err)
	}
	closed[can.ID] = "Carl Cancel"
	exp := submit(t, a, workflows.NewRequest{Type: models.TypeAccess, Email: "erin.expired@example.com", Name: "Erin Expired", Channel: "web"})
	closed[exp.ID] = "Erin Expired"
	open = file("otto.open@example.com", "Otto Open")
	a.Clock.Advance(workflows.VerifyLinkLife + time.Hour)
	if n, err := a.Svc.ExpireUnverified(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d, %v", n, err)
	}
	return closed, open
}

// TestPurgeRequestRecordsRemovesPersonalDataOnlyAfterRetention closes
// requests every way they close, lets 23 months pass (nothing is purged),
// then 24 months and a few days: the daily job removes every trace of the
// requesters from requests, notes, outbox emails, tokens and the audit
// trail, keeps a standard denial reason, leaves the open request alone,
// and the compliance report's figures and `audit verify` are unchanged.
func TestPurgeRequestRecordsRemovesPersonalDataOnlyAfterRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Start: clockStart, Support: supportAddr, DBSessions: true, Sources: []store.Source{}})
		ctx := t.Context()
		pw := a.AddStaff(t, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "ada@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		closed, open := closedRequests(t, a, admin)
		// Every email sent first, so no send job mints a token after the purge.
		for deadline := time.Now().Add(20 * time.Second); countWhere(t, a, &models.Email{}, "status = ?", models.EmailQueued) > 0; {
			if time.Now().After(deadline) {
				t.Fatal("outbox still not sent after 20s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		eventsBefore := a.Count(t, &models.AuditEvent{})

		a.Clock.Advance(23 * 30 * 24 * time.Hour)
		// The report of a period that has ended: one still running counts
		// overdue requests up to now, which moves with the clock, not the purge.
		from, to := clockStart.AddDate(0, 0, -1), clockStart.AddDate(0, 1, 0)
		before, err := a.Svc.ComplianceReport(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := a.Svc.PurgeRequestRecords(ctx); err != nil || n != 0 {
			t.Fatalf("purge inside the retention period: %d, %v", n, err)
		}
		a.Clock.Advance(60 * 24 * time.Hour) // 24 months and some days since they closed
		c := jobInserter(t, a)
		res, err := c.Insert(ctx, workflows.PurgeRequestRecordsArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCompleted {
			t.Fatalf("purge job %s: %v", j.State, j.Errors)
		}

		for id, name := range closed {
			r := reload(t, a, id)
			if r.PurgedAt == nil || r.Email != "" || r.Name != "" || r.Details != "" || r.CancelReason != "" || r.ExtensionReason != "" {
				t.Errorf("%s (%s) after purge: %+v", id, name, r)
			}
			if strings.Contains(r.IdentityConfirmed, name) {
				t.Errorf("%s keeps the identity note %q", id, r.IdentityConfirmed)
			}
			if n := countWhere(t, a, &models.RequestToken{}, "request_id = ?", id); n != 0 {
				t.Errorf("%s keeps %d tokens", id, n)
			}
		}
		for id := range closed {
			if r := reload(t, a, id); r.Status == models.StatusDenied && closed[id] == "Sid Standard" && r.DenialReason != workflows.DenialReasons[0] {
				t.Errorf("standard denial reason not kept: %q", r.DenialReason)
			}
		}
		for _, name := range []string{"Olive", "Dana", "Sid Standard", "Carl", "Erin", "optout@", "denied@", "standard@", "cancel@", "expired@", "Zebra-Quill"} {
			for _, table := range []string{"requests", "request_notes", "emails", "audit_events", "appeals"} {
				want := 0
				if name == "Zebra-Quill" && table == "requests" {
					want = 1 // the open request's details
				}
				if n := rowsContaining(t, a, table, name); n != want {
					t.Errorf("%d rows of %s still hold %q, want %d", n, table, name, want)
				}
			}
		}
		if r := reload(t, a, open.ID); r.PurgedAt != nil || r.Email != "otto.open@example.com" || r.Name != "Otto Open" {
			t.Errorf("the open request was purged: %+v", r)
		}
		if n := rowsContaining(t, a, "request_notes", "Otto Open rang"); n != 1 {
			t.Errorf("the open request's note is gone (%d rows)", n)
		}

		after, err := a.Svc.ComplianceReport(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("report changed by the purge:\nbefore %+v\nafter  %+v", before, after)
		}
		n, brk, err := models.VerifyAuditChain(ctx, a.DB.DB)
		if err != nil || brk != nil || n != eventsBefore+int64(len(closed)) {
			t.Fatalf("audit chain after purge: %d events, %+v, %v; want %d intact", n, brk, err, eventsBefore+int64(len(closed)))
		}

		// The staff page says so and shows no trace of the requester.
		b := a.NewClient()
		a.Login(t, b, "ada@kactoily.example", pw)
		for id, name := range closed {
			resp, err := b.Get(a.URL() + "/staff/requests/" + id)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `id="purged"`) || strings.Contains(string(body), name) {
				t.Errorf("staff page of purged %s: %d, purged notice %v, still names %q: %v", id, resp.StatusCode,
					strings.Contains(string(body), `id="purged"`), name, strings.Contains(string(body), name))
			}
		}

		if n, err := a.Svc.PurgeRequestRecords(ctx); err != nil || n != 0 {
			t.Fatalf("a second purge: %d, %v; want nothing left to do", n, err)
		}
	})
}

// TestParseRetentionReadsMonthsYearsDaysAndHours proves "24m" means months
// (not Go's minutes), the other units, the default and the refusals.
func TestParseRetentionReadsMonthsYearsDaysAndHours(t *testing.T) {
	closedAt := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in      string
		want    time.Time // the start of the period ending at closedAt
		wantErr bool
	}{
		{"", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC), false},
		{"24m", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC), false},
		{" 2y ", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC), false},
		{"730d", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC), false},
		{"48h", time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC), false},
		{"1h", time.Time{}, true},
		{"0m", time.Time{}, true},
		{"24", time.Time{}, true},
		{"24x", time.Time{}, true},
		{"-3m", time.Time{}, true},
		{"m", time.Time{}, true},
		{"forever", time.Time{}, true},
	}
	for _, tc := range cases {
		r, err := workflows.ParseRetention(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseRetention(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && !r.Before(closedAt).Equal(tc.want) {
			t.Errorf("ParseRetention(%q).Before = %v, want %v", tc.in, r.Before(closedAt), tc.want)
		}
	}
}

// TestPurgeWaitsForAnOpenAppealAndTakesTheAddressesLookupEmails proves a
// denial under appeal keeps its requester's data past the retention period
// (the decision must still reach them), and that once it is purged the
// lookup-by-email answers sent to that address are emptied with it.
func TestPurgeWaitsForAnOpenAppealAndTakesTheAddressesLookupEmails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Start: clockStart, Support: supportAddr, Sources: []store.Source{}})
		ctx := t.Context()
		a.AddStaff(t, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		a.AddStaff(t, "bo@kactoily.example", "Bo Admin", models.RoleAdmin)
		ada, err := models.FindStaffByEmail(ctx, a.DB.DB, "ada@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		bo, err := models.FindStaffByEmail(ctx, a.DB.DB, "bo@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		const addr = "pia.pending@example.com"
		r, err := a.Svc.FileOnBehalf(ctx, ada, workflows.NewRequest{Type: models.TypeAccess, Email: addr, Name: "Pia Pending"}, "Called back on the number on file.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Deny(ctx, ada, r.ID, "Pia Pending could not be identified"); err != nil {
			t.Fatal(err)
		}
		denial := a.Mail.WaitFor(t, addr, "About your privacy request "+r.ID)
		if _, err := a.Svc.FileAppeal(ctx, r.ID, tokenIn(t, denial, "/status?token="), "It is my account"); err != nil {
			t.Fatal(err)
		}
		if err := a.Svc.LookupRequests(ctx, addr, ""); err != nil {
			t.Fatal(err)
		}
		a.Mail.WaitFor(t, addr, "Your privacy requests")

		a.Clock.Advance(25 * 30 * 24 * time.Hour)
		if _, err := a.Svc.PurgeRequestRecords(ctx); err != nil {
			t.Fatal(err)
		}
		if got := reload(t, a, r.ID); got.PurgedAt != nil || got.Email != addr {
			t.Fatalf("a request with an open appeal was purged: %+v", got)
		}
		if _, err := a.Svc.DecideAppeal(ctx, bo, r.ID, workflows.DecisionUphold, "We still cannot identify you."); err != nil {
			t.Fatal(err)
		}
		a.Clock.Advance(25 * 30 * 24 * time.Hour)
		if n, err := a.Svc.PurgeRequestRecords(ctx); err != nil || n != 1 {
			t.Fatalf("purge after the decision: %d, %v", n, err)
		}
		if n := countWhere(t, a, &models.Email{}, "to_addr = ?", addr); n != 0 {
			t.Fatalf("%d emails still name the purged address (lookup answers included)", n)
		}
	})
}
