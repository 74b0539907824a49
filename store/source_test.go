package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

func TestSourcesAreNamedAndOrdered(t *testing.T) {
	var names, erasure []string
	for _, s := range store.DemoDatasets().Sources() {
		names = append(names, s.Name())
	}
	for _, s := range store.ErasureOrder(store.DemoDatasets().Sources()) {
		erasure = append(erasure, s.Name())
	}
	if want := []string{"account", "orders", "warranty", "support", "activity"}; !slices.Equal(names, want) {
		t.Errorf("Sources() = %v, want %v", names, want)
	}
	if want := []string{"orders", "warranty", "support", "activity", "account"}; !slices.Equal(erasure, want) {
		t.Errorf("ErasureOrder() = %v, want %v", erasure, want)
	}
}

// TestSourceCollectAndErase runs every collection and erasure check on one
// seeded demo store per database, since seeding is the slow part, and puts
// the store back before each check that changes it.
func TestSourceCollectAndErase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		f := newStoreFixture(t, dialect)
		t.Run("Collect", func(t *testing.T) { f.restore(t); testCollect(t, f.db) })
		t.Run("Collect of the heavy customer reads in pages", func(t *testing.T) { testCollectHeavy(t, f) })
		t.Run("Erase Alex", func(t *testing.T) { testEraseAlex(t, f) })
		t.Run("Erase of the account first is refused while other sources link to it", func(t *testing.T) {
			testEraseAccountFirst(t, f)
		})
		t.Run("Erase interrupted then resumed ends like uninterrupted", func(t *testing.T) { testEraseInterrupted(t, f) })
	})
}

func testCollect(t *testing.T, db *gorm.DB) {
	t.Run("finds exactly Jane Doe's records, never the other Jane Doe's", func(t *testing.T) {
		checkExactlyTheirs(t, db, demo.JaneDoeEmail, demo.JaneDoeNetEmail)
		checkExactlyTheirs(t, db, demo.JaneDoeNetEmail, demo.JaneDoeEmail)
	})
	t.Run("includes Alex's guest order and guest ticket", func(t *testing.T) { checkAlexGuest(t, db) })
	t.Run("finds the same records whatever the email's case and spaces", func(t *testing.T) {
		for _, src := range store.DemoDatasets().Sources() {
			_, a := collectAll(t, db, src, demo.AlexMorganEmail)
			_, b := collectAll(t, db, src, "  Alex.Morgan@EXAMPLE.com ")
			if len(a) == 0 || !equalIDs(idsOf(a), idsOf(b)) {
				t.Errorf("%s: %d records for the normalized email, %d for the raw one", src.Name(), len(a), len(b))
			}
		}
	})
	t.Run("an empty customer yields only the account record", func(t *testing.T) {
		for _, email := range demo.EmptyCustomerEmails() {
			total := store.Counts{}
			for _, src := range store.DemoDatasets().Sources() {
				counts, _ := collectAll(t, db, src, email)
				for k, n := range counts {
					total[k] += n
				}
			}
			if len(total) != 1 || total["customer"] != 1 {
				t.Errorf("%s: counts %v, want only customer: 1", email, total)
			}
		}
	})
	t.Run("an unknown email yields nothing and no error", func(t *testing.T) {
		for _, src := range store.DemoDatasets().Sources() {
			counts, recs := collectAll(t, db, src, "nobody.here@example.com")
			if len(counts) != 0 || len(recs) != 0 {
				t.Errorf("%s: %v", src.Name(), counts)
			}
		}
	})
	t.Run("support agents' names are redacted", func(t *testing.T) { checkAgentsRedacted(t, db) })
	t.Run("every field has a category, purpose and retention", func(t *testing.T) { checkTagged(t, db) })
	t.Run("an emit error stops collection and is returned", func(t *testing.T) {
		stop := models.Errorf(models.EInternal, "disk full")
		n := 0
		_, err := demoSource(t, "orders").Collect(context.Background(), db, store.Subject{Email: demo.HeavyCustomerEmail},
			func(store.Record) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("err = %v after %d records, want the emit error after 1", err, n)
		}
	})
}

// checkExactlyTheirs collects every source for email and compares the ids
// per kind with an independent query; none may be the other person's.
func checkExactlyTheirs(t *testing.T, db *gorm.DB, email, other string) {
	want, others := ownedIDs(t, db, email), ownedIDs(t, db, other)
	for kind, ids := range want {
		for _, id := range ids {
			if slices.Contains(others[kind], id) {
				t.Fatalf("test data: %s %d belongs to both %s and %s", kind, id, email, other)
			}
		}
	}
	for _, src := range store.DemoDatasets().Sources() {
		counts, recs := collectAll(t, db, src, email)
		got := idsOf(recs)
		for _, kind := range sourceKinds[src.Name()] {
			if !slices.Equal(got[kind], want[kind]) {
				t.Errorf("%s %s: got ids %v, want %v", email, kind, got[kind], want[kind])
			}
			if counts[kind] != len(want[kind]) {
				t.Errorf("%s %s: count %d, want %d", email, kind, counts[kind], len(want[kind]))
			}
		}
		if len(got) > len(sourceKinds[src.Name()]) {
			t.Errorf("%s: unexpected kinds in %v", src.Name(), counts)
		}
		for _, r := range recs {
			for _, f := range r.Fields {
				if s, ok := f.Value.(string); ok && strings.Contains(s, other) {
					t.Errorf("%s %s %d: field %s holds %s", email, r.Kind, r.ID, f.Name, other)
				}
			}
		}
	}
	for _, kind := range []string{"customer", "address", "order", "order_line", "support_ticket", "page_view"} {
		if len(want[kind]) == 0 {
			t.Errorf("test data: %s has no %s", email, kind)
		}
	}
}

