package workflows

import (
	"testing"
	"time"
)

// TestEmailRetryDelayIsCappedYetOutlastsADay proves a failed email is tried
// again within about half a minute however often it failed in the first
// quarter hour, and that its attempts last a day without a mail server.
func TestEmailRetryDelayIsCappedYetOutlastsADay(t *testing.T) {
	for _, c := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, time.Second, 1100 * time.Millisecond},
		{2, 16 * time.Second, 17600 * time.Millisecond},
		{3, 30 * time.Second, 33 * time.Second},
		{30, 30 * time.Second, 33 * time.Second},
		{31, 15 * time.Minute, 16*time.Minute + 30*time.Second},
	} {
		if d := emailRetryDelay(c.attempt); d < c.min || d > c.max {
			t.Errorf("attempt %d: delay %v, want %v to %v", c.attempt, d, c.min, c.max)
		}
	}
	var total time.Duration
	max := SendEmailArgs{}.InsertOpts().MaxAttempts
	for a := 1; a < max; a++ {
		total += emailRetryDelay(a)
	}
	if total < 24*time.Hour || total > 30*time.Hour {
		t.Errorf("%d attempts span %v, want about a day", max, total)
	}
}
