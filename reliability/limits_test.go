package reliability

import (
	"net/http"
	"sync"
	"testing"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestConcurrentFilingsForOneEmailStopAtTheLimit files 30 opt-outs for one
// email at the same moment: exactly 5 (the hourly limit per email and
// type) are accepted and stored, the rest answered 429 with Retry-After.
// On PostgreSQL the count alone let concurrent filings all slip under the
// limit (the load test saw 6); filings for one email now count in turn.
// 30 access requests filed at once are all accepted and merged into one.
func TestConcurrentFilingsForOneEmailStopAtTheLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: app.Limits{IntakePerIP: 1000}})
		const n = 30
		burst := func(body map[string]any) ([]int, []string, []string) {
			codes, retry, ids := make([]int, n), make([]string, n), make([]string, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					ans, err := postJSON(newClient(), a.URL()+"/api/v1/requests", body)
					if err != nil {
						t.Error(err)
						return
					}
					codes[i], retry[i] = ans.Code, ans.Header.Get("Retry-After")
					ids[i] = requestIDRE.FindString(ans.Body)
				})
			}
			close(start)
			wg.Wait()
			return codes, retry, ids
		}
		codes, retry, _ := burst(map[string]any{"type": "opt_out", "email": "one.person@example.com", "name": "One Person", "scopes": []string{"analytics"}})
		tally := map[int]int{}
		for i, c := range codes {
			tally[c]++
			if c == http.StatusTooManyRequests && retry[i] == "" {
				t.Errorf("429 without Retry-After")
			}
		}
		stored := a.Count(t, &models.Request{})
		if tally[http.StatusAccepted] != 5 || tally[http.StatusTooManyRequests] != n-5 || stored != 5 {
			t.Errorf("answers %v, %d stored; want 5 accepted and stored, %d limited", tally, stored, n-5)
		}

		codes, _, ids := burst(map[string]any{"type": "access", "email": "one.person@example.com", "name": "One Person"})
		for i, c := range codes {
			if c != http.StatusAccepted || ids[i] != ids[0] {
				t.Fatalf("access filing %d: %d for %q, want 202 merged into %q", i, c, ids[i], ids[0])
			}
		}
		if got := a.Count(t, &models.Request{}); got != stored+1 {
			t.Errorf("%d access requests stored, want 1", got-stored)
		}
	})
}
