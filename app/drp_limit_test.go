package app_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/workflows"
)

// TestDRPEndpointsAreRateLimitedPerAgentAndPerIP drives the limits through
// the real server: an agent's token runs out first (429 with Retry-After
// and the spec's error object), another agent from the same address still
// gets through until the address's limit, and an hour later both work.
func TestDRPEndpointsAreRateLimitedPerAgentAndPerIP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true,
			Limits: app.Limits{DRPPerIP: 8, DRPPerAgent: 3, Window: time.Hour},
			DRP:    workflows.DRPSettings{BusinessID: testBusinessID}})
		cr, other := newDRPAgent(t, "CR_AA_DRP_ID_001", 0), newDRPAgent(t, "OTHER_AGENT", 1)
		addAgent(t, a, cr, "agent.example")
		addAgent(t, a, other, "other.example")
		cr.pair(t, a)    // 1 from this address
		other.pair(t, a) // 2
		check := func(g *drpAgent, want int) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, a.URL()+"/v1/agent/"+g.id, nil)
			req.Header.Set("Authorization", "Bearer "+g.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatalf("%s: not JSON: %v", g.id, err)
			}
			if resp.StatusCode != want {
				t.Fatalf("%s: %d %v, want %d", g.id, resp.StatusCode, out, want)
			}
			if want != http.StatusTooManyRequests {
				return
			}
			retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if out["code"] != "429" || out["message"] == "" || err != nil || retry < 1 || retry > 3600 {
				t.Fatalf("%s: limited answer %v, Retry-After %q; want the DRP error object and 1..3600 s", g.id, out, resp.Header.Get("Retry-After"))
			}
		}
		for range 3 {
			check(cr, http.StatusOK) // 3, 4, 5
		}
		check(cr, http.StatusTooManyRequests) // 6: the agent's fourth call
		for range 2 {
			check(other, http.StatusOK) // 7, 8
		}
		check(other, http.StatusTooManyRequests) // 9: the address is spent
		if code, out := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", "", []byte("x")); code != http.StatusTooManyRequests || out["code"] != "429" {
			t.Fatalf("exercise from a spent address: %d %v, want 429", code, out)
		}
		a.Clock.Advance(time.Hour + time.Second)
		check(cr, http.StatusOK)
		check(other, http.StatusOK)
	})
}
