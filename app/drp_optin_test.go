package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// TestDRPOptInEndsTheOptOutOnlyOnceThePersonConfirms files an agent's
// sale:opt-in (OSIRAA-signed, both spellings) after an opt-out of sale:
// the opt-out stays until the person confirms by email (CCPA §7028's
// second step), then the suppression is gone, the person gets the opt-in
// email, the audit trail an opt_in event, the agent a fulfilled callback
// and the report counts it. A business that trusts agents' verification
// carries it out at once. Nobody can file an opt-in on the web API.
func TestDRPOptInEndsTheOptOutOnlyOnceThePersonConfirms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		ctx := context.Background()
		sink := newCallbackSink(t, 0)
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, sink.host())
		cr.pair(t, a)
		email := demo.JaneDoeNetEmail
		file := func(action string) (int, map[string]any) {
			return drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), action, email, func(m map[string]any) {
				m["status_callback"] = sink.srv.URL + "/update_status"
			})))
		}
		suppressed := func() bool {
			t.Helper()
			ok, err := a.Svc.IsSuppressed(ctx, email, models.ScopeSaleSharing)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if code, st := file("sale:opt-out"); code != http.StatusOK || st["status"] != "fulfilled" || !suppressed() {
			t.Fatalf("opt-out: %d %v", code, st)
		}

		code, st := file("sale:opt-in")
		if code != http.StatusOK || st["status"] != "in_progress" || st["reason"] != "need_user_verification" || st["user_verification_url"] == nil {
			t.Fatalf("opt-in: %d %v, want it waiting for the person", code, st)
		}
		id := st["request_id"].(string)
		if r := reloadRequest(t, a, id); r.Type != models.TypeOptIn || r.Channel != models.ChannelAgent || r.Scopes != models.ScopeSaleSharing {
			t.Fatalf("opt-in filed as %s/%s/%q", r.Type, r.Channel, r.Scopes)
		}
		if !suppressed() {
			t.Fatal("the opt-out ended before the person confirmed the opt-in")
		}
		msg := a.Mail.WaitFor(t, email, "Confirm your privacy request")
		if !strings.Contains(msg.Text, "end your opt-out of the sale and sharing") || !strings.Contains(msg.Text, "your opt-out ends at once") {
			t.Fatalf("the confirmation email does not say what confirming does:\n%s", msg.Text)
		}
		link := msg.Link("verify?token=")
		if _, _, err := a.Svc.Verify(ctx, link[strings.Index(link, "token=")+6:], ""); err != nil {
			t.Fatal(err)
		}
		if r := reloadRequest(t, a, id); r.Status != models.StatusCompleted || r.ClosedAt == nil || suppressed() {
			t.Fatalf("after confirmation: %s, suppressed %v; want completed and no opt-out", r.Status, suppressed())
		}
		done := a.Mail.WaitFor(t, email, "Your opt-out of sale and sharing has ended")
		if !strings.Contains(done.Text, "taken this email address off our do-not-sell-or-share list") {
			t.Fatalf("opt-in email:\n%s", done.Text)
		}
		if n := a.Mail.Count(email, "We have your privacy request"); n != 0 {
			t.Fatalf("%d receipts for an opt-in carried out at once", n)
		}
		var ev models.AuditEvent
		if err := a.DB.Where("request_id = ? AND action = ?", id, "opt_in").Take(&ev).Error; err != nil ||
			ev.FromStatus != models.StatusVerified || ev.ToStatus != models.StatusCompleted || !strings.Contains(ev.Details, `"removed":1`) {
			t.Fatalf("opt_in audit event: %+v %v", ev, err)
		}
		if cb := sink.wait(t, id, "fulfilled"); cb["results_url"] != nil {
			t.Fatalf("fulfilled opt-in callback: %v (no results to fetch)", cb)
		}
		if code, st := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+id, cr.token, nil); code != http.StatusOK || st["status"] != "fulfilled" {
			t.Fatalf("status: %d %v", code, st)
		}

		// The underscore spelling, confirmed again: nothing left to remove.
		code, st = file("sale:opt_in")
		if code != http.StatusOK || st["reason"] != "need_user_verification" {
			t.Fatalf("opt_in: %d %v", code, st)
		}
		second := st["request_id"].(string)
		link = a.Mail.WaitForNth(t, email, "Confirm your privacy request", 2).Link("verify?token=")
		if _, _, err := a.Svc.Verify(ctx, link[strings.Index(link, "token=")+6:], ""); err != nil {
			t.Fatal(err)
		}
		if again := a.Mail.WaitForNth(t, email, "Your opt-out of sale and sharing has ended", 2); !strings.Contains(again.Text, "was not on our do-not-sell-or-share list") {
			t.Fatalf("second opt-in email:\n%s", again.Text)
		}
		sink.wait(t, second, "fulfilled")

		rep, err := a.Svc.ComplianceReport(ctx, a.Clock.Now().Add(-time.Hour), a.Clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Lines {
			if l.Type == models.TypeOptIn && (l.Received != 2 || l.Completed != 2) {
				t.Fatalf("report line %+v, want 2 opt-ins received and completed", l)
			}
		}
		if rep.Lines[len(rep.Lines)-1].Type != models.TypeOptIn {
			t.Fatalf("report lines %+v have no opt-in line", rep.Lines)
		}

		body, _ := json.Marshal(map[string]any{"type": "opt_in", "email": "web@example.com", "name": "Web", "scopes": []string{"sale_sharing"}})
		resp, err := http.Post(a.URL()+"/api/v1/requests", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || out.Error.Fields["type"] == "" {
			t.Fatalf("opt_in on the web API: %d %+v, want refused on type", resp.StatusCode, out)
		}
	})
}

// TestDRPOptInIsCarriedOutAtOnceWhenTheBusinessTrustsTheAgent files an
// opt-in whose email the agent verified with a business that trusts that:
// the answer is already fulfilled, no confirmation email is sent, and the
// opt-out is gone.
func TestDRPOptInIsCarriedOutAtOnceWhenTheBusinessTrustsTheAgent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DRP: workflows.DRPSettings{BusinessID: testBusinessID, TrustAgentVerification: true}})
		ctx := context.Background()
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, "agent.example")
		cr.pair(t, a)
		email := "reconsent@example.com"
		for _, action := range []string{"sale:opt_out", "sale:opt_in"} {
			code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), action, email, nil)))
			if code != http.StatusOK || st["status"] != "fulfilled" {
				t.Fatalf("%s: %d %v, want fulfilled at once", action, code, st)
			}
		}
		if ok, err := a.Svc.IsSuppressed(ctx, email, models.ScopeSaleSharing); err != nil || ok {
			t.Fatalf("still opted out after a trusted opt-in: %v %v", ok, err)
		}
		a.Mail.WaitFor(t, email, "Your opt-out of sale and sharing has ended")
		if n := a.Mail.Count(email, "Confirm your privacy request"); n != 0 {
			t.Fatalf("%d confirmation emails for a trusted agent's verified email", n)
		}
	})
}
