package models_test

import (
	"context"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/migrations"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// dbTypes lists, per dialect and GORM data type, the column types a
// migration may use for it. PostgreSQL integers must hold a Go int64.
var dbTypes = map[string]map[schema.DataType][]string{
	models.DialectSQLite: {
		schema.Bool:   {"numeric", "boolean", "integer"},
		schema.Int:    {"integer"},
		schema.Uint:   {"integer"},
		schema.Float:  {"real", "numeric", "double"},
		schema.String: {"text", "varchar"},
		schema.Time:   {"datetime", "timestamp"},
		schema.Bytes:  {"blob"},
	},
	models.DialectPostgres: {
		schema.Bool:   {"bool"},
		schema.Int:    {"int8"},
		schema.Uint:   {"int8", "numeric"},
		schema.Float:  {"float8", "numeric"},
		schema.String: {"varchar", "text"},
		schema.Time:   {"timestamptz"}, // times are UTC instants, never a zone-less timestamp
		schema.Bytes:  {"bytea"},
	},
}

// notModelled are tables no GORM model maps, with the reason.
var notModelled = map[string]string{
	"goose_db_version": "goose's own",
	"sessions":         "staff sessions, read and written through models.SessionStore for scs",
}

// assertSchemaMatchesModels compares every model with its migrated table,
// and checks that every table has a model.
func assertSchemaMatchesModels(t *testing.T, db *models.DB) {
	t.Helper()
	var modelled []string
	for _, model := range append(models.AppModels(), store.StoreModels()...) {
		sch, err := schema.Parse(model, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatalf("parse %T: %v", model, err)
		}
		modelled = append(modelled, sch.Table)
		t.Run(sch.Table, func(t *testing.T) {
			if !db.Migrator().HasTable(sch.Table) {
				t.Fatalf("no table %s for %T", sch.Table, model)
			}
			cols, err := db.Migrator().ColumnTypes(model)
			if err != nil {
				t.Fatal(err)
			}
			var inTable []string
			for _, col := range cols {
				inTable = append(inTable, col.Name())
				f := sch.LookUpField(col.Name())
				if f == nil || f.DBName != col.Name() {
					t.Errorf("column %s.%s has no field in %T", sch.Table, col.Name(), model)
					continue
				}
				checkColumn(t, db.Dialect, sch.Table, f, col)
			}
			for _, name := range sch.DBNames {
				if !slices.Contains(inTable, name) {
					t.Errorf("field %s of %T has no column in %s (table has %v)", name, model, sch.Table, inTable)
				}
			}
		})
	}
	for _, table := range []string{"requests", "request_tokens", "audit_events", "emails", "suppressions", "secrets"} {
		if !slices.Contains(modelled, table) {
			t.Errorf("models.AppModels() lacks the model of %s", table)
		}
	}
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if !slices.Contains(modelled, table) && notModelled[table] == "" &&
			!strings.HasPrefix(table, "river_") && !strings.HasPrefix(table, "sqlite_") {
			t.Errorf("table %s has no model in models.AppModels() or store.StoreModels()", table)
		}
	}
}

func checkColumn(t *testing.T, dialect, table string, f *schema.Field, col gorm.ColumnType) {
	t.Helper()
	where := table + "." + col.Name()
	dbType := strings.ToLower(col.DatabaseTypeName())
	if ok := dbTypes[dialect][f.DataType]; !slices.Contains(ok, dbType) {
		t.Errorf("%s: Go %s (%s) is stored as %q; want one of %v", where, f.FieldType, f.DataType, dbType, ok)
	}

	wantNull := f.FieldType.Kind() == reflect.Pointer
	gotNull, ok := col.Nullable()
	if !ok {
		t.Errorf("%s: the driver cannot tell nullability", where)
	}
	// An INTEGER PRIMARY KEY is SQLite's rowid and can never hold NULL, but
	// any other SQLite primary key accepts NULL unless declared NOT NULL.
	if pk, _ := col.PrimaryKey(); pk && dialect == models.DialectSQLite && dbType == "integer" {
		gotNull = false
	}
	if gotNull != wantNull {
		t.Errorf("%s: nullable = %v, but Go field %s is %s", where, gotNull, f.Name, f.FieldType)
	}

	// A string the model bounds must fit the column; an unbounded one needs text.
	if dialect == models.DialectPostgres && f.DataType == schema.String {
		n, _ := col.Length()
		unbounded := dbType == "text"
		switch {
		case f.Size == 0 && !unbounded:
			t.Errorf("%s: Go field %s has no size but the column is %s(%d)", where, f.Name, dbType, n)
		case f.Size > 0 && !unbounded && n != int64(f.Size):
			t.Errorf("%s: column holds %d characters, model says size:%d", where, n, f.Size)
		}
	}
}

