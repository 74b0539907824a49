package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestKillNineDuringBatchedIntakeLosesNoAnsweredFilingAndWritesNoneTwice
// files requests from 24 clients at once, so the server writes them in
// batches, and kills it with SIGKILL mid-flight three times, restarting
// it on the same database. Every filing answered 202 is stored under the
// answered id; no filing is stored twice (one request and one filing
// audit event per email); the per-status counts equal the requests; and
// `audit verify` passes.
func TestKillNineDuringBatchedIntakeLosesNoAnsweredFilingAndWritesNoneTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		srv := newServer(t, "privacydesk", settings{DBURL: testdb.URL(t, dialect), DataDir: t.TempDir(), NoRace: true})
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
		var (
			mu        sync.Mutex
			accepted  []*filing
			serverErr []string
			addrs     atomic.Uint64
			sent      atomic.Int64
		)
		const clients, rounds = 24, 3
		for round := range rounds {
			srv.Start()
			ctx, cancel := context.WithCancel(context.Background())
			var killed atomic.Bool
			var wg sync.WaitGroup
			for i := range clients {
				wg.Go(func() {
					c := loopbackClient(false)
					for n := 0; ctx.Err() == nil; n++ {
						f := &filing{Type: []string{models.TypeAccess, models.TypeOptOut, models.TypeDeletion}[n%3], API: true,
							Email: fmt.Sprintf("crash-%d-%d-%d@example.com", round, i, n)}
						rctx := context.WithValue(ctx, srcIPKey{}, loopbackIP(addrs.Add(1)))
						sent.Add(1)
						a, ok, err := fileCtx(rctx, c, srv.URL, f)
						mu.Lock()
						switch {
						case ok:
							accepted = append(accepted, f)
						case err == nil && a.Code >= 500 && !killed.Load():
							serverErr = append(serverErr, fmt.Sprintf("%s: %d %s", f.Email, a.Code, a.Body))
						}
						mu.Unlock()
					}
				})
			}
			time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
			killed.Store(true)
			srv.Kill()
			cancel()
			wg.Wait()
		}
		srv.Start()
		srv.Stop()
		for _, e := range serverErr {
			t.Errorf("server error before the kill: %s", e)
		}
		if len(accepted) < rounds*clients {
			t.Fatalf("only %d of %d filings accepted: too few to test batches", len(accepted), sent.Load())
		}

		db := openDB(t, srv.cfg.DBURL)
		reqs := requestRows(t, db)
		checkAccepted(t, reqs, accepted)
		perEmail := map[string]int{}
		for _, r := range reqs {
			perEmail[r.Email]++
			if perEmail[r.Email] == 2 {
				t.Errorf("%s stored twice", r.Email)
			}
		}
		var twice []struct {
			RequestID string
			N         int
		}
		if err := db.Raw(`SELECT request_id, COUNT(*) AS n FROM audit_events WHERE action IN ('submit', 'opt_out')
			GROUP BY request_id HAVING COUNT(*) > 1`).Scan(&twice).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range twice {
			t.Errorf("request %s has %d filing events", r.RequestID, r.N)
		}
		counts, err := models.StatusCounts(context.Background(), db.DB)
		if err != nil {
			t.Fatal(err)
		}
		byStatus := map[string]int64{}
		for _, r := range reqs {
			byStatus[r.Status]++
		}
		for status, n := range byStatus {
			if counts[status] != n {
				t.Errorf("status %s: counted %d, %d requests", status, counts[status], n)
			}
		}
		srv.auditVerify()
		t.Logf("%d filings sent, %d answered 202, %d requests stored across %d kills", sent.Load(), len(accepted), len(reqs), rounds)
	})
}
