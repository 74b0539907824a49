package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// write deletes and anonymizes a page's rows, or, in a dry run, counts
// them: EraseWriteRows of them per short transaction (the person's row
// with the check that nothing links to it any more), with a pause after
// each (yieldAfter). Each transaction is whole rows done, so a rerun after
// an interruption finds what is left.
func (x *eraser) write(n *node, page []row, del, anon []int64) error {
	kind := n.t.Kind
	if x.dry {
		x.t.add(kind, ActionDelete, len(del))
		x.t.add(kind, ActionAnonymize, len(anon))
		return nil
	}
	dels, anons := chunks(del, EraseWriteRows), chunks(anon, EraseWriteRows)
	for i := range max(len(dels), len(anons)) {
		var d, a []int64
		if i < len(dels) {
			d = dels[i]
		}
		if i < len(anons) {
			a = anons[i]
		}
		start := time.Now()
		if err := x.writeTx(n, page, d, a); err != nil {
			return err
		}
		if err := yieldAfter(x.ctx, start); err != nil {
			return err
		}
	}
	return nil
}

// writeTx deletes the rows with ids del and anonymizes those with ids anon
// in one transaction.
func (x *eraser) writeTx(n *node, page []row, del, anon []int64) error {
	var deleted, anonymized int
	err := x.db.WithContext(x.ctx).Transaction(func(tx *gorm.DB) error {
		if n.person {
			// The check and the delete share a transaction so a row linked
			// in between cannot lose its link unnoticed.
			if err := x.e.checkUnlinked(x.ctx, tx, x.sub.id); err != nil {
				return err
			}
		}
		var err error
		if deleted, err = deleteIDs(x.ctx, tx, n, del); err != nil {
			return err
		}
		anonymized, err = x.anonymize(tx, n, page, anon)
		return err
	})
	if err != nil {
		return err
	}
	x.t.add(n.t.Kind, ActionDelete, deleted)
	x.t.add(n.t.Kind, ActionAnonymize, anonymized)
	return nil
}

// anonymize applies the table's set rules (a key/value table's per key)
// to the rows with ids, and the mark; rows marked already are left alone.
func (x *eraser) anonymize(tx *gorm.DB, n *node, page []row, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	t := n.t
	if m := t.Meta; m != nil {
		byKey := map[string][]int64{}
		want := map[int64]bool{}
		for _, id := range ids {
			want[id] = true
		}
		for _, r := range page {
			if want[r.id] {
				k := exportValue(r.get(m.KeyColumn), "string").(string)
				byKey[k] = append(byKey[k], r.id)
			}
		}
		total := 0
		for _, k := range m.Keys {
			if k.Set == nil || len(byKey[k.Key]) == 0 {
				continue
			}
			s := *k.Set
			s.Column = m.ValueColumn
			c, err := x.update(tx, n, []SetSpec{s}, byKey[k.Key])
			total += c
			if err != nil {
				return total, err
			}
		}
		return total, nil
	}
	return x.update(tx, n, t.Erase.Set, ids)
}

// update sets the columns of the rows with ids (and the mark to now).
func (x *eraser) update(tx *gorm.DB, n *node, sets []SetSpec, ids []int64) (int, error) {
	q := sqlOf(tx)
	vals := map[string]any{}
	for _, s := range sets {
		switch {
		case s.ToNull:
			vals[s.Column] = nil
		case s.Value != nil:
			vals[s.Column] = *s.Value
		default:
			expr, args := q.pattern(s.Pattern, n.id)
			vals[s.Column] = gorm.Expr(expr, args...)
		}
	}
	upd := table(x.ctx, tx, n).Where(q.col(n.id)+" IN ?", ids)
	if m := n.t.Erase.Mark; m != "" && n.t.Meta == nil {
		vals[m] = x.now
		upd = upd.Where(q.col(m) + " IS NULL")
	}
	res := upd.Updates(vals)
	if res.Error != nil {
		return 0, fmt.Errorf("anonymize %s: %w", n.t.Table, res.Error)
	}
	return int(res.RowsAffected), nil
}

// alreadyAnonymized reports whether erasing would not change row r any
// more: it carries the mark, or every set column has its value already.
func (x *eraser) alreadyAnonymized(n *node, r row) bool {
	t := n.t
	sets := t.Erase.Set
	if m := t.Meta; m != nil {
		k := metaKey(t, r)
		if k == nil || k.Set == nil {
			return false
		}
		s := *k.Set
		s.Column = m.ValueColumn
		sets = []SetSpec{s}
	} else if t.Erase.Mark != "" {
		return r.get(t.Erase.Mark) != nil
	}
	for _, s := range sets {
		v := r.get(s.Column)
		switch {
		case s.ToNull:
			if v != nil {
				return false
			}
		case s.Value != nil:
			if v == nil || exportValue(v, "string") != *s.Value {
				return false
			}
		default:
			if v == nil || exportValue(v, "string") != patternValue(s.Pattern, r.id) {
				return false
			}
		}
	}
	return true
}

// metaKey returns the key spec of a key/value row (nil for an unknown key).
func metaKey(t *TableSpec, r row) *MetaKeySpec {
	k := exportValue(r.get(t.Meta.KeyColumn), "string")
	for i := range t.Meta.Keys {
		if t.Meta.Keys[i].Key == k {
			return &t.Meta.Keys[i]
		}
	}
	return nil
}

// metaErase is what erasure does to a key/value row: delete or set.
func metaErase(t *TableSpec, r row) string {
	if k := metaKey(t, r); k != nil && k.Erase == "set" {
		return "set"
	}
	return ActionDelete
}

// checkUnlinked returns an EConflict error naming the tables of other
// sources whose rows still link to the person's account.
func (e *Engine) checkUnlinked(ctx context.Context, db *gorm.DB, personID int64) error {
	q := sqlOf(db)
	var parts []string
	for _, o := range e.all {
		if o == e {
			continue
		}
		for _, n := range o.nodes {
			if n.t.Belongs.CustomerID == "" {
				continue
			}
			k, err := countRows(ctx, db, n, cond{q.col(n.t.Belongs.CustomerID) + " = ?", []any{personID}})
			if err != nil {
				return err
			}
			if k > 0 {
				parts = append(parts, fmt.Sprintf("%d rows of %s", k, n.t.Table))
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	sort.Strings(parts)
	return models.Errorf(models.EConflict,
		"The account cannot be deleted yet: %s still belong to it; erase the other sources first.", strings.Join(parts, ", "))
}
