package app_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestDRPRejectsEveryBadMessageAsTheSpecSays sends each kind of bad
// message and checks the status, the fatal flag and that no request was
// filed; pair-wise setup refusals are 403 without a body.
func TestDRPRejectsEveryBadMessageAsTheSpecSays(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		cr, other := newDRPAgent(t, "CR_AA_DRP_ID_001", 0), newDRPAgent(t, "OTHER_AGENT", 1)
		addAgent(t, a, cr, "agent.example")
		addAgent(t, a, other, "other.example")
		cr.pair(t, a)
		other.pair(t, a)
		now := a.Clock.Now()
		good := func(change func(map[string]any)) []byte {
			return cr.exercise(t, now, "access", demo.AlexMorganEmail, change)
		}
		tampered := cr.sign(good(nil))
		raw, _ := base64.StdEncoding.DecodeString(string(tampered))
		raw[len(raw)-3] ^= 1
		tampered = []byte(base64.StdEncoding.EncodeToString(raw))

		for _, c := range []struct {
			name  string
			token string
			body  []byte
			code  int
			fatal bool
		}{
			{"bad base64", cr.token, []byte("not base64 at all!"), http.StatusBadRequest, false},
			{"too short", cr.token, []byte(base64.StdEncoding.EncodeToString([]byte("short"))), http.StatusBadRequest, false},
			{"no token", "", cr.sign(good(nil)), http.StatusUnauthorized, false},
			{"unknown token", "made-up", cr.sign(good(nil)), http.StatusUnauthorized, false},
			{"tampered body", cr.token, tampered, http.StatusForbidden, false},
			{"wrong key", cr.token, other.sign(good(nil)), http.StatusForbidden, false},
			{"token of another agent", other.token, cr.sign(good(nil)), http.StatusForbidden, false},
			{"agent-id of another agent", other.token, other.sign(good(nil)), http.StatusForbidden, false},
			{"wrong business id", cr.token, cr.sign(good(func(m map[string]any) { m["business-id"] = "SOMEONE_ELSE" })), http.StatusForbidden, true},
			{"issued in the future", cr.token, cr.sign(good(func(m map[string]any) { m["issued-at"] = isoformat(now.Add(10 * time.Minute)) })), http.StatusBadRequest, false},
			{"expired", cr.token, cr.sign(good(func(m map[string]any) { m["expires-at"] = isoformat(now.Add(-time.Second)) })), http.StatusBadRequest, true},
			{"bad timestamp", cr.token, cr.sign(good(func(m map[string]any) { m["issued-at"] = "yesterday" })), http.StatusBadRequest, true},
			{"unsupported action", cr.token, cr.sign(good(func(m map[string]any) { m["exercise"] = "access:categories" })), http.StatusBadRequest, true},
			{"unsupported regime", cr.token, cr.sign(good(func(m map[string]any) { m["regime"] = "gdpr" })), http.StatusBadRequest, true},
			{"callback host not allowed", cr.token, cr.sign(good(func(m map[string]any) { m["status_callback"] = "http://169.254.169.254/latest" })), http.StatusBadRequest, true},
			{"no email claim", cr.token, cr.sign(good(func(m map[string]any) { m["email"] = "" })), http.StatusBadRequest, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := a.Count(t, &models.Request{})
				code, out := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", c.token, c.body)
				if code != c.code || out["code"] != strconv.Itoa(c.code) || out["message"] == "" || (out["fatal"] == true) != c.fatal {
					t.Fatalf("got %d %v, want %d fatal=%v", code, out, c.code, c.fatal)
				}
				if after := a.Count(t, &models.Request{}); after != before {
					t.Fatalf("a refused message filed a request (%d → %d)", before, after)
				}
			})
		}
		code, out := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(good(func(m map[string]any) { m["exercise"] = "access:specific" })))
		if out["message"] != "Unsupported rights actions submitted." || code != http.StatusBadRequest {
			t.Fatalf("unsupported action answer: %d %v", code, out)
		}

		unknown := newDRPAgent(t, "UNKNOWN_AGENT", 0)
		for name, req := range map[string]struct {
			path string
			body []byte
		}{
			"unknown agent":    {"/v1/agent/UNKNOWN_AGENT", unknown.sign(unknown.setupMessage(t, now))},
			"wrong key":        {"/v1/agent/" + cr.id, other.sign(cr.setupMessage(t, now))},
			"agent id in body": {"/v1/agent/" + cr.id, cr.sign(other.setupMessage(t, now))},
			"bad base64":       {"/v1/agent/" + cr.id, []byte("%%%")},
			"expired setup":    {"/v1/agent/" + cr.id, cr.sign(cr.setupMessage(t, now.Add(-time.Hour)))},
		} {
			if code, out := drpDo(t, a, http.MethodPost, req.path, "", req.body); code != http.StatusForbidden || len(out) != 0 {
				t.Errorf("setup with %s: %d %v, want 403 without a body", name, code, out)
			}
		}
		// The refused setups left the agent's token working.
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/agent/"+cr.id, cr.token, nil); code != http.StatusOK {
			t.Fatalf("token after refused setups: %d", code)
		}
		// A new setup ends the old token; so does a new verify key.
		old := cr.token
		cr.pair(t, a)
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/agent/"+cr.id, old, nil); code != http.StatusUnauthorized {
			t.Fatalf("the token of an earlier setup: %d, want 401", code)
		}
		addAgent(t, a, &drpAgent{id: cr.id, key: other.key}, "agent.example")
		if code, _ := drpDo(t, a, http.MethodGet, "/v1/agent/"+cr.id, cr.token, nil); code != http.StatusUnauthorized {
			t.Fatalf("a token issued under the agent's old key: %d, want 401", code)
		}
	})
}

// TestDRPEndpointsAreOffWithoutABusinessID shows that without
// PRIVACYDESK_DRP_BUSINESS_ID no agent can pair or file, whatever it sends.
func TestDRPEndpointsAreOffWithoutABusinessID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{})
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, "agent.example")
		if code, out := drpDo(t, a, http.MethodPost, "/v1/agent/"+cr.id, "", cr.sign(cr.setupMessage(t, a.Clock.Now()))); code != http.StatusNotFound || out["token"] != nil {
			t.Fatalf("setup with the endpoint off: %d %v, want 404", code, out)
		}
		body := cr.sign(cr.exercise(t, a.Clock.Now(), "access", demo.AlexMorganEmail, nil))
		if code, _ := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", "any", body); code != http.StatusNotFound {
			t.Fatalf("exercise with the endpoint off: %d, want 404", code)
		}
	})
}
