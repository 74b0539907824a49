package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// WarrantySource holds product registrations (device, serial number,
// purchase date) and the extended warranties bought for them.
//
// Erasure deletes registrations whose warranties have all ended (or were
// never paid), with those warranties. An active paid warranty
// (ExtendedWarranty.Active) is a running contract: it is kept until
// it ends, anonymized (customer link removed, AnonymizedAt set), and so is
// its registration, whose serial number the warranty is honoured against;
// the registration loses its customer link too. Inactive warranties on such
// a registration are deleted.
type WarrantySource struct{}

// Name returns "warranty".
func (*WarrantySource) Name() string { return SourceWarranty }

// Label returns "Your products and warranties".
func (*WarrantySource) Label() string { return "Your products and warranties" }

var (
	registrationPolicy = policy{
		"Register your product in our product database; provide the products and services you request and inform you about the products you use (new features, bug fixes, upgrades).",
		"Until you remove the device or ask us to delete it; then deleted, unless a paid extended warranty on it still runs: then its serial number is kept, without your name or account, until the warranty ends.",
	}
	warrantyPolicy = policy{
		"Carry out the extended warranty contract you bought; meet our accounting obligations for its sale.",
		"For the life of the warranty; when you ask us to delete it, an ended warranty is deleted and a running paid one is kept, without your name or account, until it ends.",
	}
)

// Collect emits each product registration, then, page by page, the
// warranties of those registrations.
func (*WarrantySource) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	_, id, err := findPerson(ctx, db, s)
	if err != nil || id == 0 {
		return counts, err
	}
	out := func(r Record) error { counts[r.Kind]++; return emit(r) }
	err = EachPage(ctx, db, OwnedBy(id), func(regs []ProductRegistration) error {
		for i := range regs {
			if err := out(registrationRecord(&regs[i])); err != nil {
				return err
			}
		}
		filter := WarrantiesOfRegistrations(IDsOf(regs))
		return EachPage(ctx, db, filter, func(ws []ExtendedWarranty) error {
			for i := range ws {
				if err := out(warrantyRecord(&ws[i])); err != nil {
					return err
				}
			}
			return nil
		})
	})
	return counts, err
}

func registrationRecord(r *ProductRegistration) Record {
	p := registrationPolicy
	return Record{Kind: "product_registration", ID: r.ID, Fields: []Field{
		p.field("product_name", r.ProductName, CategoryPurchase),
		p.field("sku", r.SKU, CategoryPurchase),
		p.field("serial_number", r.SerialNumber, CategoryPurchase),
		p.field("purchased_at", r.PurchasedAt.UTC(), CategoryPurchase),
		p.field("registered_at", r.RegisteredAt.UTC(), CategoryPurchase),
	}}
}

func warrantyRecord(w *ExtendedWarranty) Record {
	p := warrantyPolicy
	return Record{Kind: "extended_warranty", ID: w.ID, Fields: []Field{
		p.field("registration_id", w.RegistrationID, CategoryPurchase),
		p.field("plan", w.Plan, CategoryPurchase),
		p.field("price_cents", w.PriceCents, CategoryPurchase),
		p.field("paid", w.Paid, CategoryPurchase),
		p.field("starts_at", w.StartsAt.UTC(), CategoryPurchase),
		p.field("ends_at", w.EndsAt.UTC(), CategoryPurchase),
	}}
}

// PlanErasure counts the registrations and warranties Erase would delete
// and anonymize at now.
func (w *WarrantySource) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error) {
	return w.erase(ctx, db, s, now, true)
}

// Erase deletes the subject's ended warranties and registrations and
// anonymizes the active paid ones, one page of at most
// StoreBatchSize registrations (with their warranties) per transaction.
func (w *WarrantySource) Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error) {
	return w.erase(ctx, db, s, now, false)
}

func (*WarrantySource) erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time, dry bool) (Plan, error) {
	t := newTally(SourceWarranty,
		PlanItem{Kind: "product_registration", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "extended_warranty", Action: ActionDelete,
			Reason: "Ended or unpaid warranty: no longer needed, deleted at your request."},
		PlanItem{Kind: "product_registration", Action: ActionAnonymize, Reason: "Device with a running paid " +
			"warranty: its serial number is kept until the warranty ends so the warranty can be honoured; " +
			"the link to your account is removed."},
		PlanItem{Kind: "extended_warranty", Action: ActionAnonymize, Reason: "Paid extended warranty still " +
			"running: kept until it ends to carry out the contract and keep its sale in the accounts " +
			"(GDPR Art. 6(1)(b) and 17(3)(b), CCPA §1798.105(d)(1)); the link to your account is removed."},
	)
	_, id, err := findPerson(ctx, db, s)
	if err != nil || id == 0 {
		return t.done(), err
	}
	err = EachPage(ctx, db, OwnedBy(id), func(regs []ProductRegistration) error {
		var dropW, keepW []int64
		active := map[int64]time.Time{} // registration → when its last running warranty ends
		filter := WarrantiesOfRegistrations(IDsOf(regs))
		err := EachPage(ctx, db, filter, func(ws []ExtendedWarranty) error {
			for i := range ws {
				if ws[i].Active(now) {
					keepW = append(keepW, ws[i].ID)
					t.keepUntil("extended_warranty", ActionAnonymize, ws[i].EndsAt)
					if end, ok := active[ws[i].RegistrationID]; !ok || ws[i].EndsAt.After(end) {
						active[ws[i].RegistrationID] = ws[i].EndsAt
					}
				} else {
					dropW = append(dropW, ws[i].ID)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		var dropR, keepR []int64
		for _, r := range regs {
			if end, ok := active[r.ID]; ok {
				keepR = append(keepR, r.ID)
				t.keepUntil("product_registration", ActionAnonymize, end)
			} else {
				dropR = append(dropR, r.ID)
			}
		}
		if dry {
			t.add("product_registration", ActionDelete, len(dropR))
			t.add("extended_warranty", ActionDelete, len(dropW))
			t.add("product_registration", ActionAnonymize, len(keepR))
			t.add("extended_warranty", ActionAnonymize, len(keepW))
			return nil
		}
		var n [4]int
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			if n[0], err = DeleteRows(ctx, tx, &ExtendedWarranty{}, dropW); err != nil {
				return err
			}
			if n[1], err = DeleteRows(ctx, tx, &ProductRegistration{}, dropR); err != nil {
				return err
			}
			if n[2], err = AnonymizeWarranties(ctx, tx, keepW, now); err != nil {
				return err
			}
			n[3], err = UnlinkRegistrations(ctx, tx, keepR)
			return err
		})
		if err != nil {
			return err
		}
		t.add("extended_warranty", ActionDelete, n[0])
		t.add("product_registration", ActionDelete, n[1])
		t.add("extended_warranty", ActionAnonymize, n[2])
		t.add("product_registration", ActionAnonymize, n[3])
		return nil
	})
	return t.done(), err
}
