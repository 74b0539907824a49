package app

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/wording"
	"github.com/kactoily/privacydesk/workflows"
)

// Intake is what the public forms and the API need to file a request and
// have its requester confirm it.
type Intake interface {
	Submit(ctx context.Context, in workflows.NewRequest) (*models.Request, error)
	Verify(ctx context.Context, token, proof string) (*models.Request, string, error)
	CheckVerifyLink(ctx context.Context, token string) (*workflows.VerifyLink, error)
	Resend(ctx context.Context, email string) error
	LookupRequests(ctx context.Context, email, lang string) error
}

// Requester is what the status page, its forms and the download page need:
// a requester's own request, known by its status link's id and token.
type Requester interface {
	Status(ctx context.Context, id, token string) (*workflows.StatusView, error)
	HonourStatusGPC(ctx context.Context, id, token string) (bool, error)
	Cancel(ctx context.Context, id, token string) (*models.Request, error)
	FileAppeal(ctx context.Context, id, token, reason string) (*models.Appeal, error)
	Download(ctx context.Context, id, token string, send func(*models.Export) error) error
	CheckDownloadLink(ctx context.Context, id, token string) (*workflows.DownloadLink, error)
	SendDownloadLink(ctx context.Context, id, token string) error
}

var (
	_ Intake    = (*workflows.Service)(nil)
	_ Requester = (*workflows.Service)(nil)
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
	// A correction's rows: the detail that is wrong and what it should be.
	CorrectionField []string `form:"correction_field"`
	CorrectionValue []string `form:"correction_value"`
}

// correctionRows is how many detail rows the form offers.
const correctionRows = 3

// Corrections pairs the form's correction rows (blank rows are dropped by intake).
func (f requestForm) Corrections() []workflows.CorrectionInput {
	var out []workflows.CorrectionInput
	for i := 0; i < max(len(f.CorrectionField), len(f.CorrectionValue)) && i < workflows.MaxCorrections+1; i++ {
		c := workflows.CorrectionInput{}
		if i < len(f.CorrectionField) {
			c.Field = f.CorrectionField[i]
		}
		if i < len(f.CorrectionValue) {
			c.Value = f.CorrectionValue[i]
		}
		out = append(out, c)
	}
	return out
}

// CorrectionRows returns the rows to show: what was typed, padded with blank ones.
func (f requestForm) CorrectionRows() []workflows.CorrectionInput {
	rows := f.Corrections()
	for len(rows) < correctionRows {
		rows = append(rows, workflows.CorrectionInput{})
	}
	return rows
}

func gpc(c *gin.Context) bool { return strings.TrimSpace(c.GetHeader("Sec-GPC")) == "1" }

func (s *Server) handleHome(c *gin.Context) {
	s.render(c, http.StatusOK, "home", view{Title: s.t(c, "home.title"), Data: gin.H{"GPC": gpc(c), "Intro": s.centerIntro(c)}})
}

// centerIntro is the admin's own introduction of the privacy center in the
// visitor's language, placeholders filled in as plain text; "" keeps the
// built-in one. A failure to read it is logged and shows the built-in text.
func (s *Server) centerIntro(c *gin.Context) string {
	if s.wording == nil {
		return ""
	}
	w, err := s.wording.WordingFor(c.Request.Context(), workflows.WordingPrivacyCenter, s.visitorLang(c))
	if err != nil {
		s.log.Error("read privacy center wording", "err", err)
		return ""
	}
	return wording.Fill(w.Intro, map[string]string{"store": s.org.Name})
}

func (s *Server) handlePolicy(c *gin.Context) {
	paras := policyParagraphs(s.policy)
	var toc []gin.H
	for _, p := range paras {
		if p["Heading"] != nil {
			toc = append(toc, p)
		}
	}
	s.render(c, http.StatusOK, "policy", view{Title: s.t(c, "policy.title"),
		Data: gin.H{"Paragraphs": paras, "TOC": toc, "Updated": s.org.PolicyUpdated}})
}

func (s *Server) handleNewForm(c *gin.Context) {
	f := requestForm{Type: c.Query("type")}
	if !slices.Contains(models.RequestTypes, f.Type) {
		f.Type = ""
	}
	if gpc(c) { // the browser already said so: the form starts with it ticked
		f.Scopes = []string{models.ScopeSaleSharing}
	}
	s.render(c, http.StatusOK, "new", view{Title: s.t(c, "new.title"), Form: f, Data: formData(c)})
}

