package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// StoreBatchSize is how many rows the engine reads or changes at a time:
// large enough to be efficient, small enough that memory stays bounded
// whatever the history size and a write holds its locks only briefly.
const StoreBatchSize = 500

// RetentionPurged counts, per record kind, what PurgeExpiredRetention deleted.
type RetentionPurged = Counts

// PurgeExpiredRetention deletes the rows an erasure kept only for a legal
// period once their keep rule stops holding at now (the rule's then:
// delete): marked rows whose within period is over, whose future column
// has passed or whose while_true column became false, with the rows under
// them; then rows kept with their children (with_children) that no longer
// have an account and no child left. It works in pages of StoreBatchSize
// rows, so it never holds locks for long. Errors are the database's.
func (d *Datasets) PurgeExpiredRetention(ctx context.Context, db *gorm.DB, now time.Time) (RetentionPurged, error) {
	out := RetentionPurged{}
	q := sqlOf(db)
	for _, e := range d.engines {
		// Children before parents, so a parent kept for its children sees
		// them gone.
		for i := len(e.nodes) - 1; i >= 0; i-- {
			n := e.nodes[i]
			c, ok := expiredCond(q, n, now)
			if !ok {
				continue
			}
			for _, dn := range descendants(n) {
				k, err := deleteWhere(ctx, db, dn, belowCond(q, dn, n, c))
				if k > 0 {
					out[dn.t.Kind] += k
				}
				if err != nil {
					return out, err
				}
			}
			k, err := deleteWhere(ctx, db, n, c)
			if k > 0 {
				out[n.t.Kind] += k
			}
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// expiredCond matches the rows of n whose keep rule no longer holds; ok is
// false for tables the retention job has nothing to do in.
func expiredCond(q sqlq, n *node, now time.Time) (cond, bool) {
	e := n.t.Erase
	k := e.Keep
	if k == nil || k.WithParent || or(k.Then, ActionDelete) != ActionDelete {
		return cond{}, false
	}
	if e.Mark != "" && (k.Within != nil || k.Future != "" || len(k.WhileTrue) > 0) {
		var ors []string
		var args []any
		if w := k.Within; w != nil {
			ors = append(ors, q.col(w.Column)+" < ?")
			args = append(args, now.AddDate(-w.Years, 0, 0))
		}
		if k.Future != "" {
			ors = append(ors, q.col(k.Future)+" <= ?")
			args = append(args, now)
		}
		for _, c := range k.WhileTrue {
			ors = append(ors, q.col(c)+" = ?")
			args = append(args, false)
		}
		sql := q.col(e.Mark) + " IS NOT NULL AND ("
		for i, o := range ors {
			if i > 0 {
				sql += " OR "
			}
			sql += o
		}
		return cond{sql + ")", args}, true
	}
	if k.WithChildren != "" && n.t.Belongs.CustomerID != "" {
		var child *node
		for _, ch := range n.children {
			if ch.t.Table == k.WithChildren {
				child = ch
			}
		}
		if child == nil {
			return cond{}, false
		}
		return cond{q.col(n.t.Belongs.CustomerID) + " IS NULL AND NOT EXISTS (SELECT 1 FROM " + q.col(child.t.Table) +
			" WHERE " + q.col(child.t.Table) + "." + q.col(child.t.Belongs.Parent.Column) + " = " +
			q.col(n.t.Table) + "." + q.col(parentKey(child)) + ")", nil}, true
	}
	return cond{}, false
}

// KeepYears returns the years of the within keep rule of the table whose
// records are of kind, 0 when it has none.
func (d *Datasets) KeepYears(kind string) int {
	for _, e := range d.engines {
		for _, n := range e.nodes {
			if k := n.t.Erase.Keep; n.t.Kind == kind && k != nil && k.Within != nil {
				return k.Within.Years
			}
		}
	}
	return 0
}
