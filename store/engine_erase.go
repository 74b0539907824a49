package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// PlanErasure is Erase's dry run: it changes nothing and returns exactly
// what Erase would do at now.
func (e *Engine) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error) {
	return e.erase(ctx, db, s, now, true)
}

// Erase deletes, anonymizes and keeps the subject's rows as the dataset's
// erase rules say, one page of root rows (with everything under them) at
// a time: the rows under a page go first, in statements of at most
// EraseWriteRows rows, then the page itself in short transactions of as
// many, each followed by a pause as long as it took (engine_yield.go), so a
// rerun after an interruption finds what is left and intake is not kept
// waiting for the writer. The person's own row
// goes last, and not while tables of other sources still link to it:
// then it returns a models.EConflict error and changes nothing.
func (e *Engine) Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error) {
	return e.erase(ctx, db, s, now, false)
}

// eraser is one run of PlanErasure or Erase.
type eraser struct {
	e   *Engine
	ctx context.Context
	db  *gorm.DB
	q   sqlq
	now time.Time
	dry bool
	t   *tally
	sub subject
}

// kept is a row's fate: kept (with until, nil for no end) or not.
type kept struct {
	ok    bool
	until *time.Time
}

func (e *Engine) erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time, dry bool) (Plan, error) {
	x := &eraser{e: e, ctx: ctx, db: db, q: sqlOf(db), now: now, dry: dry, t: newTally(e.spec.Name, e.planItems()...)}
	sub, err := resolve(ctx, db, e.person, s)
	if err != nil {
		return x.t.done(), err
	}
	x.sub = sub
	if !dry && sub.found && e.holdsPerson() {
		if err := e.checkUnlinked(ctx, db, sub.id); err != nil {
			return x.t.done(), err
		}
	}
	// The person's own row last: deleting it unlinks the others.
	roots := make([]*node, 0, len(e.nodes))
	var person []*node
	for _, n := range e.nodes {
		switch {
		case n.parent != nil:
		case n.person:
			person = append(person, n)
		default:
			roots = append(roots, n)
		}
	}
	for _, n := range append(roots, person...) {
		c, ok := e.rootCond(x.q, n, sub)
		if !ok {
			continue
		}
		err := eachPage(ctx, db, n, c, func(page []row) error {
			_, err := x.page(n, page, false, nil)
			return err
		})
		if err != nil {
			return x.t.done(), err
		}
	}
	return x.t.done(), nil
}

// planItems declares a plan's items in a fixed order: what is deleted,
// table by table, then what is anonymized or kept.
func (e *Engine) planItems() []PlanItem {
	var del, rest []PlanItem
	for _, n := range e.nodes {
		t := n.t
		del = append(del, PlanItem{Kind: t.Kind, Action: ActionDelete, Reason: or(t.Erase.Reason, eraseReason)})
		switch {
		case t.Erase.Action == ActionAnonymize:
			rest = append(rest, PlanItem{Kind: t.Kind, Action: ActionAnonymize, Reason: t.Erase.Reason})
		case t.Erase.Keep != nil:
			rest = append(rest, PlanItem{Kind: t.Kind, Action: or(t.Erase.Keep.Action, ActionAnonymize), Reason: t.Erase.Keep.Reason})
		case t.Meta != nil:
			rest = append(rest, PlanItem{Kind: t.Kind, Action: ActionAnonymize, Reason: or(t.Erase.Reason, eraseReason)})
		}
	}
	return append(del, rest...)
}

// page erases a page of n's rows and everything under them. Under a
// forced page every row is deleted (its parent is). parentKept says,
// per parent key value, whether the parent row is kept. It returns the
// fate of each row, by row id.
func (x *eraser) page(n *node, page []row, forced bool, parentKept map[any]kept) (map[int64]kept, error) {
	t := n.t
	keep := t.Erase.Keep
	// A row kept with its children needs their fate first.
	childKept := map[any]kept{}
	var first *node
	if keep != nil && keep.WithChildren != "" && !forced {
		for _, ch := range n.children {
			if ch.t.Table == keep.WithChildren {
				first = ch
			}
		}
		var err error
		if childKept, err = x.under(first, page, n, false, nil); err != nil {
			return nil, err
		}
	}
	fate := make(map[int64]kept, len(page))
	var del, anon []int64
	keptHere := map[any]kept{} // by the key children point at
	for _, r := range page {
		k := x.decide(n, r, forced, parentKept, childKept)
		fate[r.id] = k
		for _, ch := range n.children {
			keptHere[keyOf(r, parentKey(ch), n.id)] = k
		}
		switch {
		case !k.ok && (t.Meta == nil || metaErase(t, r) == ActionDelete):
			del = append(del, r.id)
		case t.Meta != nil, t.Erase.Action == ActionAnonymize, keep != nil && keep.Action != ActionKeep:
			if !x.alreadyAnonymized(n, r) {
				anon = append(anon, r.id)
			}
			if k.ok && k.until != nil {
				x.t.keepUntil(t.Kind, ActionAnonymize, *k.until)
			}
		default: // kept as it is
			x.t.add(t.Kind, ActionKeep, 1)
			if k.until != nil {
				x.t.keepUntil(t.Kind, ActionKeep, *k.until)
			}
		}
	}
	for _, ch := range n.children {
		if ch == first {
			continue
		}
		var gone, live []row
		for _, r := range page {
			if k := fate[r.id]; forced || (!k.ok && t.Erase.Action != ActionAnonymize && t.Meta == nil) {
				gone = append(gone, r)
			} else {
				live = append(live, r)
			}
		}
		if _, err := x.under(ch, gone, n, true, nil); err != nil {
			return nil, err
		}
		if _, err := x.under(ch, live, n, false, keptHere); err != nil {
			return nil, err
		}
	}
	return fate, x.write(n, page, del, anon)
}