func formData(c *gin.Context) gin.H {
	return gin.H{"GPC": gpc(c), "Types": models.RequestTypes, "Scopes": models.OptOutScopes, "CorrectionFields": models.CorrectionFields}
}

func (s *Server) handleNewSubmit(c *gin.Context) {
	var f requestForm
	if err := c.ShouldBind(&f); err != nil {
		s.render(c, http.StatusBadRequest, "new", view{Title: s.t(c, "new.title"), Form: f, Data: formData(c),
			Error: s.t(c, "form.could_not_read")})
		return
	}
	if f.Type != models.TypeOptOut {
		f.Scopes = nil // the form hides the opt-out choices for other types: a tick left there does not count
	}
	corrections := f.Corrections()
	if f.Type != models.TypeCorrection {
		corrections = nil // likewise the correction rows
	}
	if f.Honeypot != "" {
		c.Redirect(http.StatusSeeOther, links.ReceivedPage(f.Type))
		return
	}
	r, err := s.intake.Submit(c.Request.Context(), workflows.NewRequest{
		Type: f.Type, Email: f.Email, Name: f.Name, Details: f.Details, Scopes: f.Scopes, Region: f.Region, GPC: gpc(c), Channel: "web",
		Lang:        s.visitorLang(c),
		Corrections: corrections,
	})
	if s.refused(c, err, view{Title: s.t(c, "new.title"), Form: f, Data: formData(c)}, s.page(c, "new"),
		models.EInvalid, models.ERateLimited) {
		return
	}
	s.setReceipt(c, receipt{ID: r.ID, Type: r.Type, Email: r.Email, Scopes: r.ScopeList(), GPC: r.GPC})
	c.Redirect(http.StatusSeeOther, links.ReceivedPage(r.Type))
}

func (s *Server) handleReceived(c *gin.Context) {
	t := c.Query("type")
	if !slices.Contains(models.RequestTypes, t) {
		t = models.TypeAccess
	}
	title := s.t(c, "received.title")
	if t == models.TypeOptOut {
		title = s.t(c, "received.opt_out_title")
	}
	rc, ok := readReceipt(c)
	if !ok || rc.Type != t {
		rc = receipt{}
	}
	s.render(c, http.StatusOK, "received", view{Title: title, NoIndex: true, Data: gin.H{"Type": t, "R": rc}})
}

type resendForm struct {
	Email string `form:"email"`
}

func (s *Server) handleResendForm(c *gin.Context) {
	s.render(c, http.StatusOK, "resend", view{Title: s.t(c, "resend.title"), Form: resendForm{}})
}

func (s *Server) handleResendSubmit(c *gin.Context) {
	var f resendForm
	_ = c.ShouldBind(&f)
	err := s.allowResendFor(f.Email)
	if err == nil {
		err = s.intake.Resend(c.Request.Context(), f.Email)
	}
	if s.refused(c, err, view{Title: s.t(c, "resend.title"), Form: f}, s.page(c, "resend"),
		models.EInvalid, models.ERateLimited) {
		return
	}
	s.render(c, http.StatusOK, "resend", view{Title: s.t(c, "resend.title"), Form: resendForm{},
		Flash: s.t(c, "resend.sent")})
}

