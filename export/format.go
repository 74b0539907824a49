package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// formatField formats one field's value for a person: dates in one human
// format, money from cents with its currency, yes/no, sizes in KB or MB,
// and stored codes in the words the dataset gives for them (words: nil
// for a column without any; org is the organization's name they may name).
func formatField(name string, v any, currency, org string, words map[string]string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return humanTime(x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return humanTime(*x)
	case bool:
		if w, ok := words[fmt.Sprint(x)]; ok {
			return codeWords(w, org)
		}
		return map[bool]string{true: "Yes", false: "No"}[x]
	case int64:
		return formatNumber(name, x, currency)
	case int:
		return formatNumber(name, int64(x), currency)
	case string:
		if words == nil {
			return x
		}
		if w, ok := words[x]; ok {
			return codeWords(w, org)
		}
		return humanize(x)
	}
	return fmt.Sprint(v)
}

// codeWords is a code's words with {org} replaced by the organization's
// name (left out, with what remains capitalized, when there is none).
func codeWords(w, org string) string {
	if org == "" {
		return humanize(strings.TrimSpace(strings.ReplaceAll(w, "{org}", "")))
	}
	return strings.ReplaceAll(w, "{org}", org)
}

func formatNumber(name string, n int64, currency string) string {
	switch {
	case strings.HasSuffix(name, "_cents"):
		return Money(n, currency)
	case name == "size_bytes":
		return byteSize(n)
	}
	return Thousands(n)
}

// humanDate formats a day as "2 January 2006".
func humanDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

// humanTime formats a time as "2 January 2006, 15:04 UTC", or only the day
// when it is midnight (a date of birth, say).
func humanTime(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return humanDate(t)
	}
	return t.Format("2 January 2006, 15:04 UTC")
}

// currencySymbols are the symbols written before an amount; other
// currencies are written after it by their ISO 4217 code.
var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}

// zeroDecimal currencies have no minor unit in common use.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true}

// Money formats an amount in cents (minor units) of an ISO 4217 currency,
// such as "$1,229.97" or "12.50 CHF"; without a currency, only the number.
func Money(cents int64, currency string) string {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	neg := cents < 0
	if neg {
		cents = -cents
	}
	var num string
	if zeroDecimal[currency] {
		num = Thousands(cents)
	} else {
		num = fmt.Sprintf("%s.%02d", Thousands(cents/100), cents%100)
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if sym, ok := currencySymbols[currency]; ok {
		return sign + sym + num
	}
	if currency == "" {
		return sign + num
	}
	return sign + num + " " + currency
}

// Thousands formats n with commas between groups of three digits.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
