package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// Staff pages speak words, not internals: these helpers turn stored names,
// times, cents, sizes and flags into what a person reads.

// words names what a snake_case key stands for when capitalising it is not enough.
var words = map[string]string{
	"customer": "customer profile", "consent_choice": "cookie or consent choice",
	"marketing_preference": "marketing preference", "page_view": "page visit", "ip_address": "IP address",
	"sku": "SKU", "os": "operating system", "email": "email address", "page_url": "page address",
	"web": "the privacy center", "api": "the API", "staff": "staff, for the customer",
	"anonymize": "anonymize", "delete": "delete", "keep": "keep",
	"queued": "waiting to send", "sent": "sent", "failed": "failed",
}

// human turns a snake_case key (a record kind, field, source) into words.
func human(key string) string {
	if w, ok := words[key]; ok {
		return capitalize(w)
	}
	// Values are shown as money and sizes, so the unit leaves the name.
	key = strings.TrimSuffix(strings.TrimSuffix(key, "_cents"), "_bytes")
	return capitalize(strings.ReplaceAll(key, "_", " "))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// plural is n and the noun for n of them: "1 order", "3 order lines".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "x"):
		noun += "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsAny(noun[len(noun)-2:len(noun)-1], "aeiou"):
		noun = noun[:len(noun)-1] + "ies"
	default:
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// countOf is n records of a kind in words: "2 order lines".
func countOf(n int, kind string) string { return plural(n, strings.ToLower(human(kind))) }

// fieldText shows one sample field's value: times as dates, cents as
// money in the record's currency, flags as yes or no, nothing as "—".
// Samples come back from JSON, so times are RFC 3339 strings and numbers float64.
func fieldText(rec store.Record, f store.Field) string {
	switch v := f.Value.(type) {
	case nil:
		return "—"
	case bool:
		return yesNo(v)
	case float64:
		if strings.HasSuffix(f.Name, "_cents") {
			return money(int64(v), currencyOf(rec))
		}
		if strings.HasSuffix(f.Name, "_bytes") {
			return byteSize(int64(v))
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && strings.HasSuffix(f.Name, "_of_birth") {
				return t.UTC().Format("2 Jan 2006")
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		}
		return v
	}
	return fmt.Sprint(f.Value)
}

func currencyOf(rec store.Record) string {
	for _, f := range rec.Fields {
		if c, ok := f.Value.(string); ok && f.Name == "currency" {
			return c
		}
	}
	return ""
}

// money formats cents with the thousands grouped: "1,234.50 EUR".
func money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	s := sign + export.Thousands(cents/100) + fmt.Sprintf(".%02d", cents%100)
	if currency != "" {
		s += " " + currency
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// byteSize is a size a person reads: "812 bytes", "17.5 KB", "3.2 MB".
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return plural(int(n), "byte")
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KB"
	case n < 1024*1024*1024:
		return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024*1024), 'f', 1, 64) + " GB"
}

// eventLabels say what each audit action means, for the staff timeline.
var eventLabels = map[string]string{
	"submit": "Request filed", "opt_out": "Opt-out filed and put into effect", "verify": "Email confirmed",
	"verification_resent": "Confirmation link sent again", "expire": "Expired unconfirmed",
	"file_confirmed": "Filed by staff, identity confirmed", "collect": "Started collecting records",
	"collected": "Every source searched", "retry_collection": "Collection retried",
	"assign": "Assigned", "claim": "Claimed", "escalate": "Sent to an admin", "note": "Note added",
	"advance": "Moved on", "approve": "Approved", "deny": "Denied", "extend": "Deadline extended",
	"staff_cancel": "Cancelled by staff", "cancel": "Cancelled by the requester",
	"export_built": "Export built", "download": "Export downloaded", "fulfil": "Carried out",
	"retry_erasure": "Erasure retried", "merged": "Filed again; merged into this request",
	"gpc_opt_out": "Global Privacy Control opt-out recorded", "download_link_sent": "Fresh download link emailed", "purge_personal_data": "Personal data removed after the retention period",
	"verification_failed": "Wrong order number or serial given to confirm", "verification_locked": "Confirmation locked after wrong answers",
	"verification_unlocked": "Confirmation unlocked; new link sent", "appeal_filed": "Denial appealed by the requester",
	"appeal_decided": "Appeal decided",
	"agent_file":     "Filed by an authorized agent who verified the email", "agent_revoke": "Revoked by the authorized agent",
	"opt_in": "Opt-in confirmed; opt-out of sale/sharing ended",
}

func eventLabel(action string) string {
	if l, ok := eventLabels[action]; ok {
		return l
	}
	return human(action)
}

// emailKinds name each email by what it tells whom.
var emailKinds = map[string]string{
	workflows.EmailVerify: "Confirmation link", workflows.EmailReceipt: "Receipt",
	"in_progress": "Work started", workflows.EmailDenied: "Denial",
	workflows.EmailCancelled: "Cancellation", workflows.EmailCompleted: "Completion",
	workflows.EmailOptOutDone: "Opt-out confirmation", workflows.EmailOptInDone: "Opt-in confirmation", workflows.EmailStaffNew: "New-request notice to the privacy team",
	workflows.EmailExtended: "Deadline extension", workflows.EmailReminder: "Deadline reminder to staff",
	workflows.EmailThirdParty: "Notice to a third party", workflows.EmailAssigned: "Assignment notice to staff",
	workflows.EmailAppealReceived: "Appeal receipt", workflows.EmailStaffAppeal: "Appeal notice to the privacy team",
	workflows.EmailAppealDecided: "Appeal decision",
}

func emailKind(kind string) string {
	if l, ok := emailKinds[kind]; ok {
		return l
	}
	return human(kind)
}

// badge is a due date as a coloured badge.
type badge struct{ Text, Class string }

// dueBadge says how a due date stands on calendar days (UTC): "due
// today", "due tomorrow", "due in 3 days", or once its time has passed
// "1 day overdue", "2 days overdue". Green ≥ 10 days, amber < 10, red < 5.
func dueBadge(due *time.Time, now time.Time) badge {
	if due == nil {
		return badge{}
	}
	day := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	days := int(day(*due).Sub(day(now)).Hours() / 24)
	if due.Before(now) {
		late := max(-days, 1)
		return badge{plural(late, "day") + " overdue", "overdue"}
	}
	b := badge{Class: "green"}
	switch {
	case days < 5:
		b.Class = "red"
	case days < 10:
		b.Class = "amber"
	}
	switch days {
	case 0:
		b.Text = "due today"
	case 1:
		b.Text = "due tomorrow"
	default:
		b.Text = "due in " + plural(days, "day")
	}
	return b
}

// age is how long ago t was, in whole days: "today", "1 day ago", "12 days ago".
func age(t time.Time, now time.Time) string {
	days := int(now.Sub(t).Hours() / 24)
	if days <= 0 {
		return "today"
	}
	return plural(days, "day") + " ago"
}