// TestMigratedSchemaMatchesModels proves the versioned SQL and the GORM
// models agree on every table: the same columns both ways, NULL exactly
// for pointer fields, and column types that hold the Go types.
func TestMigratedSchemaMatchesModels(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		assertSchemaMatchesModels(t, testdb.Open(t, dialect))
	})
}

// assertAuditAppendOnly proves the database itself refuses to change or
// remove an audit event, whoever asks.
func assertAuditAppendOnly(t *testing.T, db *models.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Transaction(func(tx *gorm.DB) error {
		return models.AppendAuditEvent(ctx, tx, db.Dialect, &models.AuditEvent{
			Actor: "customer", Action: "submit", ToStatus: "pending_verification", CreatedAt: time.Now(),
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit_events SET actor = 'attacker'",
		"UPDATE audit_events SET hash = prev_hash WHERE id = 1",
		"DELETE FROM audit_events",
		"DELETE FROM audit_events WHERE id = 1",
	} {
		err := db.Exec(stmt).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only trigger to refuse", stmt, err)
		}
	}
	var e models.AuditEvent
	if err := db.Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	if e.Actor != "customer" || e.Hash != e.ComputeHash() {
		t.Errorf("event changed despite the refusals: %+v", e)
	}
}

// TestAuditEventsTableRejectsUpdateAndDelete proves the append-only triggers
// exist on both databases.
func TestAuditEventsTableRejectsUpdateAndDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		assertAuditAppendOnly(t, testdb.Open(t, dialect))
	})
}

// TestMigrationsRoundTripDownThenUp proves every migration's Down undoes its
// Up completely: after migrating all the way down no table is left, and
// migrating up again rebuilds the same schema, triggers included.
func TestMigrationsRoundTripDownThenUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.OpenEmpty(t, dialect)
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(migrations.FS, dialect+"/*.sql")
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations for %s: %v", dialect, err)
		}
		if applied != len(files) {
			t.Fatalf("first Migrate applied %d migrations, want all %d", applied, len(files))
		}

		gooseDialect := goose.DialectSQLite3
		if dialect == models.DialectPostgres {
			gooseDialect = goose.DialectPostgres
		}
		sub, err := fs.Sub(migrations.FS, dialect)
		if err != nil {
			t.Fatal(err)
		}
		p, err := goose.NewProvider(gooseDialect, db.SQL, sub)
		if err != nil {
			t.Fatal(err)
		}
		down, err := p.DownTo(ctx, 0)
		if err != nil {
			t.Fatalf("migrate down: %v", err)
		}
		if len(down) != len(files) {
			t.Fatalf("migrated down %d, want %d", len(down), len(files))
		}
		for _, model := range append(models.AppModels(), store.StoreModels()...) {
			if db.Migrator().HasTable(model) {
				t.Errorf("table of %T still exists after migrating down", model)
			}
		}
		if pending, err := db.MigrationsPending(ctx); err != nil || !pending {
			t.Fatalf("after down: pending = %v, %v; want true", pending, err)
		}

		again, err := db.Migrate(ctx)
		if err != nil {
			t.Fatalf("migrate up again: %v", err)
		}
		if again != len(files) {
			t.Fatalf("second Migrate applied %d, want %d", again, len(files))
		}
		assertSchemaMatchesModels(t, db)
		assertAuditAppendOnly(t, db)
	})
}
