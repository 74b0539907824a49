package store_test

import (
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// TestAccountCorrectIsIdempotentAndNeverTakesAnotherAccountsEmail proves a
// retried fulfil job applying a correction again changes nothing further,
// and that an email already used by another account is left alone.
func TestAccountCorrectIsIdempotentAndNeverTakesAnotherAccountsEmail(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		db := testdb.Open(t, dialect).DB
		ctx, now := t.Context(), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		for _, c := range []store.Customer{
			{Email: "eve@example.com", FirstName: "Eve", LastName: "Old", Phone: "1", CreatedAt: now, UpdatedAt: now},
			{Email: "taken@example.com", FirstName: "Tom", LastName: "T", CreatedAt: now, UpdatedAt: now},
		} {
			if err := db.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
		src := demoSource(t, "account").(*store.AccountEngine)
		eve := store.Subject{Email: "eve@example.com"}
		steps := []struct {
			name, field, value, want string
		}{
			{"name", models.FieldName, "Eve Mary New", "changed"},
			{"name again", models.FieldName, "Eve Mary New", "changed"},
			{"address is not written by the account source", models.FieldAddress, "1 Road", "not held here"},
			{"email of another account", models.FieldEmail, "taken@example.com", "not changed: another account already uses this email address"},
			{"email", models.FieldEmail, "eve.new@example.com", "changed"},
			{"email again, after the change", models.FieldEmail, "eve.new@example.com", "changed"},
		}
		for _, st := range steps {
			got, err := src.Correct(ctx, db, eve, st.field, st.value)
			if err != nil || got != st.want {
				t.Errorf("%s: %q, %v; want %q", st.name, got, err, st.want)
			}
		}
		var c store.Customer
		if err := db.Where("email = ?", "eve.new@example.com").Take(&c).Error; err != nil {
			t.Fatal(err)
		}
		if c.FirstName != "Eve Mary" || c.LastName != "New" || c.Phone != "1" {
			t.Errorf("customer after: %+v", c)
		}
		if v, found, err := src.Current(ctx, db, store.Subject{Email: "eve.new@example.com"}, models.FieldName); err != nil || !found || v != "Eve Mary New" {
			t.Errorf("current name %q %v %v", v, found, err)
		}
	})
}
