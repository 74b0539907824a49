package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// drpTime is the timestamp form strict ISO 8601 parsers accept: a 6-digit
// fraction and +00:00, never a trailing Z.
var drpTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`)

func drpApp(t *testing.T, dialect string) *testapp.App {
	a := testapp.New(t, dialect, testapp.Options{DRP: workflows.DRPSettings{BusinessID: testBusinessID, InternalCallbacks: true}})
	if _, err := demo.Seed(context.Background(), a.DB.DB, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDRPAccessJourneyEndsFulfilledAtTheAgentsCallback drives the whole
// protocol as OSIRAA does: pair-wise setup and its check, an access
// request (replayed once: still one request), the person's email
// confirmation, staff approval, the usual download email, and a fulfilled
// status at the agent's callback server after it first failed (a retry);
// then status ownership, a revoked deletion and an opt-out done at once.
func TestDRPAccessJourneyEndsFulfilledAtTheAgentsCallback(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		ctx := context.Background()
		sink := newCallbackSink(t, 1)
		cr, other := newDRPAgent(t, "CR_AA_DRP_ID_001", 0), newDRPAgent(t, "OTHER_AGENT", 1)
		addAgent(t, a, cr, sink.host())
		addAgent(t, a, other, "other.example")
		cr.pair(t, a)
		other.pair(t, a)
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/agent/"+cr.id, cr.token, nil); code != http.StatusOK {
			t.Fatalf("agent information: %d", code)
		}
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/agent/"+cr.id, other.token, nil); code != http.StatusForbidden {
			t.Fatalf("agent information with another agent's token: %d, want 403", code)
		}

		email := demo.AlexMorganEmail
		body := cr.sign(cr.exercise(t, a.Clock.Now(), "access", email, func(m map[string]any) {
			m["status_callback"] = sink.srv.URL + "/update_status"
		}))
		code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, body)
		if code != http.StatusOK || st["status"] != "in_progress" || st["reason"] != "need_user_verification" ||
			st["agent_request_id"] != "osiraa-access" || st["user_verification_url"] != a.Svc.Settings.BaseURL+"/requests/resend" || st["results_url"] != nil {
			t.Fatalf("exercise: %d %v", code, st)
		}
		verifyURL := st["user_verification_url"].(string)
		for _, f := range []string{"received_at", "expected_by"} {
			if s, _ := st[f].(string); !drpTime.MatchString(s) {
				t.Fatalf("%s = %q, want ISO 8601 with 6 fraction digits and +00:00", f, st[f])
			}
		}
		id := st["request_id"].(string)
		if code, again := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, body); code != http.StatusOK || again["request_id"] != id {
			t.Fatalf("replay: %d %v, want the same request %s", code, again, id)
		}
		var n int64
		a.DB.Model(&models.Request{}).Where("channel = ?", models.ChannelAgent).Count(&n)
		if n != 1 {
			t.Fatalf("%d agent requests after a replay, want 1", n)
		}

		msg := a.Mail.WaitFor(t, email, "Confirm your privacy request")
		link := msg.Link("verify?token=")
		if _, _, err := a.Svc.Verify(ctx, link[strings.Index(link, "token=")+6:], a.IdentityProof(t, email)); err != nil {
			t.Fatal(err)
		}
		sink.wait(t, id, "in_progress")
		waitStatus(t, a, id, models.StatusAwaitingApproval)
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		if _, err := a.Svc.Approve(ctx, staffUser(t, a, "admin@kactoily.example"), id); err != nil {
			t.Fatal(err)
		}
		a.Mail.WaitFor(t, email, "Your data from Kactoily is ready")
		done := sink.wait(t, id, "fulfilled")
		if done["agent_request_id"] != "osiraa-access" {
			t.Fatalf("callback lost agent_request_id: %v", done)
		}
		if done["results_url"] != a.Svc.Settings.BaseURL+"/requests/lookup" {
			t.Fatalf("fulfilled callback: results_url %v, want the lookup page", done["results_url"])
		}
		if code, st := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+id, cr.token, nil); code != http.StatusOK || st["status"] != "fulfilled" || st["results_url"] != done["results_url"] {
			t.Fatalf("status: %d %v", code, st)
		}
		for _, page := range []string{done["results_url"].(string), verifyURL} {
			if resp, err := http.Get(page); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %v %v, want the customer's page", page, resp, err)
			} else {
				resp.Body.Close()
			}
		}
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+id, other.token, nil); code != http.StatusForbidden {
			t.Fatalf("status by another agent: %d, want 403", code)
		}
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/nope", cr.token, nil); code != http.StatusNotFound {
			t.Fatalf("status of an unknown request: %d, want 404", code)
		}

		del := cr.sign(cr.exercise(t, a.Clock.Now(), "deletion", demo.JaneDoeNetEmail, func(m map[string]any) {
			m["status_callback"] = sink.srv.URL + "/update_status"
			m["regime"] = nil // voluntary
		}))
		_, st = drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, del)
		delID, _ := st["request_id"].(string)
		revoke := cr.sign(pyJSON(t, []kv{{"reason", "I don't want my account deleted."}}))
		if code, _ := drpDo(t, a, http.MethodDelete, "/v1/data-rights-request/"+delID, other.token, other.sign(pyJSON(t, []kv{{"reason", "x"}}))); code != http.StatusForbidden {
			t.Fatalf("revoke by another agent: %d, want 403", code)
		}
		if code, st := drpDo(t, a, http.MethodDelete, "/v1/data-rights-request/"+delID, cr.token, revoke); code != http.StatusOK || st["status"] != "revoked" {
			t.Fatalf("revoke: %d %v", code, st)
		}
		sink.wait(t, delID, "revoked")
		if code, _ := drpDo(t, a, http.MethodDelete, "/v1/data-rights-request/"+delID, cr.token, revoke); code != http.StatusConflict {
			t.Fatalf("revoke twice: %d, want 409", code)
		}

		out := cr.sign(cr.exercise(t, a.Clock.Now(), "sale:opt_out", demo.JaneDoeNetEmail, nil))
		if code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, out); code != http.StatusOK || st["status"] != "fulfilled" {
			t.Fatalf("opt-out (underscore spelling): %d %v", code, st)
		}
		if ok, err := a.Svc.IsSuppressed(ctx, demo.JaneDoeNetEmail, models.ScopeSaleSharing); err != nil || !ok {
			t.Fatalf("opt-out of sale not recorded: %v %v", ok, err)
		}
	})
}

// TestDRPSameMessageSentAtOnceFilesOneRequest sends one signed message
// five times concurrently: every answer names the same request, and only
// one exists.
func TestDRPSameMessageSentAtOnceFilesOneRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, "agent.example")
		cr.pair(t, a)
		body := cr.sign(cr.exercise(t, a.Clock.Now(), "deletion", demo.AlexMorganEmail, nil))
		ids := make(chan string, 5)
		for range 5 {
			go func() {
				req, _ := http.NewRequest(http.MethodPost, a.URL()+"/v1/data-rights-request", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+cr.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					ids <- "error: " + err.Error()
					return
				}
				defer resp.Body.Close()
				var st map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&st)
				id, _ := st["request_id"].(string)
				ids <- fmt.Sprintf("%d %s", resp.StatusCode, id)
			}()
		}
		first := <-ids
		for range 4 {
			if got := <-ids; got != first || !strings.HasPrefix(got, "200 ") {
				t.Fatalf("answers differ: %q and %q", first, got)
			}
		}
		if n := a.Count(t, &models.AgentRequest{}); n != 1 {
			t.Fatalf("%d agent requests, want 1", n)
		}
	})
}
