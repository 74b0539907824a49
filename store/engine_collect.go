package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Collect emits the subject's rows of each root table of the source, page
// by page, each page followed by its rows in the child tables (and so on
// down the paths), as the dataset's columns say. Third parties' names are
// redacted as the source's third_parties say. An unknown email yields no
// record and no error; it stops at the first error from the database or
// from emit and returns it with the counts so far.
func (e *Engine) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	sub, err := resolve(ctx, db, e.person, s)
	if err != nil {
		return counts, err
	}
	out := func(r Record) error { counts[r.Kind]++; return emit(r) }
	q := sqlOf(db)
	for _, n := range e.nodes {
		if n.parent != nil {
			continue
		}
		c, ok := e.rootCond(q, n, sub)
		if !ok {
			continue
		}
		err := eachPage(ctx, db, n, c, func(page []row) error {
			red, err := e.redactorFor(ctx, db, n, page)
			if err != nil {
				return err
			}
			return e.emitTree(ctx, db, n, page, red, out)
		})
		if err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// emitTree emits a page of n's rows, then, page by page, their children's.
func (e *Engine) emitTree(ctx context.Context, db *gorm.DB, n *node, page []row, red *redactor, out func(Record) error) error {
	var ft *fieldTemplate
	if n.t.Meta == nil && len(page) > 0 {
		ft = newFieldTemplate(n, page[0].pos)
	}
	for _, r := range page {
		if k := metaKeyOf(n.t, r); k != nil && k.Never {
			continue
		}
		rec := Record{Kind: n.t.Kind, ID: r.id}
		if ft != nil {
			rec.Fields = ft.fields(r, red)
		} else {
			rec = record(n, r, red)
		}
		if err := out(rec); err != nil {
			return err
		}
	}
	q := sqlOf(db)
	for _, ch := range n.children {
		keys := keysOf(page, parentKey(ch), n.id)
		if len(keys) == 0 {
			continue
		}
		err := eachPage(ctx, db, ch, childCond(q, ch, keys), func(sub []row) error {
			return e.emitTree(ctx, db, ch, sub, red, out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// keysOf returns the values of column key of the rows (their ids when key
// is the id column).
func keysOf(page []row, key, idCol string) []any {
	keys := make([]any, 0, len(page))
	for _, r := range page {
		if k := keyOf(r, key, idCol); k != nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// fieldTemplate is what the fields of a table's records have in common: a
// page's records start as a copy of base (names and what the policy says,
// worked out once per page), and take their values from the row at at.
type fieldTemplate struct {
	n    *node
	base []Field
	at   []int // the position in a row's values of each field's column; -1: not read
}

func newFieldTemplate(n *node, pos map[string]int) *fieldTemplate {
	t := n.t
	ft := &fieldTemplate{n: n, base: make([]Field, len(t.Columns)), at: make([]int, len(t.Columns))}
	for i, c := range t.Columns {
		ft.base[i] = Field{Name: c.Name, Category: c.Category, Purpose: or(c.Purpose, t.Purpose),
			Retention: or(c.Retention, t.Retention), Label: c.Label}
		ft.at[i] = -1
		if p, ok := pos[c.Name]; ok {
			ft.at[i] = p
		}
	}
	return ft
}

// fields are the fields of row r, as record makes them for a table
// without key/value rows.
func (ft *fieldTemplate) fields(r row, red *redactor) []Field {
	fs := make([]Field, len(ft.base))
	copy(fs, ft.base)
	for i, c := range ft.n.t.Columns {
		f := &fs[i]
		if p := ft.at[i]; p >= 0 {
			f.Value = exportValue(r.vals[p], c.Type)
		}
		if red != nil {
			if len(c.RedactWhen) > 0 && matches(r, c.RedactWhen) {
				f.Value, f.Redacted = red.placeholder, true
			} else if s, ok := f.Value.(string); ok && c.Redact {
				f.Value = red.r.Replace(s)
				f.Redacted = f.Value != s
			}
		}
	}
	return fs
}

// record turns a row into an export record.
func record(n *node, r row, red *redactor) Record {
	t := n.t
	rec := Record{Kind: t.Kind, ID: r.id}
	if m := t.Meta; m != nil {
		key := exportValue(r.get(m.KeyColumn), "string")
		for _, k := range m.Keys {
			if k.Key != key {
				continue
			}
			f := Field{Category: k.Category, Purpose: or(k.Purpose, t.Purpose), Retention: or(k.Retention, t.Retention), Label: k.Label}
			kf, vf := f, f
			kf.Name, kf.Value = m.KeyColumn, key
			vf.Name, vf.Value = m.ValueColumn, exportValue(r.get(m.ValueColumn), "string")
			rec.Fields = []Field{kf, vf}
		}
		return rec
	}
	rec.Fields = newFieldTemplate(n, r.pos).fields(r, red)
	return rec
}

// matches reports whether the row's columns have the values of where.
func matches(r row, where map[string]string) bool {
	for col, want := range where {
		if exportValue(r.get(col), "string") != want {
			return false
		}
	}
	return true
}

// redactor replaces third parties' names in free text.
type redactor struct {
	r           *strings.Replacer
	placeholder string
}

// redactorFor finds the third parties named under a page of root rows
// (the agents who wrote on these tickets) and returns their redactor; nil
// when the source names no third party.
func (e *Engine) redactorFor(ctx context.Context, db *gorm.DB, root *node, page []row) (*redactor, error) {
	if len(e.spec.ThirdParties) == 0 {
		return nil, nil
	}
	q := sqlOf(db)
	ids := make([]any, len(page))
	for i, r := range page {
		ids[i] = r.id
	}
	rootCond := cond{q.col(root.id) + " IN ?", []any{ids}}
	var pairs []string
	var placeholder string
	type name struct{ name, placeholder string }
	var names []name
	for _, tp := range e.spec.ThirdParties {
		if placeholder == "" {
			placeholder = tp.Placeholder
		}
		n := e.node(tp.Table)
		if !isBelow(n, root) {
			continue
		}
		c := thirdPartyCond(q, n, root, rootCond)
		for col, v := range tp.Where {
			c = c.and(cond{q.col(col) + " = ?", []any{v}})
		}
		c = c.and(cond{q.col(tp.NameColumn) + " <> ?", []any{""}})
		var found []string
		err := db.WithContext(ctx).Raw("SELECT DISTINCT "+q.col(tp.NameColumn)+" FROM "+q.col(n.t.Table)+
			" WHERE "+c.sql, c.args...).Scan(&found).Error
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			names = append(names, name{f, tp.Placeholder})
		}
	}
	// Longest first, so "Anna Maria Berg" is not half replaced as "Anna Maria".
	slices.SortStableFunc(names, func(a, b name) int { return cmp.Compare(len(b.name), len(a.name)) })
	for _, n := range names {
		pairs = append(pairs, n.name, n.placeholder)
	}
	return &redactor{r: strings.NewReplacer(pairs...), placeholder: placeholder}, nil
}

// metaKeyOf is the key spec of a key/value table's row; nil for another
// table's.
func metaKeyOf(t *TableSpec, r row) *MetaKeySpec {
	if t.Meta == nil {
		return nil
	}
	return metaKey(t, r)
}

// thirdPartyCond is belowCond without d's own meta-key filter: in a
// key/value table, the third party's name sits under a key that is
// neither exported nor erased (a note's handled_by row).
func thirdPartyCond(q sqlq, d, n *node, c cond) cond {
	if d == n || d.t.Meta == nil {
		return belowCond(q, d, n, c)
	}
	inner := belowCond(q, d.parent, n, c)
	return cond{q.col(d.t.Belongs.Parent.Column) + " IN (SELECT " + q.col(parentKey(d)) + " FROM " + q.col(d.parent.t.Table) +
		" WHERE " + inner.sql + ")", inner.args}
}

// node returns the source's node of table.
func (e *Engine) node(table string) *node {
	for _, n := range e.nodes {
		if n.t.Table == table {
			return n
		}
	}
	return nil
}

// isBelow reports whether d is n or in n's subtree.
func isBelow(d, n *node) bool {
	for ; d != nil; d = d.parent {
		if d == n {
			return true
		}
	}
	return false
}

// normKey makes a key value usable in a map whatever the driver returned.
func normKey(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	if n, ok := asInt64(v); ok {
		return n
	}
	return v
}

// keyOf is row r's value of column key, normalized.
func keyOf(r row, key, idCol string) any {
	if key == idCol {
		return r.id
	}
	return normKey(r.get(key))
}
