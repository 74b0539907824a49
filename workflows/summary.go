package workflows

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// DeletionSummary is what a completed deletion's email tells the customer,
// in plain words: what was deleted, what was kept until when and why,
// whether their account is closed, and which partners were asked to delete
// what we shared with them.
type DeletionSummary struct {
	Deleted       []string   // "your customer profile", "7 order lines"
	Kept          []KeptLine // records kept for a period or as anonymous statistics
	AccountClosed bool       // an account was found and deleted or anonymized
	Partners      []string   // third parties told of the deletion, by name
	LegalGrounds  []string   // for reference: the law behind what was kept
}

// AnyUntil reports whether some kept records have a day they are deleted on.
func (d *DeletionSummary) AnyUntil() bool {
	return slices.ContainsFunc(d.Kept, func(l KeptLine) bool { return l.Until != "" })
}

// KeptLine is one kind of record kept after a deletion, as the customer reads it:
// "<What>: kept until <Until> <Why>. <Removed>".
type KeptLine struct {
	What    string // "1 order", "7 order lines"
	Until   string // "12 March 2032", "3 May 2026 to 12 March 2032", or "" when kept without end
	Why     string // plain words, no statute numbers
	Removed string // what was taken out of them, if anything
}

// demoDatasets is the built-in demo dataset, read once: the words of
// RecordLabel.
var demoDatasets = sync.OnceValue(store.DemoDatasets)

// RecordLabel says "n records of kind" in words a customer reads, with
// the right singular or plural, as the built-in demo dataset names its
// kinds: "your customer profile", "7 order lines". (A deletion summary
// uses the words of the service's own datasets.)
func RecordLabel(kind string, n int) string { return demoDatasets().RecordWords(kind, n) }

// keptLine words one kept or anonymized item of an erasure for the
// customer as its dataset says (it.Words and it.Summary, with years for
// {years}; see store.Datasets.Describe); an item its dataset says nothing
// of is kept "for this reason: " and its reason. It returns the legal
// ground the summary states for the item too ("" for none).
func keptLine(it store.PlanItem, years int) (KeptLine, string) {
	what, why, removed := it.Summary.Text(it.Count, store.CountWords(it.Words, it.Kind, it.Count), years)
	l := KeptLine{What: what, Until: untilWords(it), Why: why, Removed: removed}
	if it.Summary == nil || why == "" {
		// The dataset's reason is a sentence; the email adds the full stop.
		l.Why = "for this reason: " + strings.TrimRight(strings.TrimSpace(it.Reason), ".")
	}
	if it.Summary == nil {
		return l, ""
	}
	return l, it.Summary.Ground
}

// untilWords is the day (or range of days) an item's records are kept until.
func untilWords(it store.PlanItem) string {
	const day = "2 January 2006"
	switch {
	case it.Until == nil:
		return ""
	case it.UntilFirst == nil || it.UntilFirst.Format(day) == it.Until.Format(day):
		return it.Until.Format(day)
	}
	return it.UntilFirst.Format(day) + " to " + it.Until.Format(day)
}

// deletionSummary builds the customer's summary of a completed deletion
// from its recorded erasure results and the third parties concerned.
func (s *Service) deletionSummary(ctx context.Context, r *models.Request) (*DeletionSummary, error) {
	results, err := s.ErasureResults(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	sum := &DeletionSummary{}
	account := s.datasets.PersonKind()
	for _, res := range results {
		for _, it := range res.Items {
			it, years := s.datasets.Describe(res.Source, it)
			if it.Action == store.ActionDelete {
				what, _, _ := it.Summary.Text(it.Count, store.CountWords(it.Words, it.Kind, it.Count), years)
				sum.Deleted = append(sum.Deleted, what)
				if it.Kind == account {
					sum.AccountClosed = true
				}
				continue
			}
			if it.Kind == account && it.Action == store.ActionAnonymize {
				sum.AccountClosed = true // login, email and password gone: an anonymous row stays
			}
			line, ground := keptLine(it, years)
			sum.Kept = append(sum.Kept, line)
			if ground != "" && !slices.Contains(sum.LegalGrounds, ground) {
				sum.LegalGrounds = append(sum.LegalGrounds, ground)
			}
		}
	}
	// The notices themselves go out from their own job, which may run after
	// this email is composed; every recipient concerned with deletions is
	// told, so the list is the configured one, not the notices written so far.
	for _, tp := range s.Settings.ThirdParties {
		if ok, _ := tp.Concerns(models.TypeDeletion, nil); ok {
			sum.Partners = append(sum.Partners, tp.Name)
		}
	}
	return sum, nil
}
