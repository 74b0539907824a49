package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/kactoily/privacydesk/locale"
)

// Renderer turns an email kind and its data into subject, text and HTML in
// one of the supported languages, from templates parsed once at start-up
// (one set per language, each with its t and date bound to it).
type Renderer struct {
	cat  *locale.Catalog
	text map[string]map[string]*texttemplate.Template // language → kind
	html map[string]map[string]*htmltemplate.Template
}

// Funcs are the helpers every email template may call; langFuncs adds t
// and date in the email's language.
var Funcs = map[string]any{
	"date":  func(t any) string { return longDate(locale.Default, nil, t) },
	"join":  strings.Join,
	"paras": Paragraphs,
}

// Paragraphs is plain text (such as an admin's edited opening paragraph) as
// HTML paragraphs: escaped, a blank line between paragraphs, a line break
// within one.
func Paragraphs(text string) htmltemplate.HTML {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + strings.ReplaceAll(htmltemplate.HTMLEscapeString(p), "\n", "<br>") + "</p>\n")
		}
	}
	return htmltemplate.HTML(b.String())
}

func longDate(lang string, tr *locale.Tr, t any) string {
	var d time.Time
	switch v := t.(type) {
	case time.Time:
		d = v
	case *time.Time:
		if v == nil {
			return ""
		}
		d = *v
	default:
		return ""
	}
	if tr == nil {
		return d.UTC().Format("Monday 2 January 2006")
	}
	return tr.LongDate(d)
}

func langFuncs(tr *locale.Tr, html bool) map[string]any {
	f := map[string]any{"date": func(t any) string { return longDate(tr.Lang, tr, t) }, "t": tr.Text, "known": tr.Known}
	if html {
		f["t"] = tr.HTML
	}
	return f
}

// NewRenderer parses emails/<kind>.txt (blocks "subject" and "text") and
// emails/<kind>.html (block "html", with emails/_layout.html) for every kind
// found in fsys, in every language of the catalogs under locales/. It fails
// on any broken template or catalog, so errors show at start-up.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	cat, err := locale.Load(fsys)
	if err != nil {
		return nil, err
	}
	r := &Renderer{cat: cat, text: map[string]map[string]*texttemplate.Template{}, html: map[string]map[string]*htmltemplate.Template{}}
	names, err := fs.Glob(fsys, "emails/*.txt")
	if err != nil {
		return nil, err
	}
	for _, lang := range locale.Supported {
		tr := cat.Tr(lang)
		r.text[lang], r.html[lang] = map[string]*texttemplate.Template{}, map[string]*htmltemplate.Template{}
		for _, name := range names {
			kind := strings.TrimSuffix(path.Base(name), ".txt")
			t, err := texttemplate.New(kind).Funcs(Funcs).Funcs(langFuncs(tr, false)).ParseFS(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("parse email %s: %w", name, err)
			}
			for _, block := range []string{"subject", "text"} {
				if t.Lookup(block) == nil {
					return nil, fmt.Errorf("email %s has no %q block", name, block)
				}
			}
			r.text[lang][kind] = t
			h, err := htmltemplate.New(kind).Funcs(Funcs).Funcs(langFuncs(tr, true)).ParseFS(fsys, "emails/_layout.html", "emails/"+kind+".html")
			if err != nil {
				return nil, fmt.Errorf("parse email %s.html: %w", kind, err)
			}
			r.html[lang][kind] = h
		}
	}
	return r, nil
}

// Has reports whether a template exists for kind.
func (r *Renderer) Has(kind string) bool { _, ok := r.text[locale.Default][kind]; return ok }

// Tr is the translator of lang (of locale.Default when lang is not supported),
// for the words an email's data carries, such as its type's label.
func (r *Renderer) Tr(lang string) *locale.Tr { return r.cat.Tr(lang) }

// Render executes the templates of kind with data, in English.
func (r *Renderer) Render(kind string, data any) (subject, text, html string, err error) {
	return r.RenderIn(locale.Default, kind, data)
}

// RenderIn executes the templates of kind with data in lang (English when
// lang is not supported).
func (r *Renderer) RenderIn(lang, kind string, data any) (subject, text, html string, err error) {
	if !locale.Valid(lang) {
		lang = locale.Default
	}
	t, ok := r.text[lang][kind]
	if !ok {
		return "", "", "", fmt.Errorf("no email template %q", kind)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", kind, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.ExecuteTemplate(&b, "text", data); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	text = strings.TrimSpace(b.String()) + "\n"
	b.Reset()
	if err := r.html[lang][kind].ExecuteTemplate(&b, "layout", data); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return subject, text, b.String(), nil
}