func checkAlexGuest(t *testing.T, db *gorm.DB) {
	for _, kind := range []struct {
		source string
		model  any
		kind   string
	}{{"orders", &store.Order{}, "order"}, {"support", &store.SupportTicket{}, "support_ticket"}} {
		var guest []int64
		db.Model(kind.model).Where("customer_id IS NULL AND email = ?", demo.AlexMorganEmail).Pluck("id", &guest)
		if len(guest) == 0 {
			t.Fatalf("test data: no guest %s for alex", kind.kind)
		}
		src := sourceByName(kind.source)
		_, recs := collectAll(t, db, src, demo.AlexMorganEmail)
		got := idsOf(recs)[kind.kind]
		for _, id := range guest {
			if !slices.Contains(got, id) {
				t.Errorf("guest %s %d missing from %v", kind.kind, id, got)
			}
		}
		if want := ownedIDs(t, db, demo.AlexMorganEmail)[kind.kind]; !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", kind.kind, got, want)
		}
	}
}

func checkAgentsRedacted(t *testing.T, db *gorm.DB) {
	var agents []string
	if err := db.Model(&store.SupportMessage{}).Distinct("author_name").Where("author_kind = ?", store.AuthorAgent).
		Pluck("author_name", &agents).Error; err != nil || len(agents) == 0 {
		t.Fatalf("test data: agent names %v, %v", agents, err)
	}
	for _, email := range []string{demo.AlexMorganEmail, demo.HeavyCustomerEmail} {
		_, recs := collectAll(t, db, demoSource(t, "support"), email)
		var agentMsgs, redactedBodies int
		for _, r := range recs {
			kind := ""
			for _, f := range r.Fields {
				switch {
				case f.Name == "author_kind":
					kind, _ = f.Value.(string)
				case f.Name == "author_name" && kind == store.AuthorAgent:
					agentMsgs++
					if f.Value != agentPlaceholder || !f.Redacted {
						t.Errorf("%s message %d: agent author %v, redacted %v", email, r.ID, f.Value, f.Redacted)
					}
				case f.Name == "body" && f.Redacted:
					redactedBodies++
				}
				if s, ok := f.Value.(string); ok {
					for _, a := range agents {
						if strings.Contains(s, a) {
							t.Errorf("%s %s %d: %s shows agent name %q", email, r.Kind, r.ID, f.Name, a)
						}
					}
				}
			}
		}
		if agentMsgs == 0 || redactedBodies == 0 {
			t.Errorf("%s: %d agent messages, %d redacted bodies: nothing was tested", email, agentMsgs, redactedBodies)
		}
	}
}

func checkTagged(t *testing.T, db *gorm.DB) {
	categories := []string{store.CategoryContact, store.CategoryAddress, store.CategoryPurchase,
		store.CategoryDevice, store.CategorySupport, store.CategoryUsage}
	fieldsOf := map[string][]string{}
	for _, src := range store.DemoDatasets().Sources() {
		for _, email := range []string{demo.AlexMorganEmail, demo.HeavyCustomerEmail} {
			_, recs := collectAll(t, db, src, email)
			for _, r := range recs {
				var names []string
				for _, f := range r.Fields {
					names = append(names, f.Name)
					if !slices.Contains(categories, f.Category) || f.Purpose == "" || f.Retention == "" {
						t.Fatalf("%s.%s: category %q, purpose %q, retention %q", r.Kind, f.Name, f.Category, f.Purpose, f.Retention)
					}
				}
				if prev, ok := fieldsOf[r.Kind]; ok && !slices.Equal(prev, names) {
					t.Fatalf("%s records differ in fields: %v and %v", r.Kind, prev, names)
				}
				fieldsOf[r.Kind] = names
			}
		}
	}
	for kind := range kindModels {
		if len(fieldsOf[kind]) == 0 {
			t.Errorf("no %s record was checked", kind)
		}
	}
}

func sourceByName(name string) store.Source {
	for _, s := range store.DemoDatasets().Sources() {
		if s.Name() == name {
			return s
		}
	}
	panic("no source " + name)
}

func equalIDs(a, b map[string][]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
