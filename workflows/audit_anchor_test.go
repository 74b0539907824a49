package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

func appendAudit(t *testing.T, a *testapp.App, n int) {
	t.Helper()
	for i := range n {
		e := &models.AuditEvent{Actor: "system", Action: fmt.Sprintf("test-%d", i), CreatedAt: a.Clock.Now()}
		if err := a.DB.Transaction(func(tx *gorm.DB) error { return models.AppendAuditEvent(t.Context(), tx, a.DB.Dialect, e) }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAnchorAuditSignsAfterAHundredEventsOrAnHourNeverOverATruncation
// proves when the periodic job writes an anchor: at once for a chain
// never anchored, then only after AnchorEveryEvents new events or
// AnchorEvery with new events, never when the head has not moved, and
// never over a chain that lost anchored events (which would hide that).
func TestAnchorAuditSignsAfterAHundredEventsOrAnHourNeverOverATruncation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Start: clockStart, NoJobs: true})
		ctx := t.Context()
		step := func(name string, wantCount int64) {
			t.Helper()
			an, err := a.Svc.AnchorAudit(ctx, false)
			switch {
			case err != nil:
				t.Fatalf("%s: %v", name, err)
			case wantCount < 0 && an != nil:
				t.Fatalf("%s: anchored %+v, want no anchor", name, an)
			case wantCount >= 0 && (an == nil || an.EventCount != wantCount):
				t.Fatalf("%s: anchor %+v, want one of %d events", name, an, wantCount)
			}
		}
		step("empty chain", -1)
		appendAudit(t, a, 3)
		step("first events", 3)
		step("head unchanged", -1)
		appendAudit(t, a, workflows.AnchorEveryEvents-1)
		step("fewer than the batch, within the hour", -1)
		appendAudit(t, a, 1)
		step("a full batch", 3+workflows.AnchorEveryEvents)
		appendAudit(t, a, 1)
		a.Clock.Advance(workflows.AnchorEvery - time.Minute)
		step("one event, not yet an hour", -1)
		a.Clock.Advance(time.Minute)
		step("one event, an hour on", 4+workflows.AnchorEveryEvents)
		a.Clock.Advance(3 * workflows.AnchorEvery)
		step("hours on, nothing new", -1)

		c, err := workflows.VerifyAudit(ctx, a.DB.DB, nil)
		if err != nil || !c.OK() || c.Anchor == nil || c.Anchor.EventCount != 4+workflows.AnchorEveryEvents {
			t.Fatalf("verify: %+v, %v", c, err)
		}

		drop := "DROP TRIGGER audit_events_no_delete"
		if dialect == models.DialectPostgres {
			drop = "DROP TRIGGER audit_events_no_change ON audit_events"
		}
		if err := a.DB.Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Exec("DELETE FROM audit_events WHERE id > 100").Error; err != nil {
			t.Fatal(err)
		}
		appendAudit(t, a, workflows.AnchorEveryEvents)
		an, err := a.Svc.AnchorAudit(ctx, true)
		if err == nil || an != nil || !strings.Contains(err.Error(), "not anchoring the audit chain") {
			t.Fatalf("anchoring over a truncated chain: %+v, %v; want refused", an, err)
		}
	})
}

// TestAnchorAuditJobRunsOnTheWorkers queues the periodic job's work as
// River would and shows the service's workers write the anchor.
func TestAnchorAuditJobRunsOnTheWorkers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Start: clockStart})
		appendAudit(t, a, 2)
		c := jobInserter(t, a)
		res, err := c.Insert(t.Context(), workflows.AnchorAuditArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCompleted {
			t.Fatalf("anchor job %s: %v", j.State, j.Errors)
		}
		an, err := models.LatestAuditAnchor(t.Context(), a.DB.DB)
		if err != nil || an.EventCount != 2 {
			t.Fatalf("latest anchor %+v, %v; want one of 2 events", an, err)
		}
	})
}
