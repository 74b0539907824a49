// Package locale speaks to customers in their language: it loads the
// embedded message catalogs, picks a supported language for a visitor and
// translates, pluralizes and formats dates in it.
package locale

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// Default is the language of staff pages and emails, and of customers whose
// language is unknown.
const Default = "en"

// Supported lists the languages customers can read, the default first.
var Supported = []string{"en", "es", "de", "fr"}

// Names are the languages as their speakers write them, for the switcher.
var Names = map[string]string{"en": "English", "es": "Español", "de": "Deutsch", "fr": "Français"}

var (
	tags    = []language.Tag{language.English, language.Spanish, language.German, language.French}
	matcher = language.NewMatcher(tags)
)

// Catalog holds every language's messages, parsed once at start-up.
type Catalog struct {
	bundle *i18n.Bundle
	// Keys lists each language's message ids, for the completeness check.
	Keys map[string]map[string]bool
	trs  map[string]*Tr
	// known maps the English text of a message in the "known" section (an
	// error workflows words in English) to its id.
	known map[string]string
}

// Load parses locales/active.<lang>.toml from fsys for every supported
// language. It fails on a missing or malformed catalog.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{bundle: i18n.NewBundle(language.English), Keys: map[string]map[string]bool{}, trs: map[string]*Tr{}, known: map[string]string{}}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range Supported {
		name := path.Join("locales", "active."+lang+".toml")
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", lang, err)
		}
		mf, err := c.bundle.ParseMessageFileBytes(b, name)
		if err != nil {
			return nil, fmt.Errorf("parse catalog %s: %w", name, err)
		}
		keys := map[string]bool{}
		for _, m := range mf.Messages {
			keys[m.ID] = true
			if lang == Default && strings.HasPrefix(m.ID, knownPrefix) {
				c.known[m.Other] = m.ID
			}
		}
		c.Keys[lang] = keys
	}
	for _, lang := range Supported {
		c.trs[lang] = &Tr{Lang: lang, loc: i18n.NewLocalizer(c.bundle, lang), known: c.known}
	}
	return c, nil
}

// Tr returns the translator of lang, or of Default when lang is not supported.
func (c *Catalog) Tr(lang string) *Tr {
	if t, ok := c.trs[lang]; ok {
		return t
	}
	return c.trs[Default]
}

// Valid reports whether lang is one of Supported, exactly.
func Valid(lang string) bool {
	for _, l := range Supported {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the supported language closest to an Accept-Language
// header (Default when nothing matches).
func Match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	return Supported[i]
}

// ErrUnsupported is returned by Parse for a tag no supported language serves.
var ErrUnsupported = errors.New("language not supported")

// Parse turns a BCP 47 tag ("es", "de-AT", "fr-CA") into a supported
// language. Errors: ErrUnsupported for anything else.
func Parse(tag string) (string, error) {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return "", ErrUnsupported
	}
	_, i, conf := matcher.Match(t)
	base, _ := t.Base()
	want, _ := tags[i].Base()
	if conf < language.High || base != want { // the matcher falls back to English for some unknown tags
		return "", ErrUnsupported
	}
	return Supported[i], nil
}
