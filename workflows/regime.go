package workflows

import (
	"time"

	"github.com/kactoily/privacydesk/models"
)

// Regime is the law whose deadlines apply to a request, chosen from the
// region the requester stated.
type Regime struct {
	Region string // models.Region*
	Law    string // short name shown to staff
	Rule   string // the extension rule in words
}

// regimes maps each region to its law. "Somewhere else" gets CCPA's
// 45 days, the shorter of the two extensions, so that when the region is
// unknown an extension is lawful under either law.
var regimes = map[string]Regime{
	models.RegionCalifornia: {models.RegionCalifornia, "CCPA", "up to 45 more days (CCPA regs §7021(b))"},
	models.RegionEU:         {models.RegionEU, "GDPR", "up to two more months (GDPR Art. 12(3))"},
	models.RegionOther:      {models.RegionOther, "CCPA limits (region not covered)", "up to 45 more days (the shorter of CCPA's and GDPR's, lawful under both)"},
}

// DefaultRegion is the region of a request that states none.
const DefaultRegion = models.RegionOther

// RegimeFor returns the regime of r (the default's for an unknown region).
func RegimeFor(r *models.Request) Regime {
	if g, ok := regimes[r.Region]; ok {
		return g
	}
	return regimes[DefaultRegion]
}

// ExtensionDeadline returns the latest due date an extension may set for
// r: 45 days past the due date under CCPA, two calendar months under GDPR
// (the same day two months on, or that month's last day when it is shorter).
func ExtensionDeadline(r *models.Request) time.Time {
	due := r.DueAt.UTC()
	if RegimeFor(r).Region == models.RegionEU {
		return addMonths(due, 2)
	}
	return due.AddDate(0, 0, 45)
}

// MaxExtensionFor returns the most days r's due date may be extended by
// (45 for CCPA, 59 to 62 for GDPR's two months); 45 before a due date is set.
func MaxExtensionFor(r *models.Request) int {
	if r.DueAt == nil {
		return 45
	}
	return int(ExtensionDeadline(r).Sub(r.DueAt.UTC()).Hours() / 24)
}

// addMonths adds n calendar months to t, keeping the day of the month or
// taking the month's last day (31 December + 2 months is 28 or 29 February,
// where time.AddDate would give 2 or 3 March).
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}
