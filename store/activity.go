package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ActivitySource holds device and visit records: the page views made while
// signed in, with IP address, browser, operating system, page, referrer and
// time.
//
// Records are found, and erasure deletes them, by customer id only. Page
// views of the same visitor cookie without a customer id (before signing
// in) are not included: a browser may be shared by several people, so they
// cannot be attributed to the subject, and handing them out would disclose
// other people's browsing. Without the signed-in rows, nothing links them to
// the subject any more.
type ActivitySource struct{}

// Name returns "activity".
func (*ActivitySource) Name() string { return SourceActivity }

// Label returns "Your visits to our website".
func (*ActivitySource) Label() string { return "Your visits to our website" }

var activityPolicy = policy{
	"Administer, secure and improve the website (troubleshooting, statistics); help you navigate it; " +
		"measure advertising and personalize it if you allowed it.",
	"Only as long as needed for these purposes; deleted when you close your account or ask us to delete it.",
}

// Collect emits every page view of the subject's account.
func (*ActivitySource) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	_, id, err := findPerson(ctx, db, s)
	if err != nil || id == 0 {
		return counts, err
	}
	err = EachPage(ctx, db, OwnedBy(id), func(page []ActivityRecord) error {
		for i := range page {
			counts["page_view"]++
			if err := emit(activityRecord(&page[i])); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, err
}

func activityRecord(a *ActivityRecord) Record {
	p := activityPolicy
	return Record{Kind: "page_view", ID: a.ID, Fields: []Field{
		p.field("occurred_at", a.OccurredAt.UTC(), CategoryUsage),
		p.field("page_url", a.PageURL, CategoryUsage),
		p.field("referrer", a.Referrer, CategoryUsage),
		p.field("visitor_id", a.VisitorID, CategoryDevice),
		p.field("ip_address", a.IPAddress, CategoryDevice),
		p.field("user_agent", a.UserAgent, CategoryDevice),
		p.field("browser", a.Browser, CategoryDevice),
		p.field("os", a.OS, CategoryDevice),
	}}
}

// PlanErasure counts the page views Erase would delete.
func (a *ActivitySource) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error) {
	return a.erase(ctx, db, s, true)
}

// Erase deletes the subject's page views, StoreBatchSize per statement.
func (a *ActivitySource) Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error) {
	return a.erase(ctx, db, s, false)
}

func (*ActivitySource) erase(ctx context.Context, db *gorm.DB, s Subject, dry bool) (Plan, error) {
	t := newTally(SourceActivity, PlanItem{Kind: "page_view", Action: ActionDelete, Reason: eraseReason})
	_, id, err := findPerson(ctx, db, s)
	if err != nil || id == 0 {
		return t.done(), err
	}
	var n int
	if dry {
		n, err = CountRows(ctx, db, &ActivityRecord{}, OwnedBy(id))
	} else {
		n, err = DeleteInBatches(ctx, db, &ActivityRecord{}, OwnedBy(id))
	}
	t.add("page_view", ActionDelete, n)
	return t.done(), err
}
