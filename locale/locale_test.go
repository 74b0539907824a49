package locale_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	htmltemplate "html/template"

	"github.com/pelletier/go-toml/v2"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
)

// pluralForms are the CLDR forms each language's plural messages must have.
var pluralForms = map[string][]string{"en": {"one", "other"}, "de": {"one", "other"},
	"es": {"one", "many", "other"}, "fr": {"one", "many", "other"}}

var pluralKeys = []string{"zero", "one", "two", "few", "many", "other"}

// flatten reads a catalog into id → forms (a plain message has "other" only).
func flatten(t *testing.T, lang string) map[string]map[string]string {
	t.Helper()
	b, err := fs.ReadFile(templates.FS, "locales/active."+lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := toml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", lang, err)
	}
	out := map[string]map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			id := strings.TrimPrefix(prefix+"."+k, ".")
			switch v := v.(type) {
			case string:
				out[id] = map[string]string{"other": v}
			case map[string]any:
				if _, ok := v["other"]; ok {
					forms := map[string]string{}
					for f, s := range v {
						forms[f], _ = s.(string)
					}
					out[id] = forms
				} else {
					walk(id, v)
				}
			}
		}
	}
	walk("", raw)
	return out
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// TestCatalogsHaveEveryEnglishKey fails when a catalog lacks a key English
// has (or has one English lacks), lacks a plural form its language needs,
// or drops or invents a placeholder.
func TestCatalogsHaveEveryEnglishKey(t *testing.T) {
	en := flatten(t, "en")
	if len(en) < 100 {
		t.Fatalf("English catalog has only %d messages", len(en))
	}
	for _, lang := range locale.Supported {
		cat := flatten(t, lang)
		for id, forms := range en {
			got, ok := cat[id]
			if !ok {
				t.Errorf("%s lacks %q", lang, id)
				continue
			}
			if len(forms) > 1 {
				for _, f := range pluralForms[lang] {
					if got[f] == "" {
						t.Errorf("%s %q lacks plural form %q", lang, id, f)
					}
				}
			}
			want := placeholders(forms["other"])
			for f, s := range got {
				if f == "one" && !strings.Contains(s, "{{.Count}}") {
					// "once" may spell the count out
					continue
				}
				if p := placeholders(s); !slices.Equal(p, want) {
					t.Errorf("%s %q (%s) has placeholders %v, English %v", lang, id, f, p, want)
				}
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, id)
			}
		}
	}
}

// TestTranslationsAreNotEnglishCopies fails when a catalog is mostly English:
// only names and a few international words ("Status", "Global Privacy
// Control") may read the same.
func TestTranslationsAreNotEnglishCopies(t *testing.T) {
	en := flatten(t, "en")
	for _, lang := range locale.Supported[1:] {
		cat := flatten(t, lang)
		var same []string
		for id, forms := range en {
			if cat[id]["other"] == forms["other"] {
				same = append(same, id)
			}
		}
		if len(same) > 6 {
			sort.Strings(same)
			t.Errorf("%s: %d messages read exactly as in English: %v", lang, len(same), same)
		}
	}
}

var tCall = regexp.MustCompile(`\bt "([^"]+)"`)

// TestTemplatesUseOnlyEnglishKeys fails when a page or email template, or
// the Go code, names a message the English catalog lacks.
func TestTemplatesUseOnlyEnglishKeys(t *testing.T) {
	en := flatten(t, "en")
	used := 0
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".txt")) {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			used++
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s uses %q, which the English catalog lacks", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if used < 100 {
		t.Errorf("templates call t only %d times", used)
	}
	// The receipt's next step is picked by the request's type.
	for _, typ := range models.RequestTypes {
		if en["email.receipt.next_"+typ+"_html"] == nil {
			t.Errorf("receipt has no next step for type %q", typ)
		}
	}
	// Keys the handlers name: "section.key" literals whose section is a catalog section.
	sections := map[string]bool{}
	for id := range en {
		sections[strings.SplitN(id, ".", 2)[0]] = true
	}
	lit := regexp.MustCompile(`"([a-z_]+)\.([a-z_.]+)"`)
	for _, dir := range []string{"../app", "../workflows"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
				if sections[m[1]] && en[m[1]+"."+m[2]] == nil && !strings.HasSuffix(m[0], `."`) {
					t.Errorf("%s names %q, which the English catalog lacks", f, m[1]+"."+m[2])
				}
			}
		}
	}
}