func (s *Server) handleStatus(c *gin.Context) {
	noStore(c)
	token := c.Query("token")
	gpcNote := s.statusGPC(c, c.Param("id"), token)
	v, err := s.requester.Status(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	flash := ""
	switch {
	case c.Query("confirmed") == "1":
		flash = s.t(c, "status.flash_confirmed")
	case c.Query("cancelled") == "1":
		flash = s.t(c, "status.flash_cancelled")
	case c.Query("linksent") == "1":
		flash = s.t(c, "status.flash_link_sent")
	case c.Query("appealed") == "1":
		flash = s.t(c, "status.flash_appealed")
	}
	s.renderStatus(c, http.StatusOK, v, token, view{Flash: flash, Data: gin.H{"GPC": gpcNote}})
}

// renderStatus shows the status page of v into base (flash, errors, extra data).
func (s *Server) renderStatus(c *gin.Context, status int, v *workflows.StatusView, token string, base view) {
	base.Title, base.NoIndex = s.t(c, "status.title", "ID", v.Request.ID), true
	data, _ := base.Data.(gin.H)
	if data == nil {
		data = gin.H{}
	}
	base.Data = data
	for k, val := range (gin.H{"R": v.Request, "History": v.History, "Token": token, "CanCancel": workflows.CanCancel(v.Request),
		"Download": v.Download, "Appeal": v.Appeal, "CanAppeal": workflows.CanAppeal(v.Request, v.Appeal)}) {
		data[k] = val
	}
	s.render(c, status, "status", base)
}

// handleAppeal files the requester's appeal of a denial, for the holder of
// the status token; a missing or too long reason shows the page again.
func (s *Server) handleAppeal(c *gin.Context) {
	noStore(c)
	token, reason := c.PostForm("token"), c.PostForm("reason")
	_, err := s.requester.FileAppeal(c.Request.Context(), c.Param("id"), token, reason)
	if s.refused(c, err, view{Data: gin.H{"AppealReason": reason}}, func(status int, base view) {
		v, verr := s.requester.Status(c.Request.Context(), c.Param("id"), token)
		if verr != nil {
			s.fail(c, verr)
			return
		}
		s.renderStatus(c, status, v, token, base)
	}, models.EInvalid) {
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(c.Param("id"), token)+"&appealed=1#appeal")
}

// handleCancel cancels only when the form says confirm=yes; the status
// page's button posts without it and gets the confirmation step first.
func (s *Server) handleCancel(c *gin.Context) {
	noStore(c)
	token := c.PostForm("token")
	if c.PostForm("confirm") != "yes" {
		v, err := s.requester.Status(c.Request.Context(), c.Param("id"), token)
		if err != nil {
			s.fail(c, err)
			return
		}
		if !workflows.CanCancel(v.Request) {
			s.fail(c, models.Errorf(models.EConflict, "This request is %s and can no longer be cancelled.", workflows.Label(v.Request.Status)))
			return
		}
		s.render(c, http.StatusOK, "cancel", view{Title: s.t(c, "cancel.title", "ID", v.Request.ID), NoIndex: true,
			Data: gin.H{"R": v.Request, "Token": token, "Back": statusPath(v.Request.ID, token)}})
		return
	}
	r, err := s.requester.Cancel(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(r.ID, token)+"&cancelled=1")
}

// policyParagraphs splits the policy text into headings (each with an id
// for the table of contents), paragraphs and bullets; the text's own title
// is left out, as the page has it already.
func policyParagraphs(text string) []gin.H {
	var out []gin.H
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", i == 0 && strings.EqualFold(line, "Privacy Policy"):
		case strings.HasPrefix(line, "•"):
			out = append(out, gin.H{"Bullet": strings.TrimSpace(strings.TrimPrefix(line, "•"))})
		case len(line) < 60 && !strings.HasSuffix(line, "."):
			out = append(out, gin.H{"Heading": line, "ID": slug(line)})
		default:
			out = append(out, gin.H{"Text": line})
		}
	}
	return out
}

// handleDownload shows the page of an emailed download link, with a
// button that downloads. Opening it (a scanner, a Range probe) uses nothing.
func (s *Server) handleDownload(c *gin.Context) {
	noStore(c)
	token := c.Query("token")
	l, err := s.requester.CheckDownloadLink(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "download", view{Title: s.t(c, "download.title"), NoIndex: true, Data: gin.H{"L": l, "Token": token}})
}

// handleDownloadSubmit sends the whole export for the token in the form's
// body; only a complete download counts as one of the link's uses.
func (s *Server) handleDownloadSubmit(c *gin.Context) {
	noStore(c)
	id := c.Param("id")
	err := s.requester.Download(c.Request.Context(), id, c.PostForm("token"), func(exp *models.Export) error {
		return sendWholeFile(c, exp.Path, s.org.FileSlug()+"-data-"+id+".zip")
	})
	if err != nil && !c.Writer.Written() {
		s.fail(c, err)
	}
}

// handleDownloadLink emails a fresh download link to the confirmed address,
// for the holder of the request's status token.
func (s *Server) handleDownloadLink(c *gin.Context) {
	noStore(c)
	token := c.PostForm("token")
	if err := s.requester.SendDownloadLink(c.Request.Context(), c.Param("id"), token); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, statusPath(c.Param("id"), token)+"&linksent=1")
}

// slug turns a heading into an id: lower-case words joined by hyphens.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}
