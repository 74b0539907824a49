package app

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/workflows"
)

// pages is the template cache: one parsed set per page, built at start-up.
type pages struct {
	cat  *locale.Catalog
	sets map[string]map[string]*template.Template // language → page → its parsed set
}

// view is the data every page receives.
type view struct {
	Title   string
	Store   string     // the organization's name
	Org     *org.Facts // its website, contact and logo letter, for the layout
	Flash   string
	Error   string
	Fields  map[string]string
	Form    any
	Data    any
	NoIndex bool
	Staff   *models.StaffUser // the signed-in staff member on staff pages
	Lang    string            // the page's language
	Langs   []langLink        // the language switcher (customer pages only)
}

// funcs are the helpers of every page; pageFuncs adds those bound to a language.
var funcs = template.FuncMap{
	"daysLeft":   daysLeft,
	"dueClass":   dueClass,
	"mask":       maskEmail,
	"queueLink":  queueLink,
	"itoa":       itoa,
	"human":      human,
	"countOf":    countOf,
	"fieldText":  fieldText,
	"bytes":      byteSize,
	"yesNo":      yesNo,
	"eventLabel": eventLabel,
	"emailKind":  emailKind,
	"dueBadge":   dueBadge,
	"age":        age,
	"lower":      strings.ToLower,
	"langName": func(lang string) string { // a request's language, as its speakers write it
		if n, ok := locale.Names[lang]; ok {
			return n
		}
		return locale.Names[locale.Default]
	},
	"sortLink": sortLink,
	"ariaSort": ariaSort,
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"has": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
}

func parsePages(fsys fs.FS) (*pages, error) {
	cat, err := locale.Load(fsys)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{cat: cat, sets: map[string]map[string]*template.Template{}}
	for _, lang := range locale.Supported {
		p.sets[lang] = map[string]*template.Template{}
	}
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue // layout and partials
		}
		for _, lang := range locale.Supported {
			if isStaffPage(base) && lang != locale.Default {
				continue // staff pages are English only
			}
			t, err := template.New(base).Funcs(funcs).Funcs(pageFuncs(cat.Tr(lang))).ParseFS(fsys, "pages/_*.html", name)
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			p.sets[lang][strings.TrimSuffix(base, ".html")] = t
		}
	}
	return p, nil
}

func isStaffPage(name string) bool { return strings.HasPrefix(name, "staff_") }

// render writes a page with the status, rendered into a buffer first so a
// template error never sends half a page.
func (s *Server) render(c *gin.Context, status int, page string, v view) {
	lang := locale.Default
	if v.Staff == nil && !isStaffPage(page) {
		lang = s.visitorLang(c)
		v.Langs = langLinks(c, lang)
		c.Header("Vary", "Accept-Language, Cookie")
	}
	v.Lang = lang
	if lang != locale.Default { // errors come from workflows in English
		tr := s.pages.cat.Tr(lang)
		v.Error = tr.Known(v.Error)
		if len(v.Fields) > 0 {
			fields := make(map[string]string, len(v.Fields))
			for k, msg := range v.Fields {
				fields[k] = tr.Known(msg)
			}
			v.Fields = fields
		}
	}
	t, ok := s.pages.sets[lang][page]
	if !ok {
		s.log.Error("no such page template", "page", page)
		c.String(http.StatusInternalServerError, "Internal error.")
		return
	}
	v.Store, v.Org = s.org.Name, s.org
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("render page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "Internal error.")
		return
	}
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, models.Errorf(models.ENotFound, "We could not find that page."))
}

// eventText says in words what an audit event means to the requester, in
// tr's language; "" for an event that does not concern them.
func eventText(tr *locale.Tr, e models.AuditEvent) (string, error) {
	key := eventKey(e)
	if key == "" {
		return "", nil
	}
	if key == "label" {
		return tr.Label(e.ToStatus, workflows.Label(e.ToStatus)), nil
	}
	return tr.T("event." + key)
}

// eventKey is the catalog key (under "event.") of an audit event's line.
func eventKey(e models.AuditEvent) string {
	if e.FromStatus == e.ToStatus { // an event within a status: only some concern the requester
		switch e.Action {
		case "verification_resent", "extend", "export_built", "download", "merged", "gpc_opt_out",
			"download_link_sent", "appeal_filed", "appeal_decided":
			return e.Action
		}
		return ""
	}
	switch {
	case e.ToStatus == models.StatusInProgress && e.Action == "appeal_decided":
		return "appeal_overturned"
	case e.ToStatus == models.StatusCompleted && e.FromStatus == "":
		return "opt_out_done"
	}
	switch e.ToStatus {
	case models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval,
		models.StatusFulfilling, models.StatusCompleted, models.StatusDenied, models.StatusCancelled, models.StatusExpired:
		return "to_" + e.ToStatus
	}
	return "label"
}
