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

// AccountEngine is the Engine of the source holding the person table: it
// can also show and correct the person's name, email and phone.
type AccountEngine struct{ *Engine }

// Current returns the person's value of a correctable field (name, email,
// phone) from the person table, as the dataset's person.correct says;
// found is false when the source does not hold the person table, the
// field is not described, or the subject has no account.
func (e *AccountEngine) Current(ctx context.Context, db *gorm.DB, s Subject, field string) (string, bool, error) {
	cols := e.correctColumns(field)
	if cols == nil {
		return "", false, nil
	}
	sub, err := resolve(ctx, db, e.person, s)
	if err != nil || !sub.found {
		return "", false, err
	}
	q := sqlOf(db)
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = q.col(c)
	}
	rows, err := db.WithContext(ctx).Raw("SELECT "+strings.Join(sel, ", ")+" FROM "+q.col(e.person.Table)+
		" WHERE "+q.col(or(e.person.ID, "id"))+" = ?", sub.id).Rows()
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", e.person.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return "", false, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", false, err
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v != nil {
			parts[i] = exportValue(v, "string").(string)
		}
	}
	return strings.TrimSpace(strings.Join(parts, " ")), true, rows.Err()
}

// correctColumns returns the person-table columns of field, nil when this
// source cannot correct it.
func (e *Engine) correctColumns(field string) []string {
	if e.person == nil || !e.holdsPerson() {
		return nil
	}
	return e.person.Correct[field]
}

// Correct writes the person's name (split at its last space over two
// columns), email (normalized) or phone in one short transaction, and
// says what it did. Applied again it changes nothing: a changed email is
// found under the new address. Errors are the database's.
func (e *AccountEngine) Correct(ctx context.Context, db *gorm.DB, s Subject, field, value string) (string, error) {
	cols := e.correctColumns(field)
	if cols == nil {
		return "not held here", nil
	}
	sub, err := resolve(ctx, db, e.person, s)
	if err != nil {
		return "", err
	}
	if !sub.found && field == models.FieldEmail {
		if _, err := findPersonID(ctx, db, e.person, models.NormalizeEmail(value)); err == nil {
			return "changed", nil // applied by an earlier run
		}
	}
	if !sub.found {
		return "no account found", nil
	}
	vals := []string{value}
	switch {
	case field == models.FieldEmail:
		vals = []string{models.NormalizeEmail(value)}
	case len(cols) == 2:
		first, last := value, ""
		if i := strings.LastIndexByte(value, ' '); i > 0 {
			first, last = strings.TrimSpace(value[:i]), value[i+1:]
		}
		vals = []string{first, last}
	}
	q := sqlOf(db)
	set := make([]string, len(cols))
	args := make([]any, 0, len(cols)+1)
	for i, c := range cols {
		set[i] = q.col(c) + " = ?"
		args = append(args, vals[i])
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec("UPDATE "+q.col(e.person.Table)+" SET "+strings.Join(set, ", ")+" WHERE "+
			q.col(or(e.person.ID, "id"))+" = ?", append(args, sub.id)...).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "not changed: another account already uses this email address", nil
	}
	if err != nil {
		return "", err
	}
	return "changed", nil
}

// maxProofValues bounds how many values of one kind one person's check
// loads; a real customer has far fewer.
const maxProofValues = 1000

// IdentityProofs are the store values only the person behind an email
// should know, for the stronger verification of access and deletion
// requests, as the dataset's person.proofs say: order numbers and product
// serial numbers. Both empty means there is nothing to ask.
type IdentityProofs struct {
	OrderNumbers []string
	Serials      []string
}

// Empty reports whether there is no value to ask for.
func (p *IdentityProofs) Empty() bool { return len(p.OrderNumbers) == 0 && len(p.Serials) == 0 }

