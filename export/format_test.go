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
		words    map[string]string // the dataset's words for the column's codes
	}{
		{"total_cents", int64(22997), "USD", "$229.97", nil},
		{"total_cents", int64(123456789), "EUR", "€1,234,567.89", nil},
		{"price_cents", int64(-505), "GBP", "-£5.05", nil},
		{"unit_price_cents", int64(1250), "CHF", "12.50 CHF", nil},
		{"unit_price_cents", int64(1999), "", "19.99", nil},
		{"unit_price_cents", int64(1500), "JPY", "¥1,500", nil},
		{"placed_at", time.Date(2026, 3, 2, 10, 4, 0, 0, time.UTC), "", "2 March 2026, 10:04 UTC", nil},
		{"date_of_birth", time.Date(1971, 4, 6, 0, 0, 0, 0, time.UTC), "", "6 April 1971", nil},
		{"paid", true, "", "Yes", nil},
		{"granted", false, "", "Declined", map[string]string{"true": "Accepted", "false": "Declined"}},
		{"paid", false, "", "No", map[string]string{"true": "Settled"}},
		{"size_bytes", int64(2 << 20), "", "2.0 MB", nil},
		{"payment_provider", "paypal", "", "PayPal", map[string]string{"paypal": "PayPal"}},
		{"category", "analytics", "", "Analytical/performance", map[string]string{"analytics": "Analytical/performance"}},
		{"author_kind", "agent", "", "Kactoily support", map[string]string{"agent": "{org} support"}},
		{"category", "strictly_needed", "", "Strictly needed", map[string]string{"analytics": "Analytics"}}, // a code not listed: in words
		{"payment_provider", "paypal", "", "paypal", nil},                                                   // no words: as stored
		{"quantity", 3, "", "3", nil},
		{"closed_at", nil, "", "", nil},
	} {
		if got := formatField(tc.name, tc.v, tc.currency, "Kactoily", tc.words); got != tc.want {
			t.Errorf("formatField(%s, %v, %q) = %q, want %q", tc.name, tc.v, tc.currency, got, tc.want)
		}
	}
}
