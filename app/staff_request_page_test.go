package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// fakeSource is a store source with fixed records for every subject, whose
// erasure fails while failing is set.
type fakeSource struct {
	name    string
	records []store.Record
	failing atomic.Bool
}

var _ store.Source = (*fakeSource)(nil)

func (f *fakeSource) Name() string { return f.name }

func (f *fakeSource) Label() string { return "Your " + f.name }

func (f *fakeSource) Collect(_ context.Context, _ *gorm.DB, _ store.Subject, emit func(store.Record) error) (store.Counts, error) {
	counts := store.Counts{}
	for _, r := range f.records {
		if err := emit(r); err != nil {
			return counts, err
		}
		counts[r.Kind]++
	}
	return counts, nil
}

func (f *fakeSource) plan() store.Plan {
	p := store.Plan{Source: f.name}
	for _, r := range f.records {
		p.Items = append(p.Items, store.PlanItem{Kind: r.Kind, Action: store.ActionDelete, Count: 1, Reason: "Deleted at your request."})
	}
	return p
}

func (f *fakeSource) PlanErasure(context.Context, *gorm.DB, store.Subject, time.Time) (store.Plan, error) {
	return f.plan(), nil
}

func (f *fakeSource) Erase(context.Context, *gorm.DB, store.Subject, time.Time) (store.Result, error) {
	if f.failing.Load() {
		return store.Result{Source: f.name}, errors.New("store database unreachable: connection refused")
	}
	return f.plan(), nil
}

// orderRecords are an order with two lines, as the orders source finds them.
func orderRecords() []store.Record {
	placed := time.Date(2025, 12, 2, 14, 5, 0, 0, time.UTC)
	f := func(name string, v any) store.Field { return store.Field{Name: name, Value: v} }
	return []store.Record{
		{Kind: "order", ID: 7, Fields: []store.Field{f("number", "K-1007"), f("placed_at", placed), f("total_cents", int64(124950)),
			f("currency", "EUR"), f("paid", true), f("shipping_region", nil)}},
		{Kind: "order_line", ID: 70, Fields: []store.Field{f("order_id", int64(7)), f("unit_price_cents", int64(99900)), f("quantity", 1)}},
		{Kind: "order_line", ID: 71, Fields: []store.Field{f("order_id", int64(7)), f("unit_price_cents", int64(25050)), f("quantity", 1)}},
	}
}

func TestRequestPageSpeaksWordsNotInternals(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := actionOpts
		o.Sources = []store.Source{&fakeSource{name: "orders", records: orderRecords()}}
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		_, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id := fileConfirmed(t, a, root, models.TypeAccess, "cleo@example.com", "Cleo Customer")
		waitStatus(t, a, id, models.StatusAwaitingApproval)
		wantStatus(t, agent.post(t, "/staff/requests/"+id+"/note", url.Values{"note": {"Rang back."}}), http.StatusSeeOther, "")
		review := agent.get(t, "/staff/requests/"+id) // samples are shown until the request is carried out
		contains(t, review.Body,
			"<summary>Order line #70</summary>", "<dt>Unit price</dt><dd>999.00</dd>", // fields in words
			"<dt>Total</dt><dd>1,249.50 EUR</dd>",              // money from cents, in the record's currency
			"<dt>Placed at</dt><dd>2 Dec 2025, 14:05 UTC</dd>", // times as dates
			"<dt>Paid</dt><dd>yes</dd>", "<dt>Shipping region</dt><dd>—</dd>")
		lacks(t, review.Body, "unit_price_cents", "total_cents", "124950", "placed_at", "2025-12-02T", ">true<", "order_line")
		wantStatus(t, agent.post(t, "/staff/requests/"+id+"/approve", url.Values{}), http.StatusSeeOther, "")
		waitStatus(t, a, id, models.StatusCompleted)
		a.Mail.WaitFor(t, "privacy-team@kactoily.example", id)

		page := agent.get(t, "/staff/requests/"+id)
		wantStatus(t, page, http.StatusOK, "")
		contains(t, page.Body,
			"1 order<br>", "2 order lines<br>", // counts, plural only when more than one
			"<strong>Orders</strong>",                             // the source
			"<strong>Filed by staff, identity confirmed</strong>", // event names
			"<strong>Every source searched</strong>", "<strong>Export built</strong>",
			"by Ada Admin", "by Quinn Agent", "by Privacy Desk", // actors by name
			"New-request notice to the privacy team to", "Receipt to", // email kinds
			"through staff, for the customer", // the channel
		)
		if !regexp.MustCompile(`Export built [^(]+\(\d+(\.\d)? KB\)`).MatchString(page.Body) {
			t.Errorf("export size is not in KB:\n%s", page.Body)
		}
		lacks(t, page.Body, "file_confirmed", "export_built", "<strong>collected</strong>", "staff_new_request", " bytes)",
			"1 orders", "1 order_line", "by ada@kactoily.example", "by quinn@kactoily.example", "by system", "via staff")
	})
}

