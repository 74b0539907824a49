package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// row is one table row as read: its id and the selected columns' values,
// in the order of pos (shared by the rows of a page).
type row struct {
	id   int64
	vals []any
	pos  map[string]int
}

// get returns the row's value of column col (nil when it was not read).
func (r row) get(col string) any {
	if i, ok := r.pos[col]; ok {
		return r.vals[i]
	}
	return nil
}

// readColumns are the columns the engine reads from n: the exported ones
// and those its rules look at.
func readColumns(n *node) []string {
	var cols []string
	add := func(c string) {
		if c != "" && c != n.id && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	t := n.t
	for _, c := range t.Columns {
		add(c.Name)
		for w := range c.RedactWhen {
			add(w)
		}
	}
	if m := t.Meta; m != nil {
		add(m.KeyColumn)
		add(m.ValueColumn)
	}
	if p := t.Belongs.Parent; p != nil {
		add(p.Column)
	}
	for _, ch := range n.children {
		add(parentKey(ch))
	}
	e := t.Erase
	add(e.Mark)
	for _, s := range e.Set {
		add(s.Column)
	}
	if k := e.Keep; k != nil {
		if k.Within != nil {
			add(k.Within.Column)
		}
		add(k.Future)
		for _, c := range k.WhileTrue {
			add(c)
		}
	}
	return cols
}

// eachPage reads the rows of n that c matches in ascending id order,
// StoreBatchSize at a time (keyset pagination: each page costs the same
// however deep into the table, and fn may change or delete its rows).
func eachPage(ctx context.Context, db *gorm.DB, n *node, c cond, fn func([]row) error) error {
	cols := append([]string{n.id}, readColumns(n)...)
	pos := make(map[string]int, len(cols))
	for i, c := range cols {
		pos[c] = i
	}
	var last int64
	for {
		page, err := readPage(ctx, db, n, cols, pos, c, last)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		last = page[len(page)-1].id
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < StoreBatchSize {
			return nil
		}
	}
}

// table starts a query on n's table.
func table(ctx context.Context, db *gorm.DB, n *node) *gorm.DB {
	return db.WithContext(ctx).Table(n.t.Table)
}

// readPage reads one page of eachPage. The rows are scanned with
// database/sql into one slice of values per page: GORM's scan into a map
// per row cost more than the query itself (BENCHMARKS.md, export).
func readPage(ctx context.Context, db *gorm.DB, n *node, cols []string, pos map[string]int, c cond, after int64) ([]row, error) {
	q := sqlOf(db)
	rows, err := table(ctx, db, n).Select(cols).Where(c.sql, c.args...).Where(q.col(n.id)+" > ?", after).
		Order(q.col(n.id)).Limit(StoreBatchSize).Rows()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", n.t.Table, err)
	}
	defer rows.Close()
	var page []row
	var buf []any
	ptrs := make([]any, len(cols))
	for rows.Next() {
		if len(buf) < len(cols) {
			buf = make([]any, len(cols)*StoreBatchSize)
		}
		vals := buf[:len(cols):len(cols)]
		buf = buf[len(cols):]
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read %s: %w", n.t.Table, err)
		}
		id, ok := asInt64(vals[0])
		if !ok {
			return nil, fmt.Errorf("read %s: id %v is not an integer", n.t.Table, vals[0])
		}
		page = append(page, row{id: id, vals: vals, pos: pos})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", n.t.Table, err)
	}
	return page, nil
}

// countRows counts the rows of n that c matches.
func countRows(ctx context.Context, db *gorm.DB, n *node, c cond) (int, error) {
	var k int64
	if err := table(ctx, db, n).Where(c.sql, c.args...).Count(&k).Error; err != nil {
		return 0, fmt.Errorf("count %s: %w", n.t.Table, err)
	}
	return int(k), nil
}

// deleteIDs deletes the rows of n with these ids and returns how many went.
func deleteIDs(ctx context.Context, db *gorm.DB, n *node, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	q := sqlOf(db)
	res := table(ctx, db, n).Where(q.col(n.id)+" IN ?", ids).Delete(map[string]any{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete from %s: %w", n.t.Table, res.Error)
	}
	return int(res.RowsAffected), nil
}

// deleteWhere deletes every row of n that c matches, EraseWriteRows rows
// per statement with a pause after each (yieldAfter), and returns how many
// it deleted; after an interruption, calling it again deletes the rest.
func deleteWhere(ctx context.Context, db *gorm.DB, n *node, c cond) (int, error) {
	q := sqlOf(db)
	total := 0
	var last int64
	for {
		var ids []int64
		err := table(ctx, db, n).Where(c.sql, c.args...).Where(q.col(n.id)+" > ?", last).
			Order(q.col(n.id)).Limit(EraseWriteRows).Pluck(n.id, &ids).Error
		if err != nil {
			return total, fmt.Errorf("select from %s to delete: %w", n.t.Table, err)
		}
		start := time.Now()
		k, err := deleteIDs(ctx, db, n, ids)
		total += k
		if err != nil || len(ids) < EraseWriteRows {
			return total, err
		}
		if err := yieldAfter(ctx, start); err != nil {
			return total, err
		}
		last = ids[len(ids)-1]
	}
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint32:
		return int64(x), true
	case float64:
		return int64(x), true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func asBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case []byte:
		b, _ := strconv.ParseBool(string(x))
		return b
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	}
	n, _ := asInt64(v)
	return n != 0
}

// timeLayouts are the text forms a driver may return a time column in.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case []byte:
		return asTime(string(x))
	case string:
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// exportValue converts a driver value to the column's declared type.
func exportValue(v any, typ string) any {
	if v == nil {
		return nil
	}
	// A value already of the declared type is returned as it is: boxing it
	// again would allocate once per value of every exported row.
	switch typ {
	case "string":
		switch x := v.(type) {
		case []byte:
			return string(x)
		case string:
			return v
		}
		return fmt.Sprint(v)
	case "int":
		if _, ok := v.(int); ok {
			return v
		}
		n, _ := asInt64(v)
		return int(n)
	case "int64":
		if _, ok := v.(int64); ok {
			return v
		}
		n, _ := asInt64(v)
		return n
	case "bool":
		if _, ok := v.(bool); ok {
			return v
		}
		return asBool(v)
	case "time":
		if t, ok := v.(time.Time); ok && t.Location() == time.UTC {
			return v
		}
		if t, ok := asTime(v); ok {
			return t
		}
		return v
	}
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		if x.Location() != time.UTC {
			return x.UTC()
		}
	}
	return v
}
