package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// TestDRPTrustedVerificationDenialAndExpiryMapToDRPStates shows that a
// business trusting agents' verification files an agent-verified email as
// confirmed (no confirmation email), that a staff denial reaches the agent
// as denied with DRP's reason code (and an extension as a new
// expected_by with its reason), and that an unconfirmed request that
// expires is denied for insufficient verification.
func TestDRPTrustedVerificationDenialAndExpiryMapToDRPStates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Sources: []store.Source{}, DRP: workflows.DRPSettings{
			BusinessID: testBusinessID, TrustAgentVerification: true, InternalCallbacks: true}})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		sink := newCallbackSink(t, 0)
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, sink.host())
		cr.pair(t, a)
		file := func(email string, verified bool) string {
			t.Helper()
			code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), "deletion", email, func(m map[string]any) {
				m["email_verified"] = verified
				m["status_callback"] = sink.srv.URL + "/cb"
			})))
			if code != http.StatusOK {
				t.Fatalf("exercise: %d %v", code, st)
			}
			return st["request_id"].(string)
		}

		trusted := file(demo.AlexMorganEmail, true)
		if r := reloadRequest(t, a, trusted); r.Status != models.StatusVerified || r.IdentityConfirmed == "" {
			t.Fatalf("trusted agent verification: request is %s (%q), want verified", r.Status, r.IdentityConfirmed)
		}
		if n := a.Mail.Count(demo.AlexMorganEmail, "Confirm your privacy request"); n != 0 {
			t.Fatalf("%d confirmation emails for an agent-verified email the business trusts", n)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin := staffUser(t, a, "admin@kactoily.example")
		if _, err := a.Svc.Extend(ctx, admin, trusted, 20, "Many records to search."); err != nil {
			t.Fatal(err)
		}
		want := workflows.FormatDRPTime(*reloadRequest(t, a, trusted).DueAt)
		if st := sink.wait(t, trusted, "in_progress"); st["processing_details"] != "Extended: Many records to search." || st["expected_by"] != want {
			t.Fatalf("extension callback: %v, want expected_by %s", st, want)
		}
		if _, err := a.Svc.Deny(ctx, staffUser(t, a, "admin@kactoily.example"), trusted, workflows.DenialReasons[0]); err != nil {
			t.Fatal(err)
		}
		if st := sink.wait(t, trusted, "denied"); st["reason"] != "insuf_verification" || st["processing_details"] != workflows.DenialReasons[0] {
			t.Fatalf("denial callback: %v", st)
		}

		unverified := file(demo.JaneDoeNetEmail, false)
		a.Mail.WaitFor(t, demo.JaneDoeNetEmail, "Confirm your privacy request")
		a.Clock.Advance(workflows.VerifyLinkLife + time.Minute)
		if _, err := a.Svc.ExpireUnverified(ctx); err != nil {
			t.Fatal(err)
		}
		if st := sink.wait(t, unverified, "denied"); st["reason"] != "insuf_verification" {
			t.Fatalf("expiry callback: %v", st)
		}
		if code, st := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+unverified, cr.token, nil); code != http.StatusOK || st["status"] != "denied" || st["expected_by"] != nil {
			t.Fatalf("status after expiry: %d %v", code, st)
		}
	})
}