func TestFailedErasureShowsItsErrorAndRetriesFromTheRequestPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		orders := &fakeSource{name: "orders", records: orderRecords()}
		orders.failing.Store(true)
		o := actionOpts
		o.Sources = []store.Source{orders, &fakeSource{name: "activity"}}
		a := testapp.New(t, dialect, o)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id := fileConfirmed(t, a, root, models.TypeDeletion, "dora@example.com", "Dora Delete")
		waitStatus(t, a, id, models.StatusAwaitingApproval)
		wantStatus(t, admin.post(t, "/staff/requests/"+id+"/approve", url.Values{}), http.StatusSeeOther, "")

		deadline := time.Now().Add(20 * time.Second)
		for {
			var e models.Erasure
			err := a.DB.Where("request_id = ? AND source = ?", id, "orders").Take(&e).Error
			if err == nil && e.Status == models.ErasurePartial && strings.Contains(e.Error, "connection refused") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no failed erasure of orders recorded: %+v %v", e, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		page := admin.get(t, "/staff/requests/"+id)
		contains(t, page.Body, "Erasure of orders stopped", "store database unreachable: connection refused",
			`action="/staff/requests/`+id+`/retry-erasure"`, `name="source" value="orders"`, "Retry erasure of orders")
		if strings.Contains(page.Body, "<tr><td>Orders</td><td colspan=\"3\" class=\"muted\">nothing held</td></tr>") {
			t.Errorf("the failed source is shown as holding nothing:\n%s", page.Body)
		}
		// Nothing to retry for a source that is not ours, or on another request.
		wantStatus(t, admin.post(t, "/staff/requests/"+id+"/retry-erasure", url.Values{"source": {"nowhere"}}), http.StatusUnprocessableEntity, "")
		other := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera")
		wantStatus(t, admin.post(t, "/staff/requests/"+other+"/retry-erasure", url.Values{"source": {"orders"}}), http.StatusConflict, "")

		orders.failing.Store(false)
		for try := 0; ; try++ { // 409 only while an attempt is running at that very moment
			ans := admin.post(t, "/staff/requests/"+id+"/retry-erasure", url.Values{"source": {"orders"}})
			if ans.Status == http.StatusSeeOther || statusOf(t, a, id) == models.StatusCompleted {
				break
			}
			if ans.Status != http.StatusConflict || try > 50 {
				t.Fatalf("retry erasure: %d\n%.400s", ans.Status, ans.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		waitStatus(t, a, id, models.StatusCompleted)
		var es []models.Erasure
		if err := a.DB.Where("request_id = ?", id).Find(&es).Error; err != nil || len(es) != 2 {
			t.Fatalf("erasures %+v %v", es, err)
		}
		for _, e := range es {
			if e.Status != models.ErasureDone || e.Error != "" {
				t.Errorf("erasure of %s: %s %q, want done without an error", e.Source, e.Status, e.Error)
			}
		}
		page = admin.get(t, "/staff/requests/"+id)
		lacks(t, page.Body, "Erasure of orders stopped", "Retry erasure")
		contains(t, page.Body, "2 order lines")
		wantStatus(t, admin.post(t, "/staff/requests/"+id+"/retry-erasure", url.Values{"source": {"orders"}}), http.StatusConflict, "")
	})
}
