package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The writes below erase one person's records from the store. Each changes
// at most one page of rows (StoreBatchSize) in one statement, so no write
// holds locks for long, and each is idempotent: a row already deleted or
// anonymized is simply not matched again.

// Anonymized values keep the format other systems rely on.
const (
	// AnonymizedEmailDomain is the domain of anonymized addresses: .invalid
	// is reserved (RFC 2606, RFC 6761), so mail to it is never delivered.
	AnonymizedEmailDomain = "anonymized.invalid"
	// ErasedName replaces a person's name on a kept record.
	ErasedName = "Erased customer"
)

// AnonymizedEmail returns the address that replaces the email of the kept
// row id of table (such as "order"), for example
// erased+order.1234@anonymized.invalid. It is a valid address, unique per
// row, and derived from the row, not from the person, so nobody who knows
// the person's email can find their kept rows or link them to one another.
func AnonymizedEmail(table string, id int64) string {
	return fmt.Sprintf("erased+%s.%d@%s", table, id, AnonymizedEmailDomain)
}

// anonymizedEmailSQL is AnonymizedEmail as an SQL expression on the row's
// id, valid on SQLite and PostgreSQL. table is a constant, never input.
func anonymizedEmailSQL(table string) any {
	return gorm.Expr("'erased+" + table + ".' || CAST(id AS TEXT) || '@" + AnonymizedEmailDomain + "'")
}

// DeleteRows deletes the rows of model's table with these ids and returns
// how many were deleted (ids already gone are not counted).
func DeleteRows(ctx context.Context, db *gorm.DB, model any, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.WithContext(ctx).Where("id IN ?", ids).Delete(model)
	if res.Error != nil {
		return 0, fmt.Errorf("delete %T: %w", model, res.Error)
	}
	return int(res.RowsAffected), nil
}

// DeleteInBatches deletes every row of model's table that filter matches,
// StoreBatchSize rows per statement, and returns how many it deleted. After
// an interruption, calling it again deletes the rest.
func DeleteInBatches(ctx context.Context, db *gorm.DB, model any, filter Filter) (int, error) {
	total := 0
	var last int64
	for {
		var ids []int64
		err := db.WithContext(ctx).Model(model).Scopes(filter).Where("id > ?", last).
			Order("id").Limit(StoreBatchSize).Pluck("id", &ids).Error
		if err != nil {
			return total, fmt.Errorf("select %T to delete: %w", model, err)
		}
		n, err := DeleteRows(ctx, db, model, ids)
		total += n
		if err != nil || len(ids) < StoreBatchSize {
			return total, err
		}
		last = ids[len(ids)-1]
	}
}

// AnonymizeOrders blanks the contact and street-address columns of the
// orders kept for the accounting period, removes their customer link and
// sets AnonymizedAt. The order number, amounts, lines, shipping region and
// country (for sales tax and VAT) and payment reference stay. It returns
// how many orders changed.
func AnonymizeOrders(ctx context.Context, db *gorm.DB, ids []int64, now time.Time) (int, error) {
	return update(ctx, db, &Order{}, ids, map[string]any{
		"customer_id":          nil,
		"email":                anonymizedEmailSQL("order"),
		"phone":                "",
		"shipping_name":        ErasedName,
		"shipping_line1":       "",
		"shipping_line2":       "",
		"shipping_city":        "",
		"shipping_postal_code": "",
		"anonymized_at":        now,
	})
}

// AnonymizeTickets keeps only the anonymous metadata of support tickets
// (status, channel, dates): email replaced, subject blanked, customer link
// removed, AnonymizedAt set. It returns how many tickets changed.
func AnonymizeTickets(ctx context.Context, db *gorm.DB, ids []int64, now time.Time) (int, error) {
	return update(ctx, db, &SupportTicket{}, ids, map[string]any{
		"customer_id":   nil,
		"email":         anonymizedEmailSQL("ticket"),
		"subject":       "",
		"anonymized_at": now,
	})
}

// AnonymizeWarranties removes the customer link of extended warranties kept
// until they end and sets AnonymizedAt. It returns how many changed.
func AnonymizeWarranties(ctx context.Context, db *gorm.DB, ids []int64, now time.Time) (int, error) {
	return update(ctx, db, &ExtendedWarranty{}, ids, map[string]any{"customer_id": nil, "anonymized_at": now})
}

// UnlinkRegistrations removes the customer link of product registrations
// kept, with their serial numbers, for a warranty that still runs. It
// returns how many changed.
func UnlinkRegistrations(ctx context.Context, db *gorm.DB, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.WithContext(ctx).Model(&ProductRegistration{}).
		Where("id IN ? AND customer_id IS NOT NULL", ids).Update("customer_id", nil)
	if res.Error != nil {
		return 0, fmt.Errorf("unlink product registrations: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// update sets cols on the rows with ids not anonymized yet.
func update(ctx context.Context, db *gorm.DB, model any, ids []int64, cols map[string]any) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.WithContext(ctx).Model(model).Where("id IN ? AND anonymized_at IS NULL", ids).Updates(cols)
	if res.Error != nil {
		return 0, fmt.Errorf("anonymize %T: %w", model, res.Error)
	}
	return int(res.RowsAffected), nil
}

// linkedTables are the store tables outside the account whose rows point
// at a customer and would lose that link, silently, when the customer row
// is deleted (ON DELETE SET NULL).
var linkedTables = []struct {
	name  string
	model any
}{
	{"orders", &Order{}},
	{"product registrations", &ProductRegistration{}},
	{"extended warranties", &ExtendedWarranty{}},
	{"support tickets", &SupportTicket{}},
	{"activity records", &ActivityRecord{}},
}

// LinkedRows counts, per table, the rows outside the account (orders,
// registrations, warranties, tickets, activity) that still point at the
// customer. Tables with none are left out.
func LinkedRows(ctx context.Context, db *gorm.DB, customerID int64) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range linkedTables {
		n, err := CountRows(ctx, db, t.model, OwnedBy(customerID))
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out[t.name] = n
		}
	}
	return out, nil
}
