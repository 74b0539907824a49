package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// An Engine is the one implementation of Source: it finds, exports and
// erases the rows of one described source (SourceSpec) as its dataset file
// says, with portable SQL (SQLite, PostgreSQL, MySQL/MariaDB) that looks
// rows up only by the identity and path columns, page by page.
type Engine struct {
	person *PersonSpec
	spec   *SourceSpec
	nodes  []*node // the source's tables, in file order
	all    []*Engine
}

var _ Source = (*Engine)(nil)

// node is one table of the source, linked to its parent and children.
type node struct {
	t        *TableSpec
	id       string // primary key column
	parent   *node
	children []*node
	person   bool // the person table
}

func newEngine(p *PersonSpec, s *SourceSpec) *Engine {
	e := &Engine{person: p, spec: s}
	byTable := map[string]*node{}
	for i := range s.Tables {
		t := &s.Tables[i]
		n := &node{t: t, id: or(t.ID, "id"), person: t.Belongs.Person}
		if pr := t.Belongs.Parent; pr != nil {
			n.parent = byTable[pr.Table]
			n.parent.children = append(n.parent.children, n)
		}
		byTable[t.Table] = n
		e.nodes = append(e.nodes, n)
	}
	return e
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Spec returns the source's description as parsed.
func (e *Engine) Spec() *SourceSpec { return e.spec }

// Name returns the source's name from its dataset file.
func (e *Engine) Name() string { return e.spec.Name }

// Label returns the source's title from its dataset file.
func (e *Engine) Label() string { return e.spec.Label }

// EraseOrder returns the source's erasure position from its dataset file.
func (e *Engine) EraseOrder() int { return e.spec.EraseOrder }

// holdsPerson reports whether the source holds the person table.
func (e *Engine) holdsPerson() bool {
	for _, n := range e.nodes {
		if n.person {
			return true
		}
	}
	return false
}

// subject is a resolved Subject: the normalized email and, when they have
// an account, its id.
type subject struct {
	email string
	id    int64
	found bool
}

// resolve normalizes the subject's email and looks up their account.
// Errors: EInvalid for an empty email, or the database's.
func resolve(ctx context.Context, db *gorm.DB, p *PersonSpec, s Subject) (subject, error) {
	email := models.NormalizeEmail(s.Email)
	if email == "" {
		return subject{}, models.Errorf(models.EInvalid, "The subject has no email address.")
	}
	sub := subject{email: email}
	if p == nil {
		return sub, nil
	}
	id, err := findPersonID(ctx, db, p, email)
	if errors.Is(err, models.ErrNotFound) {
		return sub, nil
	}
	if err != nil {
		return sub, err
	}
	sub.id, sub.found = id, true
	return sub, nil
}

// findPersonID returns the id of the person row with this normalized
// email, or models.ErrNotFound.
func findPersonID(ctx context.Context, db *gorm.DB, p *PersonSpec, email string) (int64, error) {
	q := sqlOf(db)
	where := q.col(p.Email) + " = ?"
	if !p.EmailNormalized {
		where = "lower(" + q.col(p.Email) + ") = ?"
	}
	var ids []int64
	err := db.WithContext(ctx).Raw("SELECT "+q.col(or(p.ID, "id"))+" FROM "+q.col(p.Table)+" WHERE "+where+
		" ORDER BY "+q.col(or(p.ID, "id"))+" LIMIT 1", email).Scan(&ids).Error
	if err != nil {
		return 0, fmt.Errorf("find person in %s: %w", p.Table, err)
	}
	if len(ids) == 0 {
		return 0, models.ErrNotFound
	}
	return ids[0], nil
}

// FindPerson reports whether the normalized email has an account in the
// store (the person table), and its id. Without a person lookup, nobody
// has one. Errors are the database's.
func (d *Datasets) FindPerson(ctx context.Context, db *gorm.DB, email string) (int64, bool, error) {
	if d.Person == nil || email == "" {
		return 0, false, nil
	}
	id, err := findPersonID(ctx, db, d.Person, email)
	if errors.Is(err, models.ErrNotFound) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// cond is an SQL condition with its arguments.
type cond struct {
	sql  string
	args []any
}

func (c cond) and(o cond) cond {
	return cond{"(" + c.sql + ") AND (" + o.sql + ")", append(append([]any{}, c.args...), o.args...)}
}

// rootCond matches the subject's rows of a table that belongs to them
// directly; ok is false when no row can match (no account, and the table
// knows the person only by account).
func (e *Engine) rootCond(q sqlq, n *node, s subject) (cond, bool) {
	b := n.t.Belongs
	var c cond
	switch {
	case b.Person:
		if !s.found {
			return c, false
		}
		c = cond{q.col(n.id) + " = ?", []any{s.id}}
	case b.CustomerID != "" && b.Email != "":
		guest := q.col(b.CustomerID) + " IS NULL"
		var gargs []any
		if b.GuestID != nil {
			guest = "(" + guest + " OR " + q.col(b.CustomerID) + " = ?)"
			gargs = append(gargs, *b.GuestID)
		}
		byEmail := guest + " AND lower(" + q.col(b.Email) + ") = ?"
		args := append(gargs, s.email)
		if s.found {
			c = cond{"(" + q.col(b.CustomerID) + " = ? OR (" + byEmail + "))", append([]any{s.id}, args...)}
		} else {
			c = cond{byEmail, args}
		}
	case b.CustomerID != "":
		if !s.found {
			return c, false
		}
		c = cond{q.col(b.CustomerID) + " = ?", []any{s.id}}
	case b.Email != "":
		c = cond{"lower(" + q.col(b.Email) + ") = ?", []any{s.email}}
	default:
		return c, false
	}
	return c.and(metaCond(q, n)), true
}

// metaCond limits a key/value table to its described keys (true for others).
func metaCond(q sqlq, n *node) cond {
	m := n.t.Meta
	if m == nil {
		return cond{"1 = 1", nil}
	}
	keys := make([]string, len(m.Keys))
	for i, k := range m.Keys {
		keys[i] = k.Key
	}
	return cond{q.col(m.KeyColumn) + " IN ?", []any{keys}}
}

// childCond matches the rows of n whose parent has one of these key values.
func childCond(q sqlq, n *node, keys []any) cond {
	return cond{q.col(n.t.Belongs.Parent.Column) + " IN ?", []any{keys}}.and(metaCond(q, n))
}

// belowCond matches the rows of d, a descendant of n, under the rows of n
// that c matches: nested IN subqueries along the path, each served by the
// index on its link column.
func belowCond(q sqlq, d, n *node, c cond) cond {
	if d == n {
		return c
	}
	p := d.parent
	inner := belowCond(q, p, n, c)
	key := or(d.t.Belongs.Parent.Key, p.id)
	return cond{q.col(d.t.Belongs.Parent.Column) + " IN (SELECT " + q.col(key) + " FROM " + q.col(p.t.Table) +
		" WHERE " + inner.sql + ")", inner.args}.and(metaCond(q, d))
}

// parentKey is the column of n's parent that n's rows point at.
func parentKey(n *node) string { return or(n.t.Belongs.Parent.Key, n.parent.id) }

// descendants returns n's subtree below it, deepest first.
func descendants(n *node) []*node {
	var out []*node
	for _, c := range n.children {
		out = append(out, descendants(c)...)
		out = append(out, c)
	}
	return out
}

// sqlq quotes names for one database.
type sqlq struct{ db *gorm.DB }

func sqlOf(db *gorm.DB) sqlq { return sqlq{db} }

// col quotes a table or column name for the database's dialect.
func (q sqlq) col(name string) string { return q.db.Statement.Quote(name) }

// mysql reports whether the database is MySQL or MariaDB.
func (q sqlq) mysql() bool { return q.db.Dialector.Name() == "mysql" }

// pattern returns an SQL expression for a SetSpec pattern on row id: the
// text around {id} bound as arguments.
func (q sqlq) pattern(p, idCol string) (string, []any) {
	parts := strings.Split(p, "{id}")
	cast := "CAST(" + q.col(idCol) + " AS TEXT)"
	if q.mysql() {
		cast = "CAST(" + q.col(idCol) + " AS CHAR)"
	}
	var sqls []string
	var args []any
	for i, part := range parts {
		if i > 0 {
			sqls = append(sqls, cast)
		}
		if part != "" {
			sqls = append(sqls, "?")
			args = append(args, part)
		}
	}
	if len(sqls) == 1 {
		return sqls[0], args
	}
	if q.mysql() {
		return "CONCAT(" + strings.Join(sqls, ", ") + ")", args
	}
	return "(" + strings.Join(sqls, " || ") + ")", args
}

// patternValue is what pattern gives for row id, computed in Go.
func patternValue(p string, id int64) string {
	return strings.ReplaceAll(p, "{id}", fmt.Sprint(id))
}

// utcTime returns t in UTC.
func utcTime(t time.Time) time.Time { return t.UTC() }
