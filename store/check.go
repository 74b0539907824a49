package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"gorm.io/gorm"
)

// Check compares the loaded dataset files with the store database db
// without changing it: every table and column they name must exist, each
// step of a path (belongs.parent) must join columns that exist, so that the
// path reaches a table found by the person's identity, and every index a
// file names must exist on its table. It returns one DatasetError per
// problem, in file and line order (none when the files match the
// database); the error is the database's, when it cannot be asked.
func (d *Datasets) Check(ctx context.Context, db *gorm.DB) (DatasetErrors, error) {
	c := &checker{db: db.WithContext(ctx), tables: map[string]*tableInfo{}}
	// HasTable says false when it cannot ask: make sure it can, so an
	// unreachable database is not taken for one without tables.
	if err := c.db.Exec("SELECT 1").Error; err != nil {
		return nil, fmt.Errorf("store database: %w", err)
	}
	var all DatasetErrors
	for _, f := range d.Files {
		c.loc, c.errs = locatorFor(f), nil
		if err := c.file(f); err != nil {
			return nil, err
		}
		slices.SortStableFunc(c.errs, func(a, b *DatasetError) int { return a.Line - b.Line })
		all = append(all, c.errs...)
	}
	return all, nil
}

// tableInfo is what the database says about one table: nil columns when
// it does not exist.
type tableInfo struct {
	exists  bool
	columns []string
}

type checker struct {
	db     *gorm.DB
	loc    *locator
	tables map[string]*tableInfo
	errs   DatasetErrors
}

func (c *checker) bad(field, format string, args ...any) {
	c.errs = append(c.errs, c.loc.errorf(field, format, args...))
}

// table returns what the database holds of name, asking once.
func (c *checker) table(name string) (*tableInfo, error) {
	if t, ok := c.tables[name]; ok {
		return t, nil
	}
	t := &tableInfo{}
	m := c.db.Migrator()
	if m.HasTable(name) {
		t.exists = true
		cols, err := m.ColumnTypes(name)
		if err != nil {
			return nil, fmt.Errorf("read the columns of %s: %w", name, err)
		}
		for _, col := range cols {
			t.columns = append(t.columns, col.Name())
		}
	}
	c.tables[name] = t
	return t, nil
}

// hasTable reports whether table exists, noting a problem at field if not.
func (c *checker) hasTable(field, table string) (bool, error) {
	t, err := c.table(table)
	if err != nil || t.exists {
		return t != nil && t.exists, err
	}
	c.bad(field, "table %s does not exist in the store database", table)
	return false, nil
}

// column notes a problem at field unless table has column; nothing when
// the table does not exist (its own entry says so).
func (c *checker) column(field, table, column string) error {
	t, err := c.table(table)
	if err != nil || !t.exists || column == "" || slices.Contains(t.columns, column) {
		return err
	}
	for _, have := range t.columns {
		if strings.EqualFold(have, column) {
			c.bad(field, "table %s has no column %s (did you mean %s?)", table, column, have)
			return nil
		}
	}
	c.bad(field, "table %s has no column %s", table, column)
	return nil
}

