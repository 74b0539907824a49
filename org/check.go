package org

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/kactoily/privacydesk/models"
)

// check returns the path of the first field at fault in the file and
// what is wrong with it ("" when nothing is).
func (in orgFile) check() (field, msg string) {
	for _, c := range []struct{ field, value, what string }{
		{"name", in.Name, "the short name customers know, such as Kactoily"},
		{"contact.privacy_email", in.Contact.PrivacyEmail, "the address people write to about their data"},
		{"policy.updated", in.Policy.Updated, "the date of the policy text, such as 2026-11-25"},
		{"policy.text", in.Policy.Text, "the privacy policy's text"},
	} {
		if strings.TrimSpace(c.value) == "" {
			return c.field, "is required: " + c.what
		}
	}
	for _, c := range [][2]string{{"name", in.Name}, {"website", in.Website}, {"description", in.Description},
		{"contact.postal_address", in.Contact.PostalAddress}} {
		if strings.ContainsFunc(c[1], unicode.IsControl) {
			return c[0], "must be one line of text"
		}
	}
	if !validEmail(in.Contact.PrivacyEmail) {
		return "contact.privacy_email", fmt.Sprintf("%q is not an email address like privacy@example.com", in.Contact.PrivacyEmail)
	}
	if _, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Policy.Updated)); err != nil {
		return "policy.updated", fmt.Sprintf("%q is not a date like 2026-11-25", in.Policy.Updated)
	}
	s := in.Statements
	for _, l := range []struct {
		key   string
		items []string
	}{
		{"purposes", s.Purposes}, {"categories", s.Categories}, {"recipients", s.Recipients},
		{"retention", s.Retention}, {"sources", s.Sources},
		{"automated_decisions", s.AutomatedDecisions}, {"transfers", s.Transfers},
	} {
		field := "statements." + l.key
		if len(l.items) == 0 {
			return field, "is required: an access answer must state it (GDPR Art. 15); say so in words if there is none"
		}
		for i, it := range l.items {
			if strings.TrimSpace(it) == "" {
				return fmt.Sprintf("%s[%d]", field, i), "must not be empty"
			}
		}
	}
	seen := map[string]bool{}
	for i, tp := range in.ThirdParties {
		at := fmt.Sprintf("third_parties[%d]", i)
		name := strings.TrimSpace(tp.Name)
		switch {
		case name == "":
			return at + ".name", "is required: the recipient's name, as its notices and the customer's summary give it"
		case seen[strings.ToLower(name)]:
			return at + ".name", fmt.Sprintf("%q is named twice: each recipient is told once, by name", name)
		case strings.TrimSpace(tp.Email) == "":
			return at + ".email", "is required: where its notices go"
		case !validEmail(tp.Email):
			return at + ".email", fmt.Sprintf("%q is not an email address like privacy@example.com", tp.Email)
		case len(tp.ToldOf) == 0:
			return at + ".told_of", "is required: deletion, opt_out or opt-out scopes such as sale_sharing"
		}
		if _, _, err := NoticeKinds(tp.ToldOf); err != nil {
			return at + ".told_of", err.Error()
		}
		seen[strings.ToLower(name)] = true
	}
	return "", ""
}

func normalEmail(s string) string { return models.NormalizeEmail(s) }

// validEmail accepts a bare address (no display name) with a dotted domain,
// as intake does.
func validEmail(s string) bool {
	s = normalEmail(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII }) {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
