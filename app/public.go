package app

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// requestForm is the public form's input: only what a requester may set.
type requestForm struct {
	Type     string   `form:"type"`
	Name     string   `form:"name"`
	Email    string   `form:"email"`
	Details  string   `form:"details"`
	Scopes   []string `form:"scopes"`
	Region   string   `form:"region"`
	Honeypot string   `form:"website"` // hidden from people; bots fill it in
}

func gpc(c *gin.Context) bool { return strings.TrimSpace(c.GetHeader("Sec-GPC")) == "1" }

func (s *Server) handleHome(c *gin.Context) {
	s.render(c, http.StatusOK, "home", view{Title: "Your privacy, your choice", Data: gin.H{"GPC": gpc(c)}})
}

func (s *Server) handlePolicy(c *gin.Context) {
	s.render(c, http.StatusOK, "policy", view{Title: "Privacy Policy", Data: policyParagraphs(s.policy)})
}

func (s *Server) handleNewForm(c *gin.Context) {
	f := requestForm{Type: c.Query("type")}
	if !slices.Contains(models.RequestTypes, f.Type) {
		f.Type = ""
	}
	s.render(c, http.StatusOK, "new", view{Title: "Make a privacy request", Form: f, Data: formData(c)})
}

func formData(c *gin.Context) gin.H {
	return gin.H{"GPC": gpc(c), "Types": models.RequestTypes, "Scopes": models.OptOutScopes}
}

func (s *Server) handleNewSubmit(c *gin.Context) {
	var f requestForm
	if err := c.ShouldBind(&f); err != nil {
		s.render(c, http.StatusBadRequest, "new", view{Title: "Make a privacy request", Form: f, Data: formData(c),
			Error: "We could not read the form. Please fill it in again."})
		return
	}
	if f.Honeypot != "" {
		c.Redirect(http.StatusSeeOther, "/requests/received?type="+url.QueryEscape(f.Type))
		return
	}
	r, err := s.svc.Submit(c.Request.Context(), workflows.NewRequest{
		Type: f.Type, Email: f.Email, Name: f.Name, Details: f.Details, Scopes: f.Scopes, Region: f.Region, GPC: gpc(c), Channel: "web",
	})
	if code := models.ErrorCode(err); err != nil && (code == models.EInvalid || code == models.ERateLimited) {
		setRetryAfter(c, err)
		s.render(c, statusFor(err), "new", view{Title: "Make a privacy request", Form: f, Data: formData(c),
			Error: models.ErrorMessage(err), Fields: models.ErrorFields(err)})
		return
	}
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/requests/received?type="+url.QueryEscape(r.Type))
}

func (s *Server) handleReceived(c *gin.Context) {
	t := c.Query("type")
	if !slices.Contains(models.RequestTypes, t) {
		t = models.TypeAccess
	}
	title := "Check your email"
	if t == models.TypeOptOut {
		title = "Your opt-out is in effect"
	}
	s.render(c, http.StatusOK, "received", view{Title: title, Data: gin.H{"Type": t}})
}

func (s *Server) handleVerify(c *gin.Context) {
	noStore(c)
	r, tok, err := s.svc.Verify(c.Request.Context(), c.Query("token"))
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(r.ID, tok)+"&confirmed=1")
}

func statusPath(id, token string) string {
	return "/requests/" + url.PathEscape(id) + "/status?token=" + url.QueryEscape(token)
}

type resendForm struct {
	Email string `form:"email"`
}

func (s *Server) handleResendForm(c *gin.Context) {
	s.render(c, http.StatusOK, "resend", view{Title: "Send my confirmation link again", Form: resendForm{}})
}

func (s *Server) handleResendSubmit(c *gin.Context) {
	var f resendForm
	_ = c.ShouldBind(&f)
	err := s.allowResendFor(f.Email)
	if err == nil {
		err = s.svc.Resend(c.Request.Context(), f.Email)
	}
	if code := models.ErrorCode(err); err != nil && (code == models.EInvalid || code == models.ERateLimited) {
		setRetryAfter(c, err)
		s.render(c, statusFor(err), "resend", view{Title: "Send my confirmation link again", Form: f,
			Error: models.ErrorMessage(err), Fields: models.ErrorFields(err)})
		return
	}
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	s.render(c, http.StatusOK, "resend", view{Title: "Send my confirmation link again", Form: resendForm{},
		Flash: "If we have a request waiting for confirmation from that address, we have emailed a new link. It works for 24 hours."})
}

func (s *Server) handleStatus(c *gin.Context) {
	noStore(c)
	token := c.Query("token")
	gpcNote := s.statusGPC(c, c.Param("id"), token)
	v, err := s.svc.Status(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	flash := ""
	switch {
	case c.Query("confirmed") == "1":
		flash = "Thank you: your email is confirmed and your request is with our privacy team."
	case c.Query("cancelled") == "1":
		flash = "Your request is cancelled."
	}
	s.render(c, http.StatusOK, "status", view{Title: "Request " + v.Request.ID, Flash: flash, NoIndex: true,
		Data: gin.H{"R": v.Request, "History": v.History, "Token": token, "CanCancel": workflows.CanCancel(v.Request),
			"GPC": gpcNote}})
}

func (s *Server) handleCancel(c *gin.Context) {
	noStore(c)
	token := c.PostForm("token")
	r, err := s.svc.Cancel(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(r.ID, token)+"&cancelled=1")
}

// policyParagraphs splits the policy text into headings, paragraphs and bullets.
func policyParagraphs(text string) []gin.H {
	var out []gin.H
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "•"):
			out = append(out, gin.H{"Bullet": strings.TrimSpace(strings.TrimPrefix(line, "•"))})
		case len(line) < 60 && !strings.HasSuffix(line, "."):
			out = append(out, gin.H{"Heading": line})
		default:
			out = append(out, gin.H{"Text": line})
		}
	}
	return out
}

func (s *Server) handleDownload(c *gin.Context) {
	noStore(c)
	exp, err := s.svc.Download(c.Request.Context(), c.Param("id"), c.Query("token"))
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	c.FileAttachment(exp.Path, "kactoily-data-"+c.Param("id")+".zip")
}
