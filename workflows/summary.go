package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// DeletionSummary is what a completed deletion's email tells the customer,
// in plain words: what was deleted, what was kept until when and why,
// whether their account is closed, and which partners were asked to delete
// what we shared with them.
type DeletionSummary struct {
	Deleted       []string   // "your customer profile", "7 order lines"
	Kept          []KeptLine // records kept for a period or as anonymous statistics
	AccountClosed bool       // an account was found and deleted or anonymized
	Partners      []string   // third parties told of the deletion, by name
	LegalGrounds  []string   // for reference: the law behind what was kept
}

// AnyUntil reports whether some kept records have a day they are deleted on.
func (d *DeletionSummary) AnyUntil() bool {
	return slices.ContainsFunc(d.Kept, func(l KeptLine) bool { return l.Until != "" })
}

// KeptLine is one kind of record kept after a deletion, as the customer reads it:
// "<What>: kept until <Until> <Why>. <Removed>".
type KeptLine struct {
	What    string // "1 order", "7 order lines"
	Until   string // "12 March 2032", "3 May 2026 to 12 March 2032", or "" when kept without end
	Why     string // plain words, no statute numbers
	Removed string // what was taken out of them, if anything
}

// recordWords names a record kind for a customer: the words for exactly
// one record, and a format for n of them.
var recordWords = map[string][2]string{
	"customer":             {"your customer profile", "%d customer profiles"},
	"address":              {"1 saved address", "%d saved addresses"},
	"marketing_preference": {"your marketing preferences", "%d sets of marketing preferences"},
	"consent_choice":       {"1 cookie choice", "%d cookie choices"},
	"order":                {"1 order", "%d orders"},
	"order_line":           {"1 order line", "%d order lines"},
	"product_registration": {"1 product registration", "%d product registrations"},
	"extended_warranty":    {"1 extended warranty", "%d extended warranties"},
	"support_ticket":       {"1 support ticket", "%d support tickets"},
	"support_message":      {"1 support message", "%d support messages"},
	"attachment":           {"1 support attachment", "%d support attachments"},
	"page_view":            {"1 record of a visit to our website", "%d records of visits to our website"},
}

// RecordLabel says "n records of kind" in words a customer reads, with
// the right singular or plural: "your customer profile", "7 order lines".
func RecordLabel(kind string, n int) string {
	w, ok := recordWords[kind]
	if !ok {
		words := strings.ReplaceAll(kind, "_", " ")
		w = [2]string{"1 " + words + " record", "%d " + words + " records"}
	}
	if n == 1 {
		return w[0]
	}
	return fmt.Sprintf(w[1], n)
}

// Legal grounds for what a deletion keeps, shown below the summary.
const (
	groundOrders   = "Orders: the legal obligation to keep accounting records (GDPR Art. 17(3)(b), CCPA §1798.105(d)(8))."
	groundWarranty = "Warranties: carrying out the warranty contract you paid for (GDPR Art. 6(1)(b) and 17(3)(b), CCPA §1798.105(d)(1))."
	groundStats    = "Support statistics: anonymous data is not personal data (GDPR Recital 26)."
)

// keptLine words one kept or anonymized item of an erasure for the customer.
func keptLine(it store.PlanItem, years int) (KeptLine, string) {
	one := it.Count == 1
	them := pick(one, "it", "them")
	l := KeptLine{What: RecordLabel(it.Kind, it.Count), Until: untilWords(it)}
	ground := ""
	switch it.Kind + "/" + it.Action {
	case "order/" + store.ActionAnonymize:
		l.Why = fmt.Sprintf("because tax law requires us to keep order records for %d years", years)
		l.Removed = "We removed your name, email address, phone number and street address from " + them + "."
		ground = groundOrders
	case "order_line/" + store.ActionKeep:
		l.Why = "with the " + pick(one, "order it belongs", "orders they belong") + " to"
		l.Removed = pick(one, "It shows", "They show") + " only products, quantities and prices."
		ground = groundOrders
	case "product_registration/" + store.ActionAnonymize:
		l.Why = "because a paid extended warranty on the device is still running, and we must be able to honour it"
		l.Removed = pick(one, "It is", "They are") + " no longer linked to you."
		ground = groundWarranty
	case "extended_warranty/" + store.ActionAnonymize:
		l.Why = "because you paid for " + them + " and " + pick(one, "it is", "they are") + " still running, so we must be able to honour " + them
		l.Removed = pick(one, "It is", "They are") + " no longer linked to you."
		ground = groundWarranty
	case "support_ticket/" + store.ActionAnonymize:
		l.Why = "as anonymous statistics only (date, channel and status)"
		l.Removed = "We removed your email address, the subject and the link to you, so nothing in " + them + " identifies you."
		ground = groundStats
	default:
		// The dataset's reason is a sentence; the email adds the full stop.
		l.Why = "for this reason: " + strings.TrimRight(strings.TrimSpace(it.Reason), ".")
	}
	return l, ground
}

// untilWords is the day (or range of days) an item's records are kept until.
func untilWords(it store.PlanItem) string {
	const day = "2 January 2006"
	switch {
	case it.Until == nil:
		return ""
	case it.UntilFirst == nil || it.UntilFirst.Format(day) == it.Until.Format(day):
		return it.Until.Format(day)
	}
	return it.UntilFirst.Format(day) + " to " + it.Until.Format(day)
}

func pick(one bool, singular, plural string) string {
	if one {
		return singular
	}
	return plural
}

// deletionSummary builds the customer's summary of a completed deletion
// from its recorded erasure results and the third parties concerned.
func (s *Service) deletionSummary(ctx context.Context, r *models.Request) (*DeletionSummary, error) {
	results, err := s.ErasureResults(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	sum := &DeletionSummary{}
	years := s.accountingYears()
	for _, res := range results {
		for _, it := range res.Items {
			if it.Action == store.ActionDelete {
				what := RecordLabel(it.Kind, it.Count)
				switch it.Kind { // the other orders are kept: say which went
				case "order":
					what += fmt.Sprintf(" more than %d years old", years)
				case "order_line":
					what += fmt.Sprintf(" from orders more than %d years old", years)
				}
				sum.Deleted = append(sum.Deleted, what)
				if it.Kind == "customer" {
					sum.AccountClosed = true
				}
				continue
			}
			if it.Kind == "customer" && it.Action == store.ActionAnonymize {
				sum.AccountClosed = true // login, email and password gone: an anonymous row stays
			}
			line, ground := keptLine(it, years)
			sum.Kept = append(sum.Kept, line)
			if ground != "" && !slices.Contains(sum.LegalGrounds, ground) {
				sum.LegalGrounds = append(sum.LegalGrounds, ground)
			}
		}
	}
	// The notices themselves go out from their own job, which may run after
	// this email is composed; every recipient concerned with deletions is
	// told, so the list is the configured one, not the notices written so far.
	for _, tp := range s.Settings.ThirdParties {
		if ok, _ := tp.Concerns(models.TypeDeletion, nil); ok {
			sum.Partners = append(sum.Partners, tp.Name)
		}
	}
	return sum, nil
}
