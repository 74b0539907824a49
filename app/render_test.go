package app

import (
	"testing"

	"github.com/kactoily/privacydesk/models"
)

// TestEventTextShowsRequesterOnlyWhatConcernsThem proves staff-internal
// events (claim, note, assignment) never show on the requester's status
// page, and that a status change is told once in words.
func TestEventTextShowsRequesterOnlyWhatConcernsThem(t *testing.T) {
	for _, c := range []struct {
		from, to, action, want string
	}{
		{"", models.StatusPendingVerification, "submit", "Request received; waiting for you to confirm your email"},
		{models.StatusPendingVerification, models.StatusVerified, "verify", "Email confirmed; request sent to our privacy team"},
		{models.StatusVerified, models.StatusVerified, "claim", ""},
		{models.StatusVerified, models.StatusVerified, "note", ""},
		{models.StatusVerified, models.StatusVerified, "assign", ""},
		{models.StatusVerified, models.StatusVerified, "extend", "We extended the deadline"},
		{models.StatusPendingVerification, models.StatusPendingVerification, "verification_resent", "Confirmation link sent again"},
		{models.StatusCompleted, models.StatusCompleted, "download", "Your data was downloaded"},
		{"", models.StatusCompleted, "opt_out", "Opt-out received and in effect"},
	} {
		got := eventText(models.AuditEvent{FromStatus: c.from, ToStatus: c.to, Action: c.action})
		if got != c.want {
			t.Errorf("%s %s→%s: %q, want %q", c.action, c.from, c.to, got, c.want)
		}
	}
}