// columns checks several columns of one table, named at fields.
func (c *checker) columns(table string, cols map[string]string) error {
	for _, field := range sortedKeys(cols) {
		if err := c.column(field, table, cols[field]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (c *checker) index(field, table, index string) {
	if index != "" && !c.db.Migrator().HasIndex(table, index) {
		c.bad(field, "index %s does not exist on table %s: finding a person's rows would read the whole table", index, table)
	}
}

func orID(col string) string {
	if col == "" {
		return "id"
	}
	return col
}

func (c *checker) file(f *DatasetFile) error {
	if p := f.Person; p != nil {
		if err := c.person(p); err != nil {
			return err
		}
	}
	for i := range f.Sources {
		if err := c.source(fmt.Sprintf("sources[%d]", i), &f.Sources[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) person(p *PersonSpec) error {
	ok, err := c.hasTable("person.table", p.Table)
	if err != nil {
		return err
	}
	if ok {
		cols := map[string]string{"person.id": orID(p.ID), "person.email": p.Email}
		for field, names := range p.Correct {
			for i, n := range names {
				cols[fmt.Sprintf("person.correct.%s[%d]", field, i)] = n
			}
		}
		if err := c.columns(p.Table, cols); err != nil {
			return err
		}
		c.index("person.index", p.Table, p.Index)
	}
	for i, pr := range p.Proofs {
		// Proofs, opt-outs and third parties name tables of the sources,
		// whose own entries say when one is missing; column checks pass
		// over a missing table.
		at := fmt.Sprintf("person.proofs[%d]", i)
		if err := c.column(at+".column", pr.Table, pr.Column); err != nil {
			return err
		}
	}
	for i, o := range p.OptOuts {
		at := fmt.Sprintf("person.opt_outs[%d]", i)
		cols := map[string]string{at + ".stamp": o.Stamp}
		for j, col := range o.Columns {
			cols[fmt.Sprintf("%s.columns[%d]", at, j)] = col
		}
		for col := range o.Where {
			cols[at+".where."+col] = col
		}
		if err := c.columns(o.Table, cols); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) source(at string, s *SourceSpec) error {
	for j := range s.Tables {
		if err := c.tableSpec(fmt.Sprintf("%s.tables[%d]", at, j), &s.Tables[j], s); err != nil {
			return err
		}
	}
	for i, tp := range s.ThirdParties {
		tat := fmt.Sprintf("%s.third_parties[%d]", at, i)
		cols := map[string]string{tat + ".name_column": tp.NameColumn}
		for col := range tp.Where {
			cols[tat+".where."+col] = col
		}
		if err := c.columns(tp.Table, cols); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) tableSpec(at string, t *TableSpec, s *SourceSpec) error {
	ok, err := c.hasTable(at+".table", t.Table)
	if err != nil || !ok {
		return err
	}
	cols := map[string]string{
		at + ".id":                  orID(t.ID),
		at + ".belongs.customer_id": t.Belongs.CustomerID,
		at + ".belongs.email":       t.Belongs.Email,
		at + ".erase.mark":          t.Erase.Mark,
	}
	for i, col := range t.Columns {
		cols[fmt.Sprintf("%s.columns[%d].name", at, i)] = col.Name
		for when := range col.RedactWhen {
			cols[fmt.Sprintf("%s.columns[%d].redact_when.%s", at, i, when)] = when
		}
	}
	for i, col := range t.Never {
		cols[fmt.Sprintf("%s.never[%d]", at, i)] = col
	}
	if m := t.Meta; m != nil {
		cols[at+".meta.key_column"] = m.KeyColumn
		cols[at+".meta.value_column"] = m.ValueColumn
	}
	for i, st := range t.Erase.Set {
		cols[fmt.Sprintf("%s.erase.set[%d].column", at, i)] = st.Column
	}
	if k := t.Erase.Keep; k != nil {
		if k.Within != nil {
			cols[at+".erase.keep.within.column"] = k.Within.Column
		}
		cols[at+".erase.keep.future"] = k.Future
		for i, col := range k.WhileTrue {
			cols[fmt.Sprintf("%s.erase.keep.while_true[%d]", at, i)] = col
		}
	}
	if err := c.columns(t.Table, cols); err != nil {
		return err
	}
	c.index(at+".index", t.Table, t.Index)
	c.index(at+".email_index", t.Table, t.EmailIndex)
	if p := t.Belongs.Parent; p != nil {
		return c.path(at, t, p, s)
	}
	return nil
}

// path checks one step of a path: this table's column and the parent's
// key exist, so rows join up to the table found by the person's identity.
func (c *checker) path(at string, t *TableSpec, p *ParentSpec, s *SourceSpec) error {
	var parent *TableSpec
	for i := range s.Tables {
		if s.Tables[i].Table == p.Table {
			parent = &s.Tables[i]
		}
	}
	if parent == nil {
		return nil // ParseDataset has said the path does not reach the person
	}
	field := at + ".belongs.parent"
	tinfo, err := c.table(t.Table)
	if err != nil {
		return err
	}
	if p.Column != "" && !slices.Contains(tinfo.columns, p.Column) {
		c.bad(field+".column", "table %s has no column %s: the path to %s, and so to the person, does not resolve", t.Table, p.Column, p.Table)
	}
	pinfo, err := c.table(p.Table)
	if err != nil || !pinfo.exists {
		return err // the parent's own entry says it is missing
	}
	key := p.Key
	if key == "" {
		key = orID(parent.ID)
	}
	if !slices.Contains(pinfo.columns, key) {
		c.bad(field+".key", "table %s has no column %s: the path from %s to the person does not resolve", p.Table, key, t.Table)
	}
	return nil
}

// yamlKeyOf returns the key whose value n is, or n itself (a list item, the
// document): a problem in a block (keep: on one line, its fields below)
// is on the key's line.
func yamlKeyOf(f *ast.File, n ast.Node) ast.Node {
	for _, doc := range f.Docs {
		if mv, ok := ast.Parent(doc.Body, n).(*ast.MappingValueNode); ok && mv.Value == n {
			return mv.Key
		}
	}
	return n
}
