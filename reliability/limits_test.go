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

// TestConcurrentFilingsForOneEmailStopAtTheLimit files 30 access requests
// for one email at the same moment: exactly 5 (the hourly limit per email
// and type) are accepted and stored, the rest answered 429 with Retry-After.
// On PostgreSQL the count alone let concurrent filings all slip under the
// limit (the load test saw 6); filings for one email now count in turn.
func TestConcurrentFilingsForOneEmailStopAtTheLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: app.Limits{IntakePerIP: 1000}})
		const n = 30
		codes := make([]int, n)
		retry := make([]string, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				ans, err := postJSON(newClient(), a.URL()+"/api/v1/requests",
					map[string]any{"type": "access", "email": "one.person@example.com", "name": "One Person"})
				if err != nil {
					t.Error(err)
					return
				}
				codes[i], retry[i] = ans.Code, ans.Header.Get("Retry-After")
			})
		}
		close(start)
		wg.Wait()
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
	})
}
