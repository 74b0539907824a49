package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// testEraseAlex erases an ordinary customer and compares the store before
// and after.
func testEraseAlex(t *testing.T, f *storeFixture) {
	f.restore(t)
	db := f.db
	ctx := context.Background()
	email := demo.AlexMorganEmail
	alex := ownedIDs(t, db, email)
	notAlex := func(kind string, id int64) bool { return !slices.Contains(alex[kind], id) }
	before, othersBefore, whole := tableCounts(t, db), fingerprint(t, db, notAlex), fingerprint(t, db, all)
	pii := personalStrings(t, db, email, alex)

	plans := map[string]store.Plan{}
	for _, src := range store.DemoDatasets().Sources() {
		p, err := src.PlanErasure(ctx, db, store.Subject{Email: email}, srcNow)
		if err != nil {
			t.Fatalf("%s: plan: %v", src.Name(), err)
		}
		plans[src.Name()] = p
	}
	if fingerprint(t, db, all) != whole {
		t.Fatal("planning changed the store")
	}
	t.Run("the plan follows the retention defaults", func(t *testing.T) {
		checkAlexPlan(t, db, plans, alex)
	})
	results, err := eraseAll(ctx, db, email)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the result equals the plan", func(t *testing.T) {
		for name, p := range plans {
			if !reflect.DeepEqual(p, results[name]) {
				t.Errorf("%s:\nplan   %+v\nresult %+v", name, p, results[name])
			}
		}
	})
	t.Run("row counts drop by exactly what was deleted", func(t *testing.T) {
		after := tableCounts(t, db)
		for kind, m := range kindModels {
			deleted := 0
			for _, r := range results {
				deleted += r.Count(kind, store.ActionDelete)
			}
			table := fmt.Sprintf("%T", m)
			if after[table] != before[table]-int64(deleted) {
				t.Errorf("%s: %d rows before, %d after, %d deleted", table, before[table], after[table], deleted)
			}
		}
	})
	t.Run("the customer row is gone and kept rows hold no personal data", func(t *testing.T) {
		var n int64
		db.Model(&store.Customer{}).Where("email = ?", email).Count(&n)
		if n != 0 {
			t.Fatal("alex's customer row is still there")
		}
		kept := 0
		for kind, ids := range alex {
			eachRow(t, db, kindModels[kind], func(id int64) bool { return slices.Contains(ids, id) }, func(vals []any) {
				kept++
				for _, v := range vals {
					s, _ := v.(string)
					for _, p := range pii {
						if strings.Contains(strings.ToLower(s), strings.ToLower(p)) {
							t.Errorf("kept %s row holds %q in %q", kind, p, s)
						}
					}
				}
			})
		}
		if kept == 0 {
			t.Error("no row was kept: nothing was tested")
		}
		var linked int64
		db.Model(&store.Order{}).Where("id IN ? AND (customer_id IS NOT NULL OR anonymized_at IS NULL OR email NOT LIKE ?)",
			alex["order"], "erased+order.%@"+anonymizedEmailDomain).Count(&linked)
		if linked != 0 {
			t.Errorf("%d kept orders are not anonymized", linked)
		}
	})
	t.Run("other customers' rows are untouched", func(t *testing.T) {
		if fingerprint(t, db, notAlex) != othersBefore {
			t.Error("rows that are not alex's changed")
		}
	})
	t.Run("a second erasure changes and reports nothing", func(t *testing.T) {
		snap := fingerprint(t, db, all)
		again, err := eraseAll(ctx, db, email)
		if err != nil {
			t.Fatal(err)
		}
		for name, r := range again {
			if len(r.Items) != 0 {
				t.Errorf("%s: second run reports %+v", name, r.Items)
			}
		}
		if fingerprint(t, db, all) != snap {
			t.Error("the second run changed the store")
		}
	})
	t.Run("nothing is found by the email any more", func(t *testing.T) {
		for _, src := range store.DemoDatasets().Sources() {
			if counts, _ := collectAll(t, db, src, email); len(counts) != 0 {
				t.Errorf("%s still finds %v", src.Name(), counts)
			}
		}
	})
}

// personalStrings returns the values that identify the person: email,
// names, phones and street lines, from their account and orders.
func personalStrings(t *testing.T, db *gorm.DB, email string, ids map[string][]int64) []string {
	var c store.Customer
	if err := db.Where("email = ?", email).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	out := []string{email, c.FirstName, c.LastName, c.Phone}
	var addrs []store.Address
	db.Where("customer_id = ?", c.ID).Find(&addrs)
	for _, a := range addrs {
		out = append(out, a.Line1, a.Phone)
	}
	var orders []store.Order
	db.Where("id IN ?", ids["order"]).Find(&orders)
	for _, o := range orders {
		out = append(out, o.Phone, o.ShippingName, o.ShippingLine1)
	}
	return slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(out))), func(s string) bool { return s == "" })
}

