package mail_test

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/templates"
)

// notToCustomers are the kinds that go to staff or a third party and stay English.
func notToCustomers(kind string) bool {
	return strings.HasPrefix(kind, "staff_") || kind == "verification_locked" || kind == "third_party_notice"
}

// TestCustomerEmailsRenderInEveryLanguage proves every email renders in
// Spanish, German and French, and every customer email with its own words
// (no English greeting or signature left), escaping a hostile name there too.
func TestCustomerEmailsRenderInEveryLanguage(t *testing.T) {
	r, err := mail.NewRenderer(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(templates.FS, "emails/*.txt")
	const evil = `<script>alert(1)</script>`
	greeting := map[string]string{"es": "Hola", "de": "Guten Tag", "fr": "Bonjour"}
	customerKinds := 0
	for _, f := range files {
		kind := strings.TrimSuffix(path.Base(f), ".txt")
		enSubject, _, _, err := r.Render(kind, sampleData(evil))
		if err != nil {
			t.Fatal(err)
		}
		if !notToCustomers(kind) {
			customerKinds++
		}
		for _, lang := range locale.Supported[1:] {
			d := sampleData(evil)
			d.Lang = lang
			subject, text, html, err := r.RenderIn(lang, kind, d)
			if err != nil {
				t.Fatalf("%s in %s: %v", kind, lang, err)
			}
			if strings.Contains(html, evil) || strings.Contains(text+html, "<no value>") {
				t.Fatalf("%s in %s: unescaped name or missing value:\n%s", kind, lang, html)
			}
			if notToCustomers(kind) {
				continue // workflows renders these in English (TestBrowserSpanishJourney checks one)
			}
			if subject == enSubject || strings.Contains(text, "Hello") || strings.Contains(text, "Privacy Team") ||
				!strings.Contains(text, greeting[lang]) || !strings.Contains(html, `<html lang="`+lang+`">`) {
				t.Errorf("%s in %s is not in %s:\n%s\n%s", kind, lang, lang, subject, text)
			}
		}
	}
	if customerKinds < 10 {
		t.Fatalf("only %d customer email kinds", customerKinds)
	}
}
