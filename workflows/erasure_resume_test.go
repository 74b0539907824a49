package workflows_test

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// TestFulfilResumesAnErasureCutInsideASourceAndCompletesItOnce approves the
// deletion of the demo's heavy customer (thousands of rows, so every source
// is erased in many short writes of at most store.EraseWriteRows rows),
// cuts Fulfil off inside the orders source, and runs it again as the job's
// retry would: the request completes once, each source's recorded result
// is the plan approved in what it deleted and anonymized (nothing erased
// twice, nothing left), and no erasing statement changed more than
// store.EraseWriteRows rows.
func TestFulfilResumesAnErasureCutInsideASourceAndCompletesItOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		admin, err := a.Svc.AddStaff(ctx, workflows.NewStaff{Email: "ada@kactoily.example", Name: "Ada Admin",
			Role: models.RoleAdmin, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.Svc.FileOnBehalf(ctx, admin, workflows.NewRequest{Type: models.TypeDeletion,
			Email: demo.HeavyCustomerEmail, Name: "Harvey Buyer"}, "Identity confirmed on a call with the customer.")
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, a, r.ID, models.StatusAwaitingApproval)
		// The workers stop, so the fulfil job waits and the test runs Fulfil.
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := a.Svc.Stop(sctx); err != nil {
			t.Fatal(err)
		}
		plans, err := a.Svc.ErasurePlan(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Svc.Approve(ctx, admin, r.ID); err != nil {
			t.Fatal(err)
		}

		// Count the erasing statements on the store's orders tables and
		// cancel the run after the 5th.
		var writes, orderWrites, widest atomic.Int64
		cutCtx, cut := context.WithCancel(ctx)
		defer cut()
		count := func(tx *gorm.DB) {
			if !strings.HasPrefix(tx.Statement.Table, "store_") || tx.Error != nil {
				return
			}
			writes.Add(1)
			if n := tx.Statement.RowsAffected; n > widest.Load() {
				widest.Store(n)
			}
			if strings.HasPrefix(tx.Statement.Table, "store_order") && orderWrites.Add(1) == 5 {
				cut()
			}
		}
		cb := a.DB.DB.Callback()
		if err := cb.Delete().After("gorm:delete").Register("test:count_delete", count); err != nil {
			t.Fatal(err)
		}
		if err := cb.Update().After("gorm:update").Register("test:count_update", count); err != nil {
			t.Fatal(err)
		}

		if err := a.Svc.Fulfil(cutCtx, r.ID); err == nil {
			t.Fatal("the cut-off erasure reported no error")
		}
		if s := reload(t, a, r.ID).Status; s != models.StatusFulfilling {
			t.Fatalf("after the cut the request is %s, want still %s", s, models.StatusFulfilling)
		}
		states, err := a.Svc.ErasureStates(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var partial bool
		for _, st := range states {
			if st.Source == "orders" && st.Failed() {
				partial = true
			}
		}
		if !partial {
			t.Fatalf("after the cut no partial erasure of orders is recorded: %+v", states)
		}

		if err := a.Svc.Fulfil(ctx, r.ID); err != nil {
			t.Fatalf("resuming: %v", err)
		}
		if s := reload(t, a, r.ID).Status; s != models.StatusCompleted {
			t.Fatalf("after resuming the request is %s, want %s", s, models.StatusCompleted)
		}
		results, err := a.Svc.ErasureResults(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := erased(results), erased(plans); !reflect.DeepEqual(got, want) {
			t.Errorf("recorded results differ from the approved plan:\nplan   %v\nresult %v", want, got)
		}
		if plans[0].Total(store.ActionDelete) <= store.EraseWriteRows {
			t.Errorf("test data: the first source deletes only %d rows, not more than one write's worth", plans[0].Total(store.ActionDelete))
		}
		if w := widest.Load(); w > store.EraseWriteRows || writes.Load() == 0 {
			t.Errorf("%d erasing statements, the widest changed %d rows; want at most %d", writes.Load(), w, store.EraseWriteRows)
		}
		// Nothing is left to do: a further run changes nothing.
		again, err := a.Svc.ErasurePlan(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range again {
			if n := p.Total(store.ActionDelete) + p.Total(store.ActionAnonymize); n != 0 {
				t.Errorf("after the erasure %s still plans to delete or anonymize %d records: %+v", p.Source, n, p)
			}
		}
		var events int64
		if err := a.DB.Model(&models.AuditEvent{}).Where("request_id = ? AND action = ?", r.ID, "fulfil").Count(&events).Error; err != nil {
			t.Fatal(err)
		}
		if events != 1 {
			t.Errorf("%d fulfil audit events, want 1", events)
		}
	})
}

// erased is what plans or results delete and anonymize: count per source,
// kind and action. (Kept rows are left out: a resumed run counts again
// the kept rows under parents it walks a second time.)
func erased(ps []store.Plan) map[string]int {
	out := map[string]int{}
	for _, p := range ps {
		for _, it := range p.Items {
			if it.Action != store.ActionKeep {
				out[p.Source+" "+it.Kind+" "+it.Action] += it.Count
			}
		}
	}
	return out
}
