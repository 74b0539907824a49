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
)

// Renderer turns an email kind and its data into subject, text and HTML,
// from templates parsed once at start-up.
type Renderer struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// Funcs are the helpers email templates may call.
var Funcs = map[string]any{
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("Monday 2 January 2006")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("Monday 2 January 2006")
			}
		}
		return ""
	},
	"join": strings.Join,
}

// NewRenderer parses emails/<kind>.txt (blocks "subject" and "text") and
// emails/<kind>.html (block "html", with emails/_layout.html) for every kind
// found in fsys. It fails on any broken template, so errors show at start-up.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	names, err := fs.Glob(fsys, "emails/*.txt")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		kind := strings.TrimSuffix(path.Base(name), ".txt")
		t, err := texttemplate.New(kind).Funcs(Funcs).ParseFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("parse email %s: %w", name, err)
		}
		for _, block := range []string{"subject", "text"} {
			if t.Lookup(block) == nil {
				return nil, fmt.Errorf("email %s has no %q block", name, block)
			}
		}
		r.text[kind] = t
		h, err := htmltemplate.New(kind).Funcs(Funcs).ParseFS(fsys, "emails/_layout.html", "emails/"+kind+".html")
		if err != nil {
			return nil, fmt.Errorf("parse email %s.html: %w", kind, err)
		}
		r.html[kind] = h
	}
	return r, nil
}

// Has reports whether a template exists for kind.
func (r *Renderer) Has(kind string) bool { _, ok := r.text[kind]; return ok }

// Render executes the templates of kind with data.
func (r *Renderer) Render(kind string, data any) (subject, text, html string, err error) {
	t, ok := r.text[kind]
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
	if err := r.html[kind].ExecuteTemplate(&b, "layout", data); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return subject, text, b.String(), nil
}
