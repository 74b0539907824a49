package org

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kactoily/privacydesk/models"
)

// Facts are what one organization states about itself and its
// processing, as its organization file says: who it is and how to reach
// it, the Art. 15 statements of every access answer, the privacy policy
// its privacy center shows, and the third parties told of deletions and
// opt-outs. Load or Default returns them; nothing changes them after.
type Facts struct {
	// Name is the short name customers know: page titles, the emails'
	// signature ("— Kactoily Privacy Team"), the export ("Your data at …").
	Name string
	// Website and Description make the footer line
	// ("Kactoily.com · consumer electronics and smart-home products").
	Website, Description string
	// PrivacyEmail is where the privacy center tells people to write.
	PrivacyEmail string
	// PostalAddress, if set, is shown next to PrivacyEmail.
	PostalAddress string
	Statements    PolicyStatement
	// PolicyText is the privacy policy, plain text: a title line, then
	// headings, paragraphs and "•" bullets, separated by blank lines.
	PolicyText string
	// PolicyUpdated is the date the policy page gives the text.
	PolicyUpdated time.Time
	// ThirdParties are the recipients told of deletions and opt-outs.
	ThirdParties []ThirdParty
}

// MailFrom is the default From of every email: "<Name> Privacy
// <PrivacyEmail>".
func (f *Facts) MailFrom() string {
	return (&mail.Address{Name: f.Name + " Privacy", Address: f.PrivacyEmail}).String()
}

// Initial is the first letter of the name, the privacy center's logo.
func (f *Facts) Initial() string {
	r, _ := utf8.DecodeRuneInString(f.Name)
	if r == utf8.RuneError {
		return ""
	}
	return string(unicode.ToUpper(r))
}

// FileSlug is the name in lower case with hyphens for anything else than
// letters and digits, for file names such as the export's ZIP.
func (f *Facts) FileSlug() string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(f.Name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// ThirdParty is a recipient of customers' data that must be told of a
// deletion or opt-out (GDPR Art. 19, CCPA deletion and opt-out notices).
type ThirdParty struct {
	Name  string
	Email string
	Types []string // request types it must hear about: deletion, opt_out
	// Scopes are the opt-out scopes it is concerned with; empty means all.
	// It hears of an opt-out only for these, and only of these.
	Scopes []string
	Holds  string // what it holds from us, named in its notices
}

// Concerns returns what tp must hear of a notice: for a deletion, whether
// it hears of deletions; for an opt-out, the scopes among scopes it is
// concerned with (none: it is not told).
func (tp ThirdParty) Concerns(reason string, scopes []string) (bool, []string) {
	if !slices.Contains(tp.Types, reason) {
		return false, nil
	}
	if reason != models.TypeOptOut {
		return true, nil
	}
	var mine []string
	for _, sc := range scopes {
		if len(tp.Scopes) == 0 || slices.Contains(tp.Scopes, sc) {
			mine = append(mine, sc)
		}
	}
	return len(mine) > 0, mine
}

// NoticeKinds reads what a third party is told of: deletion, opt_out
// (opt-outs of every scope) or an opt-out scope (marketing_email,
// sale_sharing, analytics: opt-outs of that scope only). It returns the
// request types and the opt-out scopes (none: every scope), or an error
// naming the first word it does not know.
func NoticeKinds(words []string) (types, scopes []string, err error) {
	allScopes := false
	for _, w := range words {
		w = strings.TrimSpace(w)
		switch {
		case w == models.TypeDeletion:
		case w == models.TypeOptOut:
			allScopes = true
		case slices.Contains(models.OptOutScopes, w):
			scopes = append(scopes, w)
			w = models.TypeOptOut
		default:
			return nil, nil, fmt.Errorf("types are deletion, opt_out and the opt-out scopes %s (got %q)",
				strings.Join(models.OptOutScopes, ", "), w)
		}
		if !slices.Contains(types, w) {
			types = append(types, w)
		}
	}
	if allScopes {
		scopes = nil
	}
	return types, scopes, nil
}
