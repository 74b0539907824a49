package locale

import (
	"fmt"
	"html"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Tr translates into one language. Message ids ending in "_html" hold
// markup written by us; their arguments are escaped (pages and HTML email)
// or the markup is dropped (plain-text email).
type Tr struct {
	Lang  string
	loc   *i18n.Localizer
	known map[string]string
}

// knownPrefix is the catalog section of messages known by their English text.
const knownPrefix = "known."

// Known translates a message that arrives as English text (an error
// message or a field's error from workflows) when the catalog's "known"
// section has it, and returns it unchanged otherwise.
func (t *Tr) Known(english string) string {
	id, ok := t.known[english]
	if !ok || t.Lang == Default {
		return english
	}
	if s, err := t.T(id); err == nil {
		return s
	}
	return english
}

// T returns the message key with its named arguments ("Name", value, …);
// an argument named Count also picks the plural form. Errors: a key no
// catalog has, or arguments that are not name, value pairs.
func (t *Tr) T(key string, args ...any) (string, error) {
	data, count, err := pairs(key, args)
	if err != nil {
		return "", err
	}
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if msg == "" && err != nil {
		return "", fmt.Errorf("translate %q into %s: %w", key, t.Lang, err)
	}
	return msg, nil
}

// HTML is T for a page or HTML email: an "_html" message becomes trusted
// markup with every argument escaped first, and so does a message without
// arguments (our own text: its apostrophes stay apostrophes); any other
// message stays a string, which html/template escapes as usual.
func (t *Tr) HTML(key string, args ...any) (any, error) {
	if len(args) == 0 {
		s, err := t.T(key)
		return htmltemplate.HTML(s), err
	}
	if !strings.HasSuffix(key, "_html") {
		return t.T(key, args...)
	}
	esc := make([]any, len(args))
	copy(esc, args)
	for i := 1; i < len(esc); i += 2 {
		if name, _ := esc[i-1].(string); name != "Count" {
			esc[i] = html.EscapeString(fmt.Sprint(esc[i]))
		}
	}
	s, err := t.T(key, esc...)
	return htmltemplate.HTML(s), err
}

var tag = regexp.MustCompile(`<[^>]*>`)

// Text is T for a plain-text email: an "_html" message loses its markup,
// while the arguments, put in after that, are kept exactly as given.
func (t *Tr) Text(key string, args ...any) (string, error) {
	if !strings.HasSuffix(key, "_html") {
		return t.T(key, args...)
	}
	marks := make([]any, len(args))
	copy(marks, args)
	for i := 1; i < len(marks); i += 2 {
		if name, _ := marks[i-1].(string); name != "Count" {
			marks[i] = "\x00" + strconv.Itoa(i) + "\x00"
		}
	}
	s, err := t.T(key, marks...)
	if err != nil {
		return "", err
	}
	s = html.UnescapeString(tag.ReplaceAllString(s, ""))
	for i := 1; i < len(args); i += 2 {
		s = strings.ReplaceAll(s, "\x00"+strconv.Itoa(i)+"\x00", fmt.Sprint(args[i]))
	}
	return s, nil
}

// Label is the words for a status, type or scope, from the catalog's
// "label" section; fallback (the English label) when it has none.
func (t *Tr) Label(key, fallback string) string {
	id := "label." + key
	if key == "" {
		id = "label.new"
	}
	if s, err := t.T(id); err == nil {
		return s
	}
	return fallback
}

func pairs(key string, args []any) (map[string]any, any, error) {
	if len(args)%2 != 0 {
		return nil, nil, fmt.Errorf("translate %q: arguments must be name, value pairs", key)
	}
	var data map[string]any
	var count any
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return nil, nil, fmt.Errorf("translate %q: argument %d is not a name", key, i)
		}
		if data == nil {
			data = map[string]any{}
		}
		data[name] = args[i+1]
		if name == "Count" {
			count = args[i+1]
		}
	}
	return data, count, nil
}

var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

var weekdays = map[string][7]string{
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	"es": {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	"de": {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
	"fr": {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
}

// Date is a day as the language writes it (UTC): "3 Dec 2026",
// "3 de diciembre de 2026", "3. Dezember 2026", "3 décembre 2026".
func (t *Tr) Date(d time.Time) string {
	d = d.UTC()
	m := months[t.Lang][d.Month()-1]
	switch t.Lang {
	case "es":
		return fmt.Sprintf("%d de %s de %d", d.Day(), m, d.Year())
	case "de":
		return fmt.Sprintf("%d. %s %d", d.Day(), m, d.Year())
	case "fr":
		return fmt.Sprintf("%d %s %d", d.Day(), m, d.Year())
	}
	return d.Format("2 Jan 2006")
}

// LongDate is a day with its weekday, for email: "Thursday 3 December 2026",
// "jueves, 3 de diciembre de 2026", "Donnerstag, 3. Dezember 2026", "jeudi 3 décembre 2026".
func (t *Tr) LongDate(d time.Time) string {
	d = d.UTC()
	w := weekdays[t.Lang][d.Weekday()]
	switch t.Lang {
	case "es", "de":
		return w + ", " + t.Date(d)
	case "fr":
		return w + " " + t.Date(d)
	}
	return d.Format("Monday 2 January 2006")
}

// DateTime is a moment to the minute, in UTC: "3 Dec 2026, 15:04 UTC".
func (t *Tr) DateTime(d time.Time) string {
	return t.Date(d) + d.UTC().Format(", 15:04 UTC")
}
