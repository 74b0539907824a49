package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// TestDRPTokenIsStoredOnlyAsItsHashAndADeadCallbackBlocksNothing shows
// that pair-wise setup keeps only the SHA-256 of the bearer token, and
// that an agent whose callback server is gone still has its opt-out done
// at once and its status answered, while the callback job is retried.
func TestDRPTokenIsStoredOnlyAsItsHashAndADeadCallbackBlocksNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL
		dead.Close() // nothing listens there any more
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, strings.TrimPrefix(deadURL, "http://"))
		cr.pair(t, a)

		var toks []models.AgentToken
		if err := a.DB.Find(&toks).Error; err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(cr.token))
		if len(toks) != 1 || toks[0].Hash != hex.EncodeToString(sum[:]) || toks[0].AgentID != cr.id || strings.Contains(toks[0].Hash, cr.token) {
			t.Fatalf("stored tokens %+v, want only the SHA-256 of the token issued", toks)
		}

		// The deletion: the person is asked to confirm; the opt-out: done at once.
		for action, want := range map[string]string{"deletion": "in_progress", "sale:opt-out": "fulfilled"} {
			start := time.Now()
			code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), action, demo.AlexMorganEmail, func(m map[string]any) {
				m["status_callback"] = deadURL + "/update_status"
			})))
			if code != http.StatusOK || st["status"] != want || time.Since(start) > 5*time.Second {
				t.Fatalf("%s with a dead callback: %d %v after %s", action, code, st, time.Since(start))
			}
			if code, again := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+st["request_id"].(string), cr.token, nil); code != http.StatusOK || again["status"] != want {
				t.Fatalf("status with a dead callback: %d %v", code, again)
			}
		}
		// The revoke moves the deletion and queues a callback, which fails and waits for its retry.
		var del models.AgentRequest
		if err := a.DB.Where("exercise = ?", "deletion").Take(&del).Error; err != nil {
			t.Fatal(err)
		}
		if code, st := drpDo(t, a, http.MethodDelete, "/v1/data-rights-request/"+del.RequestID, cr.token, cr.sign(pyJSON(t, []kv{{"reason", "changed my mind"}}))); code != http.StatusOK || st["status"] != "revoked" {
			t.Fatalf("revoke with a dead callback: %d %v", code, st)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int64
			if err := a.DB.Table("river_job").Where("kind = ? AND state = ? AND attempt >= 1", "send_agent_status_callback", "retryable").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the callback to a dead server was not scheduled for a retry")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r := reloadRequest(t, a, del.RequestID); r.Status != models.StatusCancelled {
			t.Fatalf("revoked request is %s", r.Status)
		}
	})
}

// TestDRPStaffDenialsAndCancellationsMapToDRPReasons shows each canned
// denial reason reaching the agent as its DRP reason code, a denial in
// staff's own words as "other" with those words, and a cancellation by
// staff (not by the agent) as denied/other rather than revoked.
func TestDRPStaffDenialsAndCancellationsMapToDRPReasons(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Sources: []store.Source{}, DRP: workflows.DRPSettings{
			BusinessID: testBusinessID, TrustAgentVerification: true}})
		ctx := context.Background()
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, "agent.example")
		cr.pair(t, a)
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin := staffUser(t, a, "admin@kactoily.example")
		n := 0
		file := func() string {
			t.Helper()
			n++
			code, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), "access", fmt.Sprintf("person%d@example.com", n), nil)))
			if code != http.StatusOK || st["status"] != "in_progress" {
				t.Fatalf("exercise: %d %v", code, st)
			}
			return st["request_id"].(string)
		}
		status := func(id string) map[string]any {
			t.Helper()
			code, st := drpDo(t, a, http.MethodGet, "/v1/data-rights-request/"+id, cr.token, nil)
			if code != http.StatusOK {
				t.Fatalf("status: %d %v", code, st)
			}
			return st
		}
		for i, code := range []string{"insuf_verification", "no_match", "claim_not_covered", "too_many_requests"} {
			id := file()
			if _, err := a.Svc.Deny(ctx, admin, id, workflows.DenialReasons[i]); err != nil {
				t.Fatal(err)
			}
			if st := status(id); st["status"] != "denied" || st["reason"] != code || st["processing_details"] != workflows.DenialReasons[i] {
				t.Errorf("denied for %q: %v, want reason %s", workflows.DenialReasons[i], st, code)
			}
		}
		own := file()
		if _, err := a.Svc.Deny(ctx, admin, own, "We hold no data from before 2020."); err != nil {
			t.Fatal(err)
		}
		if st := status(own); st["status"] != "denied" || st["reason"] != "other" || st["processing_details"] != "We hold no data from before 2020." {
			t.Errorf("denied in staff's own words: %v, want denied/other", st)
		}
		cancelled := file()
		if _, err := a.Svc.StaffCancel(ctx, admin, cancelled, "The person asked us by phone to stop."); err != nil {
			t.Fatal(err)
		}
		if st := status(cancelled); st["status"] != "denied" || st["reason"] != "other" || st["processing_details"] != "The person asked us by phone to stop." {
			t.Errorf("cancelled by staff: %v, want denied/other", st)
		}
	})
}
