package workflows_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// wantAuditIntact runs the check `audit verify` runs.
func wantAuditIntact(t *testing.T, a *testapp.App) int64 {
	t.Helper()
	c, err := workflows.VerifyAudit(t.Context(), a.DB.DB, nil)
	if err != nil || !c.OK() {
		t.Fatalf("audit verify: %v, break %+v, anchor %q", err, c.Break, c.AnchorErr)
	}
	return c.Events
}

func auditEventsOf(t *testing.T, a *testapp.App, id string) []models.AuditEvent {
	t.Helper()
	es, err := models.AuditEventsFor(t.Context(), a.DB.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestOneBadFilingInABatchFailsAloneAndEachCallerGetsItsOwnID writes one
// batch holding ten good filings, a sixth opt-out for one email within the
// hour (refused by the rate limit), a filing whose id collides with a
// stored request (a constraint error inside the batch) and an invalid one
// (refused before batching). Each good filing gets its own request under
// its own id with its own audit event; each bad one gets its own error and
// leaves nothing behind; the chain and the counts hold.
func TestOneBadFilingInABatchFailsAloneAndEachCallerGetsItsOwnID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		taken := submit(t, a, accessFor("first@example.com"))

		var ins []workflows.NewRequest
		var ids []string
		for i := range 6 {
			ins = append(ins, optOut("same@example.com", models.ScopeAnalytics))
			ids = append(ids, fmt.Sprintf("PD-OPT%02d-00000", i))
		}
		for i := range 4 {
			ins = append(ins, accessFor(fmt.Sprintf("good.%d@example.com", i)))
			ids = append(ids, fmt.Sprintf("PD-ACC%02d-00000", i))
		}
		ins = append(ins, accessFor("collides@example.com"))
		ids = append(ids, taken.ID)
		ins = append(ins, workflows.NewRequest{Type: models.TypeAccess, Email: "not an address", Name: "Bad Input"})
		ids = append(ids, "PD-BAD00-00000")
		rs, errs := a.Svc.FileTogether(ins, ids)

		for i := range 10 {
			if i == 5 {
				wantErr(t, errs[i], models.ERateLimited, "already received several requests")
				if rs[i] != nil || stored(t, a, ids[i]) {
					t.Fatalf("the refused opt-out was answered %+v", rs[i])
				}
				continue
			}
			if errs[i] != nil || rs[i] == nil || rs[i].ID != ids[i] || rs[i].Email != ins[i].Email {
				t.Fatalf("filing %d: %+v, %v; want its own request %s for %s", i, rs[i], errs[i], ids[i], ins[i].Email)
			}
			if got := reload(t, a, ids[i]); got.Email != ins[i].Email {
				t.Fatalf("stored %s is %s's, want %s's", ids[i], got.Email, ins[i].Email)
			}
			if es := auditEventsOf(t, a, ids[i]); len(es) != 1 {
				t.Fatalf("%s has %d audit events, want 1", ids[i], len(es))
			}
		}
		if errs[10] == nil || rs[10] != nil {
			t.Fatalf("the colliding filing was answered %+v, %v; want its own error", rs[10], errs[10])
		}
		if got := reload(t, a, taken.ID); got.Email != "first@example.com" || len(auditEventsOf(t, a, taken.ID)) != 1 {
			t.Fatalf("the stored request was changed by the collision: %+v", got)
		}
		wantErr(t, errs[11], models.EInvalid, "")
		if n := rowsContaining(t, a, "emails", "collides@example.com"); n != 0 {
			t.Fatalf("the colliding filing left %d emails", n)
		}
		if n := wantAuditIntact(t, a); n != 1+9 {
			t.Fatalf("%d audit events, want 10 (the first filing and nine from the batch)", n)
		}
		wantCountsExact(t, a, "after the batch")
	})
}

// stored reports whether a request with id exists.
func stored(t *testing.T, a *testapp.App, id string) bool {
	t.Helper()
	var n int64
	if err := a.DB.DB.Model(&models.Request{}).Where("id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// batchCount reads how many intake batches the service wrote, from /metrics.
func batchCount(t *testing.T, a *testapp.App) int {
	t.Helper()
	res, err := http.Get(a.Metrics.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^privacydesk_intake_batch_filings_count (\d+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no batch count in /metrics:\n%s", b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestConcurrentFilingsAreWrittenTogetherEachWithItsOwnAnswer files 60
// requests at once through Submit: each caller gets its own id and its
// own email's request, fewer transactions than filings were written (the
// filings were grouped), and the audit chain verifies with one event per
// filing.
func TestConcurrentFilingsAreWrittenTogetherEachWithItsOwnAnswer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		const n = 60
		rs, errs := make([]*models.Request, n), make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				in := accessFor(fmt.Sprintf("together.%d@example.com", i))
				if i%4 == 0 {
					in = optOut(in.Email, models.ScopeMarketingEmail)
				}
				rs[i], errs[i] = a.Svc.Submit(t.Context(), in)
			})
		}
		close(start)
		wg.Wait()
		seen := map[string]bool{}
		for i := range n {
			email := fmt.Sprintf("together.%d@example.com", i)
			if errs[i] != nil || rs[i] == nil || rs[i].Email != email || seen[rs[i].ID] {
				t.Fatalf("filing %d: %+v, %v; want its own new request for %s", i, rs[i], errs[i], email)
			}
			seen[rs[i].ID] = true
			if got := reload(t, a, rs[i].ID); got.Email != email || got.Status != rs[i].Status {
				t.Fatalf("stored %s: %+v, answered %+v", rs[i].ID, got, rs[i])
			}
		}
		if batches := batchCount(t, a); batches >= n {
			t.Fatalf("%d filings written in %d transactions: none were grouped", n, batches)
		}
		if events := wantAuditIntact(t, a); events != n {
			t.Fatalf("%d audit events, want %d", events, n)
		}
		wantCountsExact(t, a, "after concurrent filings")
	})
}
