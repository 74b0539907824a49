package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
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
