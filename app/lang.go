package app

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// langCookie remembers the language a visitor picked with the switcher.
const langCookie = "pd_lang"

const langKey = "privacydesk.lang"

// langLink is one entry of the language switcher.
type langLink struct {
	Code, Name, URL string
	Current         bool
}

// visitorLang is the language of a customer page: a ?lang= the switcher
// sent (remembered in a cookie), else the cookie, else the best match for
// Accept-Language.
func (s *Server) visitorLang(c *gin.Context) string {
	if v, ok := c.Get(langKey); ok {
		return v.(string)
	}
	lang := locale.Match(c.GetHeader("Accept-Language"))
	if q := c.Query("lang"); locale.Valid(q) {
		lang = q
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: s.https, SameSite: http.SameSiteLaxMode})
	} else if ck, err := c.Cookie(langCookie); err == nil && locale.Valid(ck) {
		lang = ck
	}
	c.Set(langKey, lang)
	return lang
}

// langLinks point the current page at each language. After a form post
// they point at the form's own page, which a GET can show. A path that
// starts with several slashes (//evil.example/) is linked with one, so the
// link is never protocol-relative: a browser would open another site.
func langLinks(c *gin.Context, current string) []langLink {
	u := url.URL{Path: "/" + strings.TrimLeft(c.Request.URL.Path, "/"), RawQuery: c.Request.URL.RawQuery}
	q := u.Query()
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		q = map[string][]string{}
	}
	out := make([]langLink, 0, len(locale.Supported))
	for _, l := range locale.Supported {
		q.Set("lang", l)
		u.RawQuery = q.Encode()
		out = append(out, langLink{Code: l, Name: locale.Names[l], URL: u.RequestURI(), Current: l == current})
	}
	return out
}

// pageFuncs are the helpers bound to one language: t translates, and the
// dates, labels and history lines a customer reads come out in tr's language.
func pageFuncs(tr *locale.Tr) template.FuncMap {
	day := func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return tr.Date(v)
		case *time.Time:
			if v != nil {
				return tr.Date(*v)
			}
		}
		return "—"
	}
	return template.FuncMap{
		"t":        tr.HTML,
		"known":    tr.Known, // a standard text staff picked, such as a denial reason
		"date":     day,
		"datetime": tr.DateTime,
		"label":    func(s string) string { return tr.Label(s, workflows.Label(s)) },
		"event":    func(e models.AuditEvent) (string, error) { return eventText(tr, e) },
	}
}

// t translates key into the visitor's language. A key the catalog lacks
// is a bug the catalog tests catch; here it is logged and the key shown.
func (s *Server) t(c *gin.Context, key string, args ...any) string {
	msg, err := s.pages.cat.Tr(s.visitorLang(c)).T(key, args...)
	if err != nil {
		s.log.Error("translate", "key", key, "err", err)
		return key
	}
	return msg
}

// english is t for staff pages, which stay in English.
func (s *Server) english(key string, args ...any) string {
	msg, err := s.pages.cat.Tr(locale.Default).T(key, args...)
	if err != nil {
		s.log.Error("translate", "key", key, "err", err)
		return key
	}
	return msg
}
