package app

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/workflows"
)

// pages is the template cache: one parsed set per page, built at start-up.
type pages struct {
	sets map[string]*template.Template
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
}

var funcs = template.FuncMap{
	"label": workflows.Label,
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2 Jan 2006")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("2 Jan 2006")
			}
		}
		return "—"
	},
	"datetime":   func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
	"event":      eventText,
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
	"sortLink":   sortLink,
	"ariaSort":   ariaSort,
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
	names, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue // layout and partials
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(fsys, "pages/_*.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.sets[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
}

// render writes a page with the status, rendered into a buffer first so a
// template error never sends half a page.
func (s *Server) render(c *gin.Context, status int, page string, v view) {
	t, ok := s.pages.sets[page]
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

// statusFor maps an error code to an HTTP status, in one place.
func statusFor(err error) int {
	switch models.ErrorCode(err) {
	case models.EInvalid:
		return http.StatusUnprocessableEntity
	case models.ENotFound:
		return http.StatusNotFound
	case models.EConflict:
		return http.StatusConflict
	case models.EGone:
		return http.StatusGone
	case models.EUnauthorized:
		return http.StatusUnauthorized
	case models.EForbidden:
		return http.StatusForbidden
	case models.ERateLimited:
		return http.StatusTooManyRequests
	case models.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// fail answers an error as JSON for the API and as a page otherwise.
// Internal errors are logged and shown only as a generic message.
func (s *Server) fail(c *gin.Context, status int, err error) {
	if status == 0 {
		status = statusFor(err)
	}
	if status >= 500 && err != nil {
		s.log.Error("request failed", "route", c.FullPath(), "err", err)
	}
	setRetryAfter(c, err)
	msg := models.ErrorMessage(err)
	if err == nil {
		msg = models.ErrorMessage(fmt.Errorf("internal"))
	}
	if isAPI(c) {
		code := models.ErrorCode(err)
		if err == nil || status >= 500 {
			code = models.EInternal
		}
		body := gin.H{"code": code, "message": msg}
		if f := models.ErrorFields(err); len(f) > 0 {
			body["fields"] = f
		}
		c.JSON(status, gin.H{"error": body})
		return
	}
	if isStaffPath(c) {
		s.failStaff(c, status, msg)
		return
	}
	s.render(c, status, "message", view{Title: titleFor(status), Error: msg, NoIndex: true})
}

func isStaffPath(c *gin.Context) bool {
	p := c.Request.URL.Path
	return p == "/staff" || strings.HasPrefix(p, "/staff/")
}

// failStaff answers an error under /staff/ in the staff layout, with a way
// back to the queue (and to the request, when the path names one that
// exists), instead of the customer pages' links. Routes that did not pass
// requireStaff (unknown paths, wrong methods) look the session up here.
func (s *Server) failStaff(c *gin.Context, status int, msg string) {
	c.Header("Cache-Control", "no-store")
	u := staff(c)
	if u == nil && status != http.StatusUnauthorized {
		u = s.staffFromSession(c)
	}
	back := ""
	if id := c.Param("id"); id != "" && u != nil && status != http.StatusNotFound {
		back = requestPath(id)
	}
	s.render(c, status, "staff_message", view{Title: titleFor(status), Error: msg, NoIndex: true, Staff: u,
		Data: gin.H{"Back": back}})
}

func titleFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusGone:
		return "This link no longer works"
	case http.StatusTooManyRequests:
		return "Please slow down"
	case http.StatusConflict:
		return "This cannot be done now"
	case http.StatusMethodNotAllowed:
		return "This address is not a page"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusUnauthorized:
		return "Please sign in"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "There is a problem"
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, http.StatusNotFound, models.Errorf(models.ENotFound, "We could not find that page."))
}

// eventText says in words what an audit event means to the requester.
func eventText(e models.AuditEvent) string {
	if e.FromStatus == e.ToStatus { // an event within a status: only some concern the requester
		switch e.Action {
		case "verification_resent":
			return "Confirmation link sent again"
		case "extend":
			return "We extended the deadline"
		case "export_built":
			return "Your data is ready to download"
		case "download":
			return "Your data was downloaded"
		case "merged":
			return "Asked for again; kept as this request and a new confirmation link sent"
		case "gpc_opt_out":
			return "Global Privacy Control signal received: opted out of sale and sharing"
		case "download_link_sent":
			return "A fresh download link was emailed"
		case "appeal_filed":
			return "You appealed our decision"
		case "appeal_decided":
			return "We answered your appeal: the denial stands"
		}
		return ""
	}
	switch {
	case e.ToStatus == models.StatusPendingVerification:
		return "Request received; waiting for you to confirm your email"
	case e.ToStatus == models.StatusVerified:
		return "Email confirmed; request sent to our privacy team"
	case e.ToStatus == models.StatusInProgress && e.Action == "appeal_decided":
		return "We answered your appeal: the denial is overturned and your request is open again"
	case e.ToStatus == models.StatusInProgress:
		return "We started gathering your records"
	case e.ToStatus == models.StatusAwaitingApproval:
		return "Your records are being reviewed"
	case e.ToStatus == models.StatusFulfilling:
		return "Approved; we are carrying it out"
	case e.ToStatus == models.StatusCompleted && e.FromStatus == "":
		return "Opt-out received and in effect"
	case e.ToStatus == models.StatusCompleted:
		return "Completed"
	case e.ToStatus == models.StatusDenied:
		return "Denied"
	case e.ToStatus == models.StatusCancelled:
		return "Cancelled"
	case e.ToStatus == models.StatusExpired:
		return "Expired: the email was not confirmed in time"
	}
	return workflows.Label(e.ToStatus)
}
