// Package wording fills named placeholders into text that staff edit (email
// subjects, opening paragraphs, the privacy center's introduction) as plain
// text, never as a template, so staff input cannot run template code
// (Fides's CVE-2024-45053).
package wording

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholder is one name staff may write as {{name}}, with what it stands for.
type Placeholder struct {
	Name, Means string
}

// Placeholders are the names an edited text may use; each email fills those
// it knows and leaves the others empty.
var Placeholders = []Placeholder{
	{"request_id", "the request's reference, such as R7K2M9QX4T"},
	{"request_type", "what was asked, such as “Access to my data”"},
	{"due_date", "the date we answer by"},
	{"link", "the email's main link (confirm, status or download)"},
	{"store", "the company's name"},
}

// Limits on edited texts: a subject is one short line, a paragraph a few.
const (
	MaxSubject = 200
	MaxText    = 2000
)

// CheckSubject is Check for a subject line, which must also be one line of
// at most MaxSubject characters (a line break would forge mail headers).
func CheckSubject(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("a subject is one line: remove the line break")
	}
	if utf8.RuneCountInString(s) > MaxSubject {
		return fmt.Errorf("a subject is at most %d characters", MaxSubject)
	}
	if err := Check(s); err != nil {
		return err
	}
	// Links carry secret tokens; inbox lists and lock screens show subjects.
	if strings.Contains(Fill(s, map[string]string{"link": "\x00"}), "\x00") {
		return fmt.Errorf("{{link}} cannot go in a subject, which inbox lists show to anyone nearby: put it in the paragraph")
	}
	return nil
}

// CheckText is Check for a paragraph of at most MaxText characters.
func CheckText(s string) error {
	if utf8.RuneCountInString(s) > MaxText {
		return fmt.Errorf("the text is at most %d characters", MaxText)
	}
	return Check(s)
}

// Check reports text that is not valid UTF-8 or holds a control character
// other than a line break or tab, and the first placeholder in s that is
// broken: opened with {{ and never closed, or a plain name that is not one
// of Placeholders. Other
// text between braces ({{.}}, {{template "x"}}, {{call .F}}) is no
// placeholder and stays as written, so it is not an error.
func Check(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("the text is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return fmt.Errorf("the text holds a control character (%U): remove it", r)
		}
	}
	for rest := s; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return fmt.Errorf("%q opens a placeholder with {{ but never closes it with }}", excerpt(rest[i:]))
		}
		if name := strings.TrimSpace(rest[i+2 : i+2+j]); isName(name) && !known(name) {
			return fmt.Errorf("{{%s}} is not a placeholder; use one of %s", name, names())
		}
		rest = rest[i+2+j+2:]
	}
}

// Fill replaces each {{name}} of Placeholders (spaces inside the braces
// allowed) with values[name], or nothing when values lacks it; everything
// else stays exactly as written. The result is plain text: HTML output must
// escape it like any other text.
func Fill(s string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := strings.TrimSpace(s[i+2 : i+2+j])
		b.WriteString(s[:i])
		if isName(name) && known(name) {
			b.WriteString(values[name])
		} else {
			b.WriteString(s[i : i+2+j+2])
		}
		s = s[i+2+j+2:]
	}
}

// isName reports whether s looks like a placeholder name: letters, digits
// and underscores, starting with a letter.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for k, r := range s {
		if !(r == '_' || r < unicode.MaxASCII && (unicode.IsLetter(r) || k > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

func known(name string) bool {
	for _, p := range Placeholders {
		if p.Name == name {
			return true
		}
	}
	return false
}

func names() string {
	var n []string
	for _, p := range Placeholders {
		n = append(n, "{{"+p.Name+"}}")
	}
	return strings.Join(n, ", ")
}

// excerpt is the start of s, short enough to quote in an error.
func excerpt(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}
