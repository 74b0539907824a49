package workflows_test

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// actualCounts counts the requests per status the slow way.
func actualCounts(t *testing.T, a *testapp.App) map[string]int64 {
	t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	if err := a.DB.DB.Raw("SELECT status, COUNT(*) AS n FROM requests GROUP BY status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// wantCountsExact fails unless StatusCounts (folded totals plus unfolded
// deltas) equals the requests counted one by one, zero statuses aside.
func wantCountsExact(t *testing.T, a *testapp.App, when string) {
	t.Helper()
	got, err := models.StatusCounts(t.Context(), a.DB.DB)
	if err != nil {
		t.Fatal(err)
	}
	maps.DeleteFunc(got, func(_ string, n int64) bool { return n == 0 })
	if want := actualCounts(t, a); !maps.Equal(got, want) {
		t.Fatalf("%s: StatusCounts = %v, requests per status = %v", when, got, want)
	}
}

func deltaRows(t *testing.T, a *testapp.App) int64 { return a.Count(t, &models.StatusDelta{}) }

// TestStatusCountsStayExactThroughConcurrentFilingsTransitionsAndFolds
// files access requests and opt-outs from many goroutines while others
// fold the deltas, then expires the unconfirmed ones (pending → expired)
// while more are filed and folded: after each phase, and after a final
// fold that leaves no delta behind, the counts equal the requests counted
// one by one.
func TestStatusCountsStayExactThroughConcurrentFilingsTransitionsAndFolds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		file := func(phase string, n int) {
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					in := workflows.NewRequest{Type: models.TypeAccess, Email: fmt.Sprintf("%s.%d@example.com", phase, i), Name: "Count Me", Channel: "api"}
					if i%3 == 0 {
						in.Type, in.Scopes = models.TypeOptOut, []string{models.ScopeAnalytics}
					}
					if _, err := a.Svc.Submit(t.Context(), in); err != nil {
						t.Error(err)
					}
				})
			}
			stop := make(chan struct{})
			var folds sync.WaitGroup
			folds.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := a.Svc.FoldStatusCounts(t.Context()); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			})
			wg.Wait()
			close(stop)
			folds.Wait()
		}

		file("first", 30)
		wantCountsExact(t, a, "after concurrent filings and folds")

		a.Clock.Advance(workflows.VerifyLinkLife + time.Minute)
		var wg sync.WaitGroup
		wg.Go(func() { file("second", 30) })
		wg.Go(func() {
			if _, err := a.Svc.ExpireUnverified(t.Context()); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		wantCountsExact(t, a, "after expiring beside filings")
		if c := actualCounts(t, a); c[models.StatusExpired] != 20 {
			t.Fatalf("counts %v: want the 20 first access requests expired", c)
		}

		if deltaRows(t, a) == 0 {
			if _, err := a.Svc.Submit(t.Context(), accessFor("last@example.com")); err != nil {
				t.Fatal(err)
			}
		}
		n, err := a.Svc.FoldStatusCounts(t.Context())
		if err != nil || n == 0 {
			t.Fatalf("final fold: %d folded, %v; want some", n, err)
		}
		if left := deltaRows(t, a); left != 0 {
			t.Fatalf("%d deltas left after a fold", left)
		}
		wantCountsExact(t, a, "after the final fold")
	})
}
