package app

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
)

// errorStatus is the HTTP status of every error code, for pages and the
// JSON API alike: the one place a code becomes a status. A code missing
// here (there is none; a test checks) answers 500.
var errorStatus = map[string]int{
	models.EInvalid:      http.StatusUnprocessableEntity,
	models.EBadRequest:   http.StatusBadRequest,
	models.EUnsupported:  http.StatusUnsupportedMediaType,
	models.ENotFound:     http.StatusNotFound,
	models.EMethod:       http.StatusMethodNotAllowed,
	models.EConflict:     http.StatusConflict,
	models.EUnauthorized: http.StatusUnauthorized,
	models.EForbidden:    http.StatusForbidden,
	models.ERateLimited:  http.StatusTooManyRequests,
	models.EGone:         http.StatusGone,
	models.EUnavailable:  http.StatusServiceUnavailable,
	models.EInternal:     http.StatusInternalServerError,
}

// statusFor is the HTTP status of err's code (500 for an error without one).
func statusFor(err error) int {
	if st, ok := errorStatus[models.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// fail answers an error with the status of its code: as JSON for the API
// ({"error":{"code","message"[,"fields"]}}), as a page otherwise. Internal
// errors (and a nil err, from a recovered panic) are logged with the route
// and shown only as a generic message.
func (s *Server) fail(c *gin.Context, err error) {
	status := statusFor(err)
	if status >= 500 && err != nil {
		s.log.Error("request failed", "route", c.FullPath(), "method", c.Request.Method, "err", err)
	}
	setRetryAfter(c, err)
	msg := models.ErrorMessage(err)
	if models.ErrorCode(err) == models.EInternal {
		msg = models.ErrorMessage(nil) // the generic one, even for an *Error coded internal
	}
	if isAPI(c) {
		body := gin.H{"code": models.ErrorCode(err), "message": msg}
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
	s.render(c, status, "message", view{Title: s.t(c, titleKey(status)), Error: msg, NoIndex: true})
}

// refused answers a form's refusal, err: nil is no answer (false). An
// error with one of codes (none given: any code but EInternal) shows the
// form again through show, with the status of its code, Retry-After when it
// has one, and base's Error and Fields set from it, so nothing typed is
// lost. Any other error goes to fail. It reports whether it answered.
func (s *Server) refused(c *gin.Context, err error, base view, show func(status int, v view), codes ...string) bool {
	if err == nil {
		return false
	}
	code := models.ErrorCode(err)
	if code == models.EInternal || len(codes) > 0 && !slices.Contains(codes, code) {
		s.fail(c, err)
		return true
	}
	setRetryAfter(c, err)
	base.Error, base.Fields = models.ErrorMessage(err), models.ErrorFields(err)
	show(statusFor(err), base)
	return true
}

// page is a show for refused: it renders the customer page name.
func (s *Server) page(c *gin.Context, name string) func(int, view) {
	return func(status int, v view) { s.render(c, status, name, v) }
}

// staffPage is a show for refused: it renders the staff page name.
func (s *Server) staffPage(c *gin.Context, name string) func(int, view) {
	return func(status int, v view) { s.renderStaff(c, status, name, v) }
}

func isStaffPath(c *gin.Context) bool {
	p := c.Request.URL.Path
	return p == links.Staff || strings.HasPrefix(p, links.Staff+"/")
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
	s.render(c, status, "staff_message", view{Title: s.english(titleKey(status)), Error: msg, NoIndex: true, Staff: u,
		Data: gin.H{"Back": back}})
}

// titleKey is the catalog key of an error page's title for status.
func titleKey(status int) string {
	switch status {
	case http.StatusNotFound:
		return "error_title.not_found"
	case http.StatusGone:
		return "error_title.gone"
	case http.StatusTooManyRequests:
		return "error_title.slow_down"
	case http.StatusConflict:
		return "error_title.conflict"
	case http.StatusMethodNotAllowed:
		return "error_title.method"
	case http.StatusForbidden:
		return "error_title.forbidden"
	case http.StatusUnauthorized:
		return "error_title.unauthorized"
	}
	if status >= 500 {
		return "error_title.internal"
	}
	return "error_title.problem"
}
