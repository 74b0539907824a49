package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// OrdersSource holds orders placed with the account or as a guest under the
// same email, their lines, shipping addresses and PayPal payment references
// (never card data: PayPal holds it).
//
// Erasure keeps an order for the accounting period, counted from when it was
// placed, because tax and commercial law require the records: its name,
// email, phone and street address are anonymized, its customer link
// removed and AnonymizedAt set. The order number, lines, amounts, shipping
// region and country (which decide sales tax and VAT) and the PayPal
// transaction reference stay: the reference is what reconciles the order
// with PayPal's statements, refunds and chargebacks, and identifies nobody
// without PayPal's own records. Orders older than the period are deleted
// with their lines.
type OrdersSource struct {
	// AccountingYears is the accounting period; 0 means 7 years.
	AccountingYears int
}

// Name returns "orders".
func (*OrdersSource) Name() string { return SourceOrders }

// Label returns "Your orders".
func (*OrdersSource) Label() string { return "Your orders" }

// Years is how long orders are kept for the accounts (7 unless set).
func (o *OrdersSource) Years() int {
	if o.AccountingYears > 0 {
		return o.AccountingYears
	}
	return 7
}

func (o *OrdersSource) policy() policy {
	return policy{
		"Facilitate your purchases and deliver the products you request; carry out our contract with you (returns, refunds, warranty); meet our accounting and tax obligations.",
		fmt.Sprintf("Kept for the legal accounting period (%d years from the order date); "+
			"if you ask us to delete it earlier, your name, email, phone and street address are removed and the rest is kept until the period ends, then deleted.", o.Years()),
	}
}

// Collect emits each order followed, page by page, by its lines.
func (o *OrdersSource) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	email, id, err := findPerson(ctx, db, s)
	if err != nil {
		return counts, err
	}
	p := o.policy()
	out := func(r Record) error { counts[r.Kind]++; return emit(r) }
	err = EachPage(ctx, db, PlacedBy(id, email), func(orders []Order) error {
		for i := range orders {
			if err := out(orderRecord(p, &orders[i])); err != nil {
				return err
			}
		}
		return EachPage(ctx, db, LinesOfOrders(IDsOf(orders)), func(lines []OrderLine) error {
			for i := range lines {
				if err := out(orderLineRecord(p, &lines[i])); err != nil {
					return err
				}
			}
			return nil
		})
	})
	return counts, err
}

func orderRecord(p policy, o *Order) Record {
	return Record{Kind: "order", ID: o.ID, Fields: []Field{
		p.field("number", o.Number, CategoryPurchase),
		p.field("placed_at", o.PlacedAt.UTC(), CategoryPurchase),
		p.field("status", o.Status, CategoryPurchase),
		p.field("currency", o.Currency, CategoryPurchase),
		p.field("total_cents", o.TotalCents, CategoryPurchase),
		p.field("email", o.Email, CategoryContact),
		p.field("phone", o.Phone, CategoryContact),
		p.field("shipping_name", o.ShippingName, CategoryAddress),
		p.field("shipping_line1", o.ShippingLine1, CategoryAddress),
		p.field("shipping_line2", o.ShippingLine2, CategoryAddress),
		p.field("shipping_city", o.ShippingCity, CategoryAddress),
		p.field("shipping_region", o.ShippingRegion, CategoryAddress),
		p.field("shipping_postal_code", o.ShippingPostalCode, CategoryAddress),
		p.field("shipping_country", o.ShippingCountry, CategoryAddress),
		p.field("payment_provider", o.PaymentProvider, CategoryPurchase),
		p.field("payment_reference", o.PaymentReference, CategoryPurchase),
	}}
}

func orderLineRecord(p policy, l *OrderLine) Record {
	return Record{Kind: "order_line", ID: l.ID, Fields: []Field{
		p.field("order_id", l.OrderID, CategoryPurchase),
		p.field("sku", l.SKU, CategoryPurchase),
		p.field("product_name", l.ProductName, CategoryPurchase),
		p.field("quantity", l.Quantity, CategoryPurchase),
		p.field("unit_price_cents", l.UnitPriceCents, CategoryPurchase),
	}}
}