// IdentityProofs loads the proofs of a normalized email: for each of the
// person's proofs, the values in the rows that belong to them (an email
// without an account gives only what matches by email, such as guest
// orders). Errors are the database's.
func (d *Datasets) IdentityProofs(ctx context.Context, db *gorm.DB, email string) (*IdentityProofs, error) {
	p := &IdentityProofs{}
	if d.Person == nil {
		return p, nil
	}
	sub, err := resolve(ctx, db, d.Person, Subject{Email: email})
	if err != nil {
		return nil, err
	}
	for _, pr := range d.Person.Proofs {
		e, n := d.table(pr.Table)
		q := sqlOf(db)
		c, ok := e.rootCond(q, n, sub)
		if !ok {
			continue
		}
		var vals []string
		err := db.WithContext(ctx).Raw("SELECT "+q.col(pr.Column)+" FROM "+q.col(n.t.Table)+" WHERE "+c.sql+
			" ORDER BY "+q.col(n.id)+" LIMIT ?", append(c.args, maxProofValues)...).Scan(&vals).Error
		if err != nil {
			return nil, fmt.Errorf("%s proofs: %w", pr.Kind, err)
		}
		switch pr.Kind {
		case ProofOrderNumber:
			p.OrderNumbers = append(p.OrderNumbers, vals...)
		case ProofSerialNumber:
			p.Serials = append(p.Serials, vals...)
		}
	}
	return p, nil
}

// table returns the engine and node of a described table (validated to exist).
func (d *Datasets) table(name string) (*Engine, *node) {
	for _, e := range d.engines {
		if n := e.node(name); n != nil {
			return e, n
		}
	}
	panic("store: table " + name + " is not described")
}

// OptOutChange is what one opt-out scope changed in the store.
type OptOutChange struct {
	Scope       string
	Preferences int64 // account settings switched off (counts: setting)
	Consents    int64 // cookie/consent permissions withdrawn (counts: consent)
}

// ApplyOptOut switches off, for the person with this normalized email,
// what the dataset's opt-out rules of scope cover. It is idempotent: what
// is already off is left alone and not counted. Errors: an unknown scope,
// or the database's.
func (d *Datasets) ApplyOptOut(ctx context.Context, tx *gorm.DB, email, scope string, now time.Time) (OptOutChange, error) {
	ch := OptOutChange{Scope: scope}
	known := false
	for _, s := range optOutScopes {
		known = known || s == scope
	}
	if !known {
		return ch, fmt.Errorf("unknown opt-out scope %q", scope)
	}
	if d.Person == nil {
		return ch, nil
	}
	sub, err := resolve(ctx, tx, d.Person, Subject{Email: email})
	if err != nil || !sub.found {
		return ch, err
	}
	for _, o := range d.Person.OptOuts {
		if o.Scope != scope {
			continue
		}
		e, n := d.table(o.Table)
		q := sqlOf(tx)
		c, ok := e.rootCond(q, n, sub)
		if !ok {
			continue
		}
		for col, v := range o.Where {
			c = c.and(cond{q.col(col) + " = ?", []any{v}})
		}
		set := make([]string, 0, len(o.Columns)+1)
		on := make([]string, len(o.Columns))
		var args, onArgs []any
		for i, col := range o.Columns {
			set = append(set, q.col(col)+" = ?")
			args = append(args, false)
			on[i] = q.col(col) + " = ?"
			onArgs = append(onArgs, true)
		}
		if o.Stamp != "" {
			set = append(set, q.col(o.Stamp)+" = ?")
			args = append(args, now)
		}
		c = c.and(cond{strings.Join(on, " OR "), onArgs})
		res := tx.WithContext(ctx).Exec("UPDATE "+q.col(o.Table)+" SET "+strings.Join(set, ", ")+" WHERE "+c.sql,
			append(args, c.args...)...)
		if res.Error != nil {
			return ch, fmt.Errorf("opt out %s in %s: %w", scope, o.Table, res.Error)
		}
		if o.Counts == OptOutCountsConsent {
			ch.Consents += res.RowsAffected
		} else {
			ch.Preferences += res.RowsAffected
		}
	}
	return ch, nil
}