// TestPluralsAndDatesFollowTheLanguage proves counts pick the language's
// plural form and dates are written its way.
func TestPluralsAndDatesFollowTheLanguage(t *testing.T) {
	cat, err := locale.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 3, 15, 4, 0, 0, time.UTC)
	for _, c := range []struct {
		lang, one, many, date, long string
	}{
		{"en", "You have 1 try.", "You have 3 tries.", "3 Dec 2026", "Thursday 3 December 2026"},
		{"es", "Le queda 1 intento.", "Le quedan 3 intentos.", "3 de diciembre de 2026", "jueves, 3 de diciembre de 2026"},
		{"de", "Sie haben noch 1 Versuch.", "Sie haben noch 3 Versuche.", "3. Dezember 2026", "Donnerstag, 3. Dezember 2026"},
		{"fr", "Il vous reste 1 essai.", "Il vous reste 3 essais.", "3 décembre 2026", "jeudi 3 décembre 2026"},
	} {
		tr := cat.Tr(c.lang)
		if got, err := tr.T("verify.tries", "Count", 1); err != nil || got != c.one {
			t.Errorf("%s one: %q %v, want %q", c.lang, got, err, c.one)
		}
		if got, err := tr.T("verify.tries", "Count", 3); err != nil || got != c.many {
			t.Errorf("%s other: %q %v, want %q", c.lang, got, err, c.many)
		}
		if got := tr.Date(day); got != c.date {
			t.Errorf("%s date: %q, want %q", c.lang, got, c.date)
		}
		if got := tr.LongDate(day); got != c.long {
			t.Errorf("%s long date: %q, want %q", c.lang, got, c.long)
		}
	}
	if got, _ := cat.Tr("es").T("received.step_work", "Count", 30); got != "Empezamos a trabajar en ella y respondemos en 30 días." {
		t.Errorf("es 30 days: %q", got)
	}
}

// TestHTMLMessagesEscapeTheirArguments proves an _html message escapes what
// it is given (a requester's name or email) in HTML, keeps it exactly in
// plain text, and that an unknown key is an error, not a blank.
func TestHTMLMessagesEscapeTheirArguments(t *testing.T) {
	cat, err := locale.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	evil := `<script>alert(1)</script>"@example.com`
	h, err := cat.Tr("de").HTML("received.opt_out_lead_html", "Email", evil)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := h.(htmltemplate.HTML)
	if !ok || strings.Contains(string(got), "<script>") || !strings.Contains(string(got), "<strong>&lt;script&gt;alert(1)&lt;/script&gt;&#34;@example.com</strong>") {
		t.Errorf("html: %#v", h)
	}
	text, err := cat.Tr("de").Text("received.opt_out_lead_html", "Email", evil)
	if err != nil || !strings.HasSuffix(text, "an "+evil+" gesendet.") || strings.Contains(text, "<strong>") {
		t.Errorf("text: %q %v", text, err)
	}
	if plain, _ := cat.Tr("fr").HTML("cancel.lead", "Type", "<b>x</b>"); plain != "Si vous annulez, nous cessons de traiter votre demande « <b>x</b> » et la clôturons. C'est irréversible, mais vous pouvez déposer une nouvelle demande à tout moment." {
		t.Errorf("a message with arguments and without markup stays a string for html/template to escape: %#v", plain)
	}
	if _, err := cat.Tr("es").T("no.such_key"); err == nil {
		t.Error("an unknown key translated without error")
	}
}

// TestMatchAndParsePickSupportedLanguages proves Accept-Language and the
// API's lang field map onto the four languages, and nothing else passes.
func TestMatchAndParsePickSupportedLanguages(t *testing.T) {
	for header, want := range map[string]string{
		"es-ES,es;q=0.9,en;q=0.8": "es", "de-AT": "de", "fr-CA,fr;q=0.9": "fr", "pt-BR": "en", "": "en",
		"en-US,en;q=0.9": "en", "nl,de;q=0.5": "de", "garbage;;": "en",
	} {
		if got := locale.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
	for tag, want := range map[string]string{"es": "es", "es-MX": "es", "de-CH": "de", "fr": "fr", "en-GB": "en"} {
		if got, err := locale.Parse(tag); err != nil || got != want {
			t.Errorf("Parse(%q) = %q %v, want %q", tag, got, err, want)
		}
	}
	for _, tag := range []string{"xx", "pt", "<b>", "español", "tlh"} {
		if _, err := locale.Parse(tag); err == nil {
			t.Errorf("Parse(%q) accepted", tag)
		}
	}
}

// TestKnownErrorsAreStillWordedSoInTheCode fails when an error the
// "known" section translates by its English text is no longer written so
// in the Go code, which would leave it untranslated without a sound.
func TestKnownErrorsAreStillWordedSoInTheCode(t *testing.T) {
	var code strings.Builder
	for _, dir := range []string{"../app", "../workflows", "../models"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			code.Write(b)
		}
	}
	cat, err := locale.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for id, forms := range flatten(t, "en") {
		if !strings.HasPrefix(id, "known.") {
			continue
		}
		n++
		if !strings.Contains(code.String(), `"`+forms["other"]+`"`) {
			t.Errorf("%s: %q is not in the code any more", id, forms["other"])
		}
		if got := cat.Tr("fr").Known(forms["other"]); got == forms["other"] {
			t.Errorf("%s is not translated by its English text", id)
		}
	}
	if n < 20 {
		t.Errorf("only %d known errors", n)
	}
	if got := cat.Tr("de").Known("Some text no catalog has."); got != "Some text no catalog has." {
		t.Errorf("an unknown text changed: %q", got)
	}
}
