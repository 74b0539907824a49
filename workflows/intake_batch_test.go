package workflows_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/riverqueue/river"

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

// TestABatchMergesARepeatIntoTheRequestItFiledJustBefore writes one batch in
// which plain filings (written by one multi-row insert at the batch's end)
// sit beside filings that write rows themselves: a repeat of a filing made
// earlier in the same batch (merged into that request, which must then
// already be written), a deletion by the same address (a request of its
// own), a filing with the GPC signal, and a filing by an address that has
// used up its hour (refused from the counts read at the batch's start).
// Every email is stored with its send job pointing at it, and the chain
// and the counts hold.
func TestABatchMergesARepeatIntoTheRequestItFiledJustBefore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{NoJobs: true})
		for i := range 5 { // closed by hand (the counts told), so none is merged into
			r := submit(t, a, accessFor("busy@example.com"))
			err := a.DB.DB.Model(&models.Request{}).Where("id = ?", r.ID).Update("status", models.StatusCancelled).Error
			if err == nil {
				err = models.AddStatusDeltas(t.Context(), a.DB.DB, map[string]int64{r.Status: -1, models.StatusCancelled: 1})
			}
			if err != nil {
				t.Fatalf("close filing %d: %v", i, err)
			}
		}
		gpc := accessFor("signal@example.com")
		gpc.GPC = true
		deletion := accessFor("same@example.com")
		deletion.Type = models.TypeDeletion
		ins := []workflows.NewRequest{accessFor("same@example.com"), accessFor("same@example.com"), deletion,
			gpc, accessFor("plain@example.com"), accessFor("busy@example.com")}
		rs, errs := a.Svc.FileTogether(ins, nil)
		for i := range 5 {
			if errs[i] != nil || rs[i] == nil {
				t.Fatalf("filing %d (%s %s): %v", i, ins[i].Type, ins[i].Email, errs[i])
			}
		}
		wantErr(t, errs[5], models.ERateLimited, "already received several requests")
		if rs[1].ID != rs[0].ID {
			t.Fatalf("the repeat got %s, want it merged into %s", rs[1].ID, rs[0].ID)
		}
		if rs[2].ID == rs[0].ID || rs[2].Type != models.TypeDeletion {
			t.Fatalf("the deletion was answered %+v, want a request of its own", rs[2])
		}
		if es := auditEventsOf(t, a, rs[0].ID); len(es) != 2 || es[1].Action != "merged" {
			t.Fatalf("merged request's events: %+v, want its filing then the merge", es)
		}
		for _, r := range []*models.Request{rs[0], rs[2], rs[3], rs[4]} {
			if got := reload(t, a, r.ID); got.Email != r.Email || got.Type != r.Type || got.Status != models.StatusPendingVerification {
				t.Fatalf("stored %s: %+v, answered %+v", r.ID, got, r)
			}
		}
		if !reload(t, a, rs[3].ID).GPC {
			t.Fatal("the GPC signal was not kept")
		}
		wantSendJobPerEmail(t, a, map[string]int{rs[0].ID: 2, rs[2].ID: 1, rs[3].ID: 1, rs[4].ID: 1})
		if n := wantAuditIntact(t, a); n != 5+5 {
			t.Fatalf("%d audit events, want 10 (five before, four filings and a merge)", n)
		}
		wantCountsExact(t, a, "after the mixed batch")
	})
}

// wantSendJobPerEmail checks that each request in want has that many
// verification emails, each with exactly one send job naming it.
func wantSendJobPerEmail(t *testing.T, a *testapp.App, want map[string]int) {
	t.Helper()
	jobs := map[int64]int{}
	var args []string
	col := "args::text"
	if a.DB.Dialect == models.DialectSQLite {
		col = "json(args)" // River keeps args as JSONB there
	}
	if err := a.DB.DB.Table("river_job").Where("kind = ?", "send_email").Pluck(col, &args).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range args {
		var job workflows.SendEmailArgs
		if err := json.Unmarshal([]byte(s), &job); err != nil {
			t.Fatalf("send job args %q: %v", s, err)
		}
		jobs[job.EmailID]++
	}
	for id, n := range want {
		var es []models.Email
		if err := a.DB.DB.Where("request_id = ? AND kind = ?", id, workflows.EmailVerify).Find(&es).Error; err != nil {
			t.Fatal(err)
		}
		if len(es) != n {
			t.Fatalf("%s has %d verification emails, want %d", id, len(es), n)
		}
		for _, e := range es {
			if jobs[e.ID] != 1 {
				t.Fatalf("email %d of %s has %d send jobs, want 1", e.ID, id, jobs[e.ID])
			}
		}
	}
}

// TestABatchInsertsUniqueJobsTheWayThatSkipsDuplicates: a batch's jobs are
// written by River's fast insert, which fails on a unique job's conflict,
// unless one of them is unique; uniqueJob tells which.
func TestABatchInsertsUniqueJobsTheWayThatSkipsDuplicates(t *testing.T) {
	for _, tc := range []struct {
		p    river.InsertManyParams
		want bool
	}{
		{river.InsertManyParams{Args: workflows.SendEmailArgs{EmailID: 1}}, false},
		{river.InsertManyParams{Args: workflows.FulfilArgs{RequestID: "PD-1"}}, true},
		{river.InsertManyParams{Args: workflows.SendEmailArgs{EmailID: 1},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}}, true},
		{river.InsertManyParams{Args: workflows.FulfilArgs{RequestID: "PD-1"}, InsertOpts: &river.InsertOpts{Priority: 2}}, true},
	} {
		if got := workflows.UniqueJob(tc.p); got != tc.want {
			t.Errorf("uniqueJob(%T %+v) = %v, want %v", tc.p.Args, tc.p.InsertOpts, got, tc.want)
		}
	}
}
