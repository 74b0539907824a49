package workflows

import (
	"testing"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// TestMergeResultsKeepsTheWidestKeptUntilRange proves a deletion resumed
// after a crash reports, for what it kept, the days from the earliest to
// the latest of both runs, so the summary's "kept until" dates stay whole.
func TestMergeResultsKeepsTheWidestKeptUntilRange(t *testing.T) {
	day := func(y int, m time.Month, d int) *time.Time { v := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &v }
	cases := []struct {
		name          string
		first, second []store.PlanItem
		wantFirst     *time.Time
		wantLast      *time.Time
		wantWords     string
	}{
		{"second run has later orders",
			[]store.PlanItem{{Kind: "order", Action: store.ActionAnonymize, Count: 1, Until: day(2031, 5, 3), UntilFirst: day(2031, 5, 3)}},
			[]store.PlanItem{{Kind: "order", Action: store.ActionAnonymize, Count: 2, Until: day(2032, 3, 12), UntilFirst: day(2032, 1, 1)}},
			day(2031, 5, 3), day(2032, 3, 12), "3 May 2031 to 12 March 2032"},
		{"first run kept nothing",
			nil,
			[]store.PlanItem{{Kind: "order", Action: store.ActionAnonymize, Count: 1, Until: day(2032, 3, 12), UntilFirst: day(2032, 3, 12)}},
			day(2032, 3, 12), day(2032, 3, 12), "12 March 2032"},
		{"second run kept nothing more",
			[]store.PlanItem{{Kind: "order", Action: store.ActionAnonymize, Count: 1, Until: day(2032, 3, 12), UntilFirst: day(2032, 3, 12)}},
			nil,
			day(2032, 3, 12), day(2032, 3, 12), "12 March 2032"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := store.MergeResults(store.SourceOrders, store.Result{Items: tc.first}, store.Result{Items: tc.second})
			if len(got.Items) != 1 {
				t.Fatalf("merged items %+v, want one", got.Items)
			}
			it := got.Items[0]
			if it.UntilFirst == nil || !it.UntilFirst.Equal(*tc.wantFirst) || it.Until == nil || !it.Until.Equal(*tc.wantLast) {
				t.Fatalf("kept from %v until %v, want %v until %v", it.UntilFirst, it.Until, tc.wantFirst, tc.wantLast)
			}
			if w := untilWords(it); w != tc.wantWords {
				t.Fatalf("untilWords = %q, want %q", w, tc.wantWords)
			}
		})
	}
}

// TestKeptLineOfAnotherStoresKindEndsInOneFullStop proves the summary of a
// kind the dataset file describes (another store's) quotes its keep reason
// without doubling the full stop the email template adds.
func TestKeptLineOfAnotherStoresKindEndsInOneFullStop(t *testing.T) {
	l, _ := keptLine(store.PlanItem{Kind: "wc_order", Action: store.ActionAnonymize, Count: 2,
		Reason: "Kept for the legal accounting period (7 years). "}, 7)
	if want := "for this reason: Kept for the legal accounting period (7 years)"; l.Why != want {
		t.Errorf("Why = %q, want %q", l.Why, want)
	}
}
