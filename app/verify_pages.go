package app

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
)

// handleVerify shows the page of an emailed verification link: what it
// would confirm and a button that does. Opening it changes nothing, so a
// mail scanner following the link confirms nothing.
func (s *Server) handleVerify(c *gin.Context) {
	noStore(c)
	s.showVerifyLink(c, c.Query("token"))
}

// handleVerifySubmit confirms the request with the token from the form's
// body (never the URL), with the order number or serial the page asked
// for, and goes to its status page. A wrong one shows the form again (422).
func (s *Server) handleVerifySubmit(c *gin.Context) {
	noStore(c)
	token := c.PostForm("token")
	r, tok, err := s.intake.Verify(c.Request.Context(), token, c.PostForm("proof"))
	switch models.ErrorCode(err) {
	case models.EGone, models.EConflict, models.EForbidden:
		s.showVerifyLink(c, token) // used, expired, cancelled or locked: say which, as the link's page does
		return
	}
	if s.refused(c, err, view{}, func(status int, v view) { s.showVerifyForm(c, token, status, v.Error, v.Fields) }, models.EInvalid) {
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(r.ID, tok)+"&confirmed=1")
}

func (s *Server) showVerifyLink(c *gin.Context, token string) {
	s.showVerifyForm(c, token, 0, "", nil)
}

// showVerifyForm renders a verification link's page; a nonzero status and
// the fields' errors are those of a wrong answer on its form.
func (s *Server) showVerifyForm(c *gin.Context, token string, formStatus int, msg string, fields map[string]string) {
	l, err := s.intake.CheckVerifyLink(c.Request.Context(), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	status, title := http.StatusOK, "verify.title"
	switch r := l.Request; {
	case l.Used:
		status, title = http.StatusGone, "verify.used_title"
	case r.Status == models.StatusExpired:
		status, title = http.StatusGone, "verify.expired_title"
	case r.Status == models.StatusCancelled:
		status, title = http.StatusConflict, "verify.cancelled_title"
	case r.Status != models.StatusPendingVerification:
		title = "verify.confirmed_title"
	case l.Locked:
		status, title = http.StatusLocked, "verify.locked_title"
	case formStatus != 0:
		status = formStatus
	}
	s.render(c, status, "verify", view{Title: s.t(c, title), NoIndex: true, Error: msg, Fields: fields,
		Data: gin.H{"R": l.Request, "Used": l.Used, "Token": token, "Proof": l.ProofKinds, "Locked": l.Locked, "TriesLeft": l.TriesLeft}})
}

func statusPath(id, token string) string { return links.StatusPage(id, token) }