// PlanErasure counts the orders and lines Erase would delete, anonymize and keep at now.
func (o *OrdersSource) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error) {
	return o.erase(ctx, db, s, now, true)
}

// Erase deletes the subject's orders placed before the accounting period
// (lines first) and anonymizes the others, one page of at most
// StoreBatchSize orders per transaction.
func (o *OrdersSource) Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error) {
	return o.erase(ctx, db, s, now, false)
}

func (o *OrdersSource) erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time, dry bool) (Plan, error) {
	years := o.Years()
	t := newTally(SourceOrders,
		PlanItem{Kind: "order", Action: ActionDelete,
			Reason: fmt.Sprintf("Older than the %d-year accounting period: deleted with its lines.", years)},
		PlanItem{Kind: "order_line", Action: ActionDelete,
			Reason: fmt.Sprintf("Lines of orders older than the %d-year accounting period.", years)},
		PlanItem{Kind: "order", Action: ActionAnonymize, Reason: fmt.Sprintf(
			"Kept until %d years after the order date because tax and commercial law require us to keep accounting records "+
				"(GDPR Art. 17(3)(b), CCPA §1798.105(d)(8)). Your name, email, phone and street address are removed; "+
				"the order number, products, amounts, shipping region and country (for sales tax and VAT) "+
				"and the PayPal transaction reference stay.", years)},
		PlanItem{Kind: "order_line", Action: ActionKeep, Reason: "Products, quantities and prices of the kept orders: " +
			"part of the same accounting records; they hold no personal data once the order is anonymized."},
	)
	email, id, err := findPerson(ctx, db, s)
	if err != nil {
		return t.done(), err
	}
	cutoff := now.AddDate(-years, 0, 0)
	err = EachPage(ctx, db, PlacedBy(id, email), func(orders []Order) error {
		var old, kept []int64
		for _, ord := range orders {
			if ord.PlacedAt.Before(cutoff) {
				old = append(old, ord.ID)
			} else {
				kept = append(kept, ord.ID)
				// The retention job deletes it once the accounting period is over.
				until := ord.PlacedAt.AddDate(years, 0, 0)
				t.keepUntil("order", ActionAnonymize, until)
				t.keepUntil("order_line", ActionKeep, until)
			}
		}
		keptLines, err := countLines(ctx, db, kept)
		if err != nil {
			return err
		}
		if dry {
			oldLines, err := countLines(ctx, db, old)
			if err != nil {
				return err
			}
			t.add("order", ActionDelete, len(old))
			t.add("order_line", ActionDelete, oldLines)
			t.add("order", ActionAnonymize, len(kept))
			t.add("order_line", ActionKeep, keptLines)
			return nil
		}
		// Lines go first, in their own short statements: an order is only
		// deleted once it has none left, so a rerun finds what remains.
		if len(old) > 0 {
			n, err := DeleteInBatches(ctx, db, &OrderLine{}, LinesOfOrders(old))
			t.add("order_line", ActionDelete, n)
			if err != nil {
				return err
			}
		}
		var deleted, anonymized int
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			if deleted, err = DeleteRows(ctx, tx, &Order{}, old); err != nil {
				return err
			}
			anonymized, err = AnonymizeOrders(ctx, tx, kept, now)
			return err
		})
		if err != nil {
			return err
		}
		t.add("order", ActionDelete, deleted)
		t.add("order", ActionAnonymize, anonymized)
		t.add("order_line", ActionKeep, keptLines)
		return nil
	})
	return t.done(), err
}

func countLines(ctx context.Context, db *gorm.DB, orderIDs []int64) (int, error) {
	if len(orderIDs) == 0 {
		return 0, nil
	}
	return CountRows(ctx, db, &OrderLine{}, LinesOfOrders(orderIDs))
}
