package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SourcePreview is what requests would do in one source for one person:
// the records an access export would hold and what erasing them would do.
type SourcePreview struct {
	Name  string
	Label string
	// Found is the number of records per kind, in the order Collect
	// emits them; kinds without a record are left out.
	Found []KindCount
	// Plan is what Erase would do at the preview's time.
	Plan Plan
}

// KindCount is the number of records of one kind.
type KindCount struct {
	Kind  string
	Count int
}

// Preview returns, source by source in the order given (give them in
// erasure order), what an access export of the person with email would
// hold (Collect's counts) and what erasing them at now would do
// (PlanErasure). It changes nothing. Errors are the database's, or
// models.EInvalid for an empty email.
func Preview(ctx context.Context, db *gorm.DB, sources []Source, email string, now time.Time) ([]SourcePreview, error) {
	subject := Subject{Email: email}
	var out []SourcePreview
	for _, src := range sources {
		var kinds []string
		seen := map[string]bool{}
		counts, err := src.Collect(ctx, db, subject, func(r Record) error {
			if !seen[r.Kind] {
				seen[r.Kind] = true
				kinds = append(kinds, r.Kind)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		plan, err := src.PlanErasure(ctx, db, subject, now)
		if err != nil {
			return nil, err
		}
		p := SourcePreview{Name: src.Name(), Label: src.Label(), Plan: plan}
		for _, k := range kinds {
			p.Found = append(p.Found, KindCount{k, counts[k]})
		}
		out = append(out, p)
	}
	return out, nil
}
