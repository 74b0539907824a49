package app

import (
	"context"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/wording"
	"github.com/kactoily/privacydesk/workflows"
)

// Wording is what the wording editor and the pages that show edited
// wording need from workflows.
type Wording interface {
	Wordings(ctx context.Context) (map[string]map[string]models.Wording, error)
	WordingFor(ctx context.Context, kind, lang string) (models.Wording, error)
	SaveWording(ctx context.Context, actor *models.StaffUser, in workflows.WordingInput) error
	ResetWording(ctx context.Context, actor *models.StaffUser, kind, lang string) error
	PreviewWording(ctx context.Context, in workflows.WordingInput) (*workflows.WordingPreview, error)
}

var _ Wording = (*workflows.Service)(nil)

// wordingForm is the editor's form: the texts and which button was pressed.
type wordingForm struct {
	Subject string `form:"subject"`
	Intro   string `form:"intro"`
	Action  string `form:"action"` // preview, save or reset
}

// wordingRoutes adds the wording editor to the admin group; without a
// Wording service its pages answer 404 (the routes stay, so the route
// tests see them).
func (s *Server) wordingRoutes(admin *gin.RouterGroup) {
	admin.GET(links.StaffWording, s.handleWordingList)
	admin.GET(links.StaffWordOne, s.handleWordingEdit)
	admin.POST(links.StaffWordOne, s.handleWordingSubmit)
}

func (s *Server) handleWordingList(c *gin.Context) {
	if s.wording == nil {
		s.notFound(c)
		return
	}
	all, err := s.wording.Wordings(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderStaff(c, http.StatusOK, "staff_wording", view{Title: "Wording", Data: gin.H{
		"Kinds": workflows.WordingKinds, "Langs": workflows.WordingLanguages, "Edited": all}})
}

// wordingKind is the kind and language of the editor's address, or false
// (after answering 404) when either is unknown.
func (s *Server) wordingKind(c *gin.Context) (workflows.WordingKind, string, bool) {
	k, err := workflows.WordingKindOf(c.Param("kind"))
	lang := c.Param("lang")
	if s.wording == nil || err != nil || !slices.Contains(workflows.WordingLanguages, lang) {
		s.notFound(c)
		return k, "", false
	}
	return k, lang, true
}

func (s *Server) handleWordingEdit(c *gin.Context) {
	k, lang, ok := s.wordingKind(c)
	if !ok {
		return
	}
	w, err := s.wording.WordingFor(c.Request.Context(), k.Kind, lang)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showWordingEdit(c, http.StatusOK, k, lang, view{Form: wordingForm{Subject: w.Subject, Intro: w.Intro}}, &w, nil)
}

// showWordingEdit renders the editor of k in lang with base's form and
// errors, the saved wording (for who changed it last) and a preview.
func (s *Server) showWordingEdit(c *gin.Context, status int, k workflows.WordingKind, lang string, base view, saved *models.Wording, pv *workflows.WordingPreview) {
	base.Title = "Wording: " + k.Label
	base.Data = gin.H{"Kind": k, "Lang": lang, "Saved": saved, "Preview": pv,
		"Placeholders": wording.Placeholders, "Action": links.StaffWordingPath(k.Kind, lang)}
	s.renderStaff(c, status, "staff_wording_edit", base)
}

func (s *Server) handleWordingSubmit(c *gin.Context) {
	k, lang, ok := s.wordingKind(c)
	if !ok {
		return
	}
	var f wordingForm
	_ = c.ShouldBind(&f)
	ctx, in := c.Request.Context(), workflows.WordingInput{Kind: k.Kind, Lang: lang, Subject: f.Subject, Intro: f.Intro}
	show := func(status int, v view) { s.showWordingEdit(c, status, k, lang, v, nil, nil) }
	switch f.Action {
	case "preview":
		pv, err := s.wording.PreviewWording(ctx, in)
		if s.refused(c, err, view{Form: f}, show, models.EInvalid) {
			return
		}
		s.showWordingEdit(c, http.StatusOK, k, lang, view{Form: f}, nil, pv)
		return
	case "reset":
		err := s.wording.ResetWording(ctx, staff(c), k.Kind, lang)
		if s.refused(c, err, view{Form: f}, show, models.EInvalid, models.EForbidden) {
			return
		}
		s.flash(c, "The built-in wording is back for "+k.Label+" ("+lang+").")
	default:
		err := s.wording.SaveWording(ctx, staff(c), in)
		if s.refused(c, err, view{Form: f}, show, models.EInvalid, models.EForbidden) {
			return
		}
		s.flash(c, "Wording saved for "+k.Label+" ("+lang+").")
	}
	c.Redirect(http.StatusSeeOther, links.StaffWordingPath(k.Kind, lang))
}
