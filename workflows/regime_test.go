package workflows_test

import (
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// TestExtensionDeadlineFollowsTheRegime proves CCPA adds 45 days, GDPR two
// calendar months (clamped to the month's end, never spilling into the
// next), and an unknown or other region the shorter CCPA limit.
func TestExtensionDeadlineFollowsTheRegime(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	cases := []struct {
		region  string
		due     time.Time
		want    time.Time
		maxDays int
	}{
		{models.RegionCalifornia, day(2026, 4, 1), day(2026, 5, 16), 45},
		{models.RegionEU, day(2026, 4, 1), day(2026, 6, 1), 61},
		{models.RegionEU, day(2026, 12, 31), day(2027, 2, 28), 59},
		{models.RegionEU, day(2027, 12, 31), day(2028, 2, 29), 60},
		{models.RegionEU, day(2026, 7, 31), day(2026, 9, 30), 61},
		{models.RegionEU, day(2026, 6, 30), day(2026, 8, 30), 61},
		{models.RegionOther, day(2026, 4, 1), day(2026, 5, 16), 45},
		{"", day(2026, 4, 1), day(2026, 5, 16), 45},
	}
	for _, tc := range cases {
		r := &models.Request{Region: tc.region, DueAt: &tc.due}
		if got := workflows.ExtensionDeadline(r); !got.Equal(tc.want) {
			t.Errorf("%q due %s: latest %s, want %s", tc.region, tc.due.Format(time.DateOnly), got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
		}
		if got := workflows.MaxExtensionFor(r); got != tc.maxDays || got > workflows.MaxExtensionDays {
			t.Errorf("%q due %s: at most %d days, want %d (≤ %d)", tc.region, tc.due.Format(time.DateOnly), got, tc.maxDays, workflows.MaxExtensionDays)
		}
	}
}
