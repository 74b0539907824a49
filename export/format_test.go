package export

import (
	"testing"
	"time"
)

// TestFormatFieldWritesMoneyDatesAndCodesForPeople proves the index's
// values read as words: money from cents with its currency, one date
// format, yes/no, sizes, and stored codes translated.
func TestFormatFieldWritesMoneyDatesAndCodesForPeople(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v        any
		currency string
		want     string
	}{
		{"total_cents", int64(22997), "USD", "$229.97"},
		{"total_cents", int64(123456789), "EUR", "€1,234,567.89"},
		{"price_cents", int64(-505), "GBP", "-£5.05"},
		{"unit_price_cents", int64(1250), "CHF", "12.50 CHF"},
		{"unit_price_cents", int64(1999), "", "19.99"},
		{"unit_price_cents", int64(1500), "JPY", "¥1,500"},
		{"placed_at", time.Date(2026, 3, 2, 10, 4, 0, 0, time.UTC), "", "2 March 2026, 10:04 UTC"},
		{"date_of_birth", time.Date(1971, 4, 6, 0, 0, 0, 0, time.UTC), "", "6 April 1971"},
		{"paid", true, "", "Yes"},
		{"granted", false, "", "Declined"},
		{"size_bytes", int64(2 << 20), "", "2.0 MB"},
		{"payment_provider", "paypal", "", "PayPal"},
		{"category", "analytics", "", "Analytical/performance"},
		{"quantity", 3, "", "3"},
		{"closed_at", nil, "", ""},
	} {
		if got := formatField(tc.name, tc.v, tc.currency, "Kactoily"); got != tc.want {
			t.Errorf("formatField(%s, %v, %q) = %q, want %q", tc.name, tc.v, tc.currency, got, tc.want)
		}
	}
}