// decide returns whether row r of n is kept, and until when.
func (x *eraser) decide(n *node, r row, forced bool, parentKept, childKept map[any]kept) kept {
	t := n.t
	keep := t.Erase.Keep
	switch {
	case forced:
		return kept{}
	case t.Meta != nil:
		return kept{ok: metaErase(t, r) != ActionDelete}
	case t.Erase.Action == ActionAnonymize:
		return kept{ok: true}
	case keep == nil:
		return kept{}
	case keep.WithParent:
		return parentKept[normKey(r.get(t.Belongs.Parent.Column))]
	}
	k := kept{ok: true}
	earliest := func(u time.Time) {
		if k.until == nil || u.Before(*k.until) {
			k.until = &u
		}
	}
	if w := keep.Within; w != nil {
		at, ok := asTime(r.get(w.Column))
		if !ok || at.Before(x.now.AddDate(-w.Years, 0, 0)) {
			return kept{}
		}
		earliest(at.AddDate(w.Years, 0, 0))
	}
	if keep.Future != "" {
		at, ok := asTime(r.get(keep.Future))
		if !ok || !x.now.Before(at) {
			return kept{}
		}
		earliest(at)
	}
	for _, c := range keep.WhileTrue {
		if !asBool(r.get(c)) {
			return kept{}
		}
	}
	if keep.WithChildren != "" {
		ck, ok := childKept[keyOf(r, parentKey(x.e.node(keep.WithChildren)), n.id)]
		if !ok || !ck.ok {
			return kept{}
		}
		if ck.until != nil {
			earliest(*ck.until)
		}
	}
	return k
}

// under erases the rows of ch (a child of n) under the parent rows, and
// returns, per parent key value, whether any of them is kept and until
// when the last of them is.
func (x *eraser) under(ch *node, parents []row, n *node, forced bool, parentKept map[any]kept) (map[any]kept, error) {
	out := map[any]kept{}
	keys := keysOf(parents, parentKey(ch), n.id)
	if len(keys) == 0 {
		return out, nil
	}
	c := childCond(x.q, ch, keys)
	if forced || !needsRows(ch) {
		return out, x.subtree(ch, c, forced, parents, parentKept, n)
	}
	err := eachPage(x.ctx, x.db, ch, c, func(page []row) error {
		fate, err := x.page(ch, page, false, parentKept)
		for _, r := range page {
			k, pk := fate[r.id], normKey(r.get(ch.t.Belongs.Parent.Column))
			cur := out[pk]
			if k.ok {
				cur.ok = true
				if k.until != nil && (cur.until == nil || k.until.After(*cur.until)) {
					cur.until = k.until
				}
			}
			out[pk] = cur
		}
		return err
	})
	return out, err
}

// needsRows reports whether erasing n's rows needs each row read: some
// are kept or anonymized, here or below.
func needsRows(n *node) bool {
	e := n.t.Erase
	if n.t.Meta != nil || e.Action == ActionAnonymize || (e.Keep != nil && (!e.Keep.WithParent || or(e.Keep.Action, ActionAnonymize) != ActionKeep)) {
		return true
	}
	for _, ch := range n.children {
		if needsRows(ch) {
			return true
		}
	}
	return false
}

// subtree erases, without reading them one by one, the rows of ch that c
// matches and their descendants: deleted (deepest first) when forced or
// when ch keeps nothing, or kept as they are with their kept parents.
func (x *eraser) subtree(ch *node, c cond, forced bool, parents []row, parentKept map[any]kept, n *node) error {
	keep := ch.t.Erase.Keep
	if !forced && keep != nil && keep.WithParent {
		k, err := countRows(x.ctx, x.db, ch, c)
		if err != nil {
			return err
		}
		x.t.add(ch.t.Kind, ActionKeep, k)
		for _, p := range parents {
			if pk := parentKept[keyOf(p, parentKey(ch), n.id)]; pk.ok && pk.until != nil {
				x.t.keepUntil(ch.t.Kind, ActionKeep, *pk.until)
			}
		}
		return nil
	}
	for _, d := range append(descendants(ch), ch) {
		dc := belowCond(x.q, d, ch, c)
		var k int
		var err error
		if x.dry {
			k, err = countRows(x.ctx, x.db, d, dc)
		} else {
			k, err = deleteWhere(x.ctx, x.db, d, dc)
		}
		x.t.add(d.t.Kind, ActionDelete, k)
		if err != nil {
			return err
		}
	}
	return nil
}