// checkAlexPlan checks the plan against the defaults in docs/design.md, counted
// independently from the seeded rows.
func checkAlexPlan(t *testing.T, db *gorm.DB, plans map[string]store.Plan, alex map[string][]int64) {
	var orders []store.Order
	db.Where("id IN ?", alex["order"]).Find(&orders)
	var recent int
	for _, o := range orders {
		if !o.PlacedAt.Before(srcNow.AddDate(-7, 0, 0)) {
			recent++
		}
	}
	var ws []store.ExtendedWarranty
	db.Where("id IN ?", alex["extended_warranty"]).Find(&ws)
	active, activeRegs := 0, map[int64]bool{}
	for _, w := range ws {
		if w.Active(srcNow) {
			active++
			activeRegs[w.RegistrationID] = true
		}
	}
	n := func(kind string) int { return len(alex[kind]) }
	for _, c := range []struct {
		source, kind, action string
		want                 int
	}{
		{"account", "customer", store.ActionDelete, 1},
		{"account", "address", store.ActionDelete, n("address")},
		{"account", "marketing_preference", store.ActionDelete, n("marketing_preference")},
		{"account", "consent_choice", store.ActionDelete, n("consent_choice")},
		{"orders", "order", store.ActionAnonymize, recent},
		{"orders", "order", store.ActionDelete, n("order") - recent},
		{"warranty", "extended_warranty", store.ActionAnonymize, active},
		{"warranty", "extended_warranty", store.ActionDelete, n("extended_warranty") - active},
		{"warranty", "product_registration", store.ActionAnonymize, len(activeRegs)},
		{"warranty", "product_registration", store.ActionDelete, n("product_registration") - len(activeRegs)},
		{"support", "support_ticket", store.ActionAnonymize, n("support_ticket")},
		{"support", "support_message", store.ActionDelete, n("support_message")},
		{"support", "attachment", store.ActionDelete, n("attachment")},
		{"activity", "page_view", store.ActionDelete, n("page_view")},
	} {
		if got := plans[c.source].Count(c.kind, c.action); got != c.want {
			t.Errorf("%s: %s %s %d, want %d", c.source, c.action, c.kind, got, c.want)
		}
	}
	if recent < 5 || active == 0 || len(ws) == active {
		t.Errorf("test data: %d recent orders, %d of %d warranties active", recent, active, len(ws))
	}
	for _, p := range plans {
		for _, it := range p.Items {
			if it.Reason == "" || it.Count <= 0 {
				t.Errorf("%s: item %+v has no reason or count", p.Source, it)
			}
		}
	}
}

// testEraseAccountFirst checks that the account, erased out of order, is
// refused rather than leaving orders and tickets unlinked but personal.
func testEraseAccountFirst(t *testing.T, f *storeFixture) {
	f.restore(t)
	db := f.db
	ctx := context.Background()
	snap := fingerprint(t, db, all)
	subject := store.Subject{Email: demo.JaneDoeEmail}
	res, err := demoSource(t, "account").Erase(ctx, db, subject, srcNow)
	if models.ErrorCode(err) != models.EConflict || len(res.Items) != 0 {
		t.Fatalf("erasing the account first: %+v, %v; want a conflict and nothing done", res, err)
	}
	if fingerprint(t, db, all) != snap {
		t.Fatal("the refused erasure changed the store")
	}
	if _, err := eraseAll(ctx, db, demo.JaneDoeEmail); err != nil {
		t.Fatalf("in ErasureOrder: %v", err)
	}
}

// testEraseInterrupted erases the heavy customer once straight through,
// then, from the same seeded store, cancels the context right after the
// n-th write (the first and a middle write of each source; mid-transaction
// for some) and runs the erasure again: the store must end up identical.
func testEraseInterrupted(t *testing.T, f *storeFixture) {
	f.restore(t)
	db, w := f.db, f.watch
	w.reset()
	email := demo.HeavyCustomerEmail
	subject := store.Subject{Email: email}
	plans := map[string]store.Plan{}
	for _, src := range store.DemoDatasets().Sources() {
		p, err := src.PlanErasure(context.Background(), db, subject, srcNow)
		if err != nil {
			t.Fatal(err)
		}
		plans[src.Name()] = p
	}
	// Erase source by source, noting which writes each one makes, so
	// the run can be cut inside every source.
	results := map[string]store.Result{}
	var cuts []int64
	for _, src := range store.ErasureOrder(store.DemoDatasets().Sources()) {
		first := w.writes.Load() + 1
		res, err := src.Erase(context.Background(), db, subject, srcNow)
		if err != nil {
			t.Fatalf("%s: %v", src.Name(), err)
		}
		results[src.Name()] = res
		if last := w.writes.Load(); last >= first {
			cuts = append(cuts, first, (first+last+1)/2)
		}
	}
	cuts = slices.Compact(cuts)
	if !reflect.DeepEqual(plans, results) {
		t.Errorf("heavy customer:\nplan   %+v\nresult %+v", plans, results)
	}
	if plans["orders"].Count("order", store.ActionDelete) == 0 || plans["orders"].Count("order", store.ActionAnonymize) == 0 {
		t.Errorf("test data: the heavy customer should have orders both older and younger than 7 years: %+v", plans["orders"])
	}
	writes := w.writes.Load()
	t.Logf("%d write statements; at most %d rows read and %d changed by one statement", writes, w.maxRead.Load(), w.maxWritten.Load())
	if w.maxRead.Load() > store.StoreBatchSize {
		t.Errorf("a statement read %d rows, more than a page of %d", w.maxRead.Load(), store.StoreBatchSize)
	}
	if w.maxWritten.Load() > store.EraseWriteRows {
		t.Errorf("a statement changed %d rows, more than %d", w.maxWritten.Load(), store.EraseWriteRows)
	}
	want, wantCounts := fingerprint(t, db, all), tableCounts(t, db)

	for _, cut := range cuts {
		t.Run(fmt.Sprintf("cancelled after write %d of %d", cut, writes), func(t *testing.T) {
			f.restore(t)
			if _, err := eraseAll(w.cancelAfter(cut), db, email); err == nil {
				t.Fatal("the erasure was not interrupted")
			}
			if _, err := eraseAll(context.Background(), db, email); err != nil {
				t.Fatalf("resuming: %v", err)
			}
			if got := tableCounts(t, db); !reflect.DeepEqual(got, wantCounts) {
				t.Errorf("row counts %v, want %v", got, wantCounts)
			}
			if fingerprint(t, db, all) != want {
				t.Error("the resumed erasure left a different store than an uninterrupted one")
			}
		})
	}
}
