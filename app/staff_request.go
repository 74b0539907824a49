package app

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// Casework is what the staff queue (staff_queue.go) and the request page
// with its actions need.
type Casework interface {
	Queue(ctx context.Context, f models.QueueFilter) (*workflows.QueuePage, error)
	RequestDetail(ctx context.Context, id string) (*workflows.Detail, error)
	Assign(ctx context.Context, actor *models.StaffUser, id string, staffID int64) (*models.Request, error)
	AddNote(ctx context.Context, actor *models.StaffUser, id, body string) error
	Advance(ctx context.Context, actor *models.StaffUser, id, to string) (*models.Request, error)
	Approve(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error)
	Deny(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error)
	Extend(ctx context.Context, actor *models.StaffUser, id string, days int, reason string) (*models.Request, error)
	StaffCancel(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error)
	DecideAppeal(ctx context.Context, actor *models.StaffUser, id, decision, answer string) (*models.Appeal, error)
	FileOnBehalf(ctx context.Context, actor *models.StaffUser, in workflows.NewRequest, confirmedReason string) (*models.Request, error)
	RetryCollection(ctx context.Context, actor *models.StaffUser, id, source string) error
	ErasurePlan(ctx context.Context, id string) ([]store.Plan, error)
	RetryErasure(ctx context.Context, actor *models.StaffUser, id, source string) error
	Corrections(ctx context.Context, r *models.Request) ([]workflows.CorrectionView, error)
	DecideCorrection(ctx context.Context, actor *models.StaffUser, id, field, decision, reason string) error
	Escalate(ctx context.Context, actor *models.StaffUser, id string, adminID int64, note string) (*models.Request, error)
	UnlockVerification(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error)
	ExportQueue(ctx context.Context, f models.QueueFilter, w io.Writer) error
	BulkSelect(ctx context.Context, sel workflows.BulkSelection) (in, outside []string, err error)
	BulkCheck(ctx context.Context, a workflows.BulkAction) error
	Bulk(ctx context.Context, actor *models.StaffUser, sel workflows.BulkSelection, a workflows.BulkAction) (*workflows.BulkResult, error)
}

var _ Casework = (*workflows.Service)(nil)

func requestPath(id string) string { return links.StaffRequestPage(id) }

// actionForm is what staff typed into one of the request page's forms. A
// refused action shows the page again with it, so nothing typed is lost.
type actionForm struct {
	Action string // the form: deny, extend, cancel, note, escalate, assign
	Reason string `form:"reason"`
	Choice string `form:"reason_choice"`
	Days   string `form:"days"`
	Note   string `form:"note"`
	Admin  string `form:"admin"`

	Decision string `form:"decision"` // appeal: uphold or overturn
	Answer   string `form:"answer"`   // appeal: the written answer
}

// denyReason is the reason a denial gives: the canned one picked or the
// one written. Both at once (and different) is refused, not silently
// resolved, because the agent meant one of them.
func (f actionForm) denyReason() (string, error) {
	typed, choice := strings.TrimSpace(f.Reason), strings.TrimSpace(f.Choice)
	switch {
	case typed != "" && choice != "" && typed != choice:
		msg := "Pick one of the reasons or write your own, not both."
		return "", &models.Error{Code: models.EInvalid, Message: msg, Fields: map[string]string{"reason": msg}}
	case typed != "":
		return typed, nil
	}
	return choice, nil
}

func (s *Server) handleStaffRequest(c *gin.Context) {
	d, err := s.casework.RequestDetail(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderStaffRequest(c, http.StatusOK, d, view{Form: actionForm{Days: "30"}})
}

// handleActionGet answers a GET on an action's address (a reload of a
// refused form, a bookmarked or retyped address) with the request's page.
func (s *Server) handleActionGet(c *gin.Context) {
	// Unlocking is left out: its address has never been a page.
	if act := c.Param("action"); act == links.ActUnlock || !slices.Contains(links.StaffActs(), act) {
		s.notFound(c)
		return
	}
	c.Redirect(http.StatusSeeOther, requestPath(c.Param("id")))
}

// renderStaffRequest shows the request page into v (its form, errors),
// offering the actions workflows.ActionsFor allows.
func (s *Server) renderStaffRequest(c *gin.Context, status int, d *workflows.Detail, v view) {
	r := d.Request
	var plan []store.Plan
	if r.Type == models.TypeDeletion && r.Status == models.StatusAwaitingApproval {
		var perr error
		if plan, perr = s.casework.ErasurePlan(c.Request.Context(), r.ID); perr != nil {
			s.fail(c, perr)
			return
		}
	}
	var corrections []workflows.CorrectionView
	undecided := 0
	if r.Type == models.TypeCorrection {
		var cerr error
		if corrections, cerr = s.casework.Corrections(c.Request.Context(), r); cerr != nil {
			s.fail(c, cerr)
			return
		}
		for _, cv := range corrections {
			undecided += boolInt(cv.Decision == "")
		}
	}
	f, _ := v.Form.(actionForm)
	if f.Days == "" {
		f.Days = "30"
	}
	v.Title, v.Form = "Request "+r.ID, f
	me := staff(c)
	acts := workflows.ActionsFor(workflows.Case{Request: r, Appeal: d.Appeal, Undecided: undecided}, me, s.now())
	v.Data = gin.H{
		"D": d, "R": r, "Now": s.now(), "Plan": plan, "DenialReasons": workflows.DenialReasons, "MaxExtension": workflows.MaxExtensionFor(r), "Regime": workflows.RegimeFor(r),
		"NoDataReason": workflows.DenialReasons[1], "Corrections": corrections, "Acts": acts,
		// Handing over is offered where it helps: an agent's deletion, which only an admin approves.
		"CanEscalate": acts.Escalate && r.Type == models.TypeDeletion && !me.IsAdmin() && len(d.Admins()) > 0,
	}
	s.renderStaff(c, status, "staff_request", v)
}

// act runs a staff action and answers with a redirect back to the request
// and a flash, or shows the page again with the error next to the form
// and what was typed in it (422 or 409, so a script sees the refusal).
func (s *Server) act(c *gin.Context, action, done string, f func(form actionForm) error) {
	var form actionForm
	_ = c.ShouldBind(&form)
	form.Action = action
	err := f(form)
	if s.refused(c, err, view{Form: form}, func(status int, v view) {
		d, derr := s.casework.RequestDetail(c.Request.Context(), c.Param("id"))
		if derr != nil {
			s.fail(c, derr)
			return
		}
		s.renderStaffRequest(c, status, d, v)
	}, models.EInvalid, models.EConflict) {
		return
	}
	s.flash(c, done)
	c.Redirect(http.StatusSeeOther, requestPath(c.Param("id")))
}

func (s *Server) handleAssign(c *gin.Context) {
	me := staff(c)
	var to int64
	switch v := c.PostForm("assignee"); v {
	case "me":
		to = me.ID
	case "", "none":
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(c, models.Errorf(models.EInvalid, "Choose a staff member."))
			return
		}
		to = id
	}
	s.act(c, "assign", "Assignment saved.", func(actionForm) error {
		_, err := s.casework.Assign(c.Request.Context(), me, c.Param("id"), to)
		return err
	})
}

func (s *Server) handleEscalate(c *gin.Context) {
	s.act(c, "escalate", "Sent to the admin; they have been emailed.", func(f actionForm) error {
		id, err := strconv.ParseInt(f.Admin, 10, 64)
		if err != nil {
			id = 0 // refused with a field message by the service
		}
		_, err = s.casework.Escalate(c.Request.Context(), staff(c), c.Param("id"), id, f.Note)
		return err
	})
}

func (s *Server) handleRetryCollection(c *gin.Context) {
	s.act(c, "retry", "Collection queued again.", func(actionForm) error {
		return s.casework.RetryCollection(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("source"))
	})
}

func (s *Server) handleRetryErasure(c *gin.Context) {
	s.act(c, "retry-erasure", "Erasure is running again.", func(actionForm) error {
		return s.casework.RetryErasure(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("source"))
	})
}

// handleUnlockVerification lets an admin reopen a request locked by wrong
// answers on its verification page; the requester gets a new link.
func (s *Server) handleUnlockVerification(c *gin.Context) {
	s.act(c, "unlock", "Verification unlocked; a new confirmation link is on its way to the requester.", func(actionForm) error {
		_, err := s.casework.UnlockVerification(c.Request.Context(), staff(c), c.Param("id"))
		return err
	})
}

func (s *Server) handleNote(c *gin.Context) {
	s.act(c, "note", "Note added.", func(f actionForm) error {
		return s.casework.AddNote(c.Request.Context(), staff(c), c.Param("id"), f.Note)
	})
}

func (s *Server) handleAdvance(c *gin.Context) {
	s.act(c, "advance", "Status updated.", func(actionForm) error {
		_, err := s.casework.Advance(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("to"))
		return err
	})
}

func (s *Server) handleApprove(c *gin.Context) {
	s.act(c, "approve", "Approved.", func(actionForm) error {
		_, err := s.casework.Approve(c.Request.Context(), staff(c), c.Param("id"))
		return err
	})
}

func (s *Server) handleDeny(c *gin.Context) {
	s.act(c, "deny", "Request denied; the requester has been emailed the reason.", func(f actionForm) error {
		reason, err := f.denyReason()
		if err != nil {
			return err
		}
		_, err = s.casework.Deny(c.Request.Context(), staff(c), c.Param("id"), reason)
		return err
	})
}

func (s *Server) handleExtend(c *gin.Context) {
	s.act(c, "extend", "Deadline extended; the requester has been emailed.", func(f actionForm) error {
		days, err := strconv.Atoi(strings.TrimSpace(f.Days))
		if err != nil {
			days = 0 // refused with a field message by the service
		}
		_, err = s.casework.Extend(c.Request.Context(), staff(c), c.Param("id"), days, f.Reason)
		return err
	})
}

// handleDecideAppeal decides the request's appeal with a written answer.
func (s *Server) handleDecideAppeal(c *gin.Context) {
	s.act(c, "appeal", "Appeal decided; the requester has been emailed the answer.", func(f actionForm) error {
		_, err := s.casework.DecideAppeal(c.Request.Context(), staff(c), c.Param("id"), f.Decision, f.Answer)
		return err
	})
}

func (s *Server) handleStaffCancel(c *gin.Context) {
	s.act(c, "cancel", "Request cancelled.", func(f actionForm) error {
		_, err := s.casework.StaffCancel(c.Request.Context(), staff(c), c.Param("id"), f.Reason)
		return err
	})
}

type onBehalfForm struct {
	requestForm
	Confirmed string `form:"identity_confirmed"`
}

func (s *Server) handleOnBehalfForm(c *gin.Context) {
	s.renderStaff(c, http.StatusOK, "staff_new", view{Title: "File a request for a customer", Form: onBehalfForm{},
		Data: gin.H{"Scopes": models.OptOutScopes}})
}

func (s *Server) handleOnBehalf(c *gin.Context) {
	var f onBehalfForm
	_ = c.ShouldBind(&f)
	r, err := s.casework.FileOnBehalf(c.Request.Context(), staff(c), workflows.NewRequest{
		Type: f.Type, Email: f.Email, Name: f.Name, Details: f.Details, Scopes: f.Scopes, Region: f.Region}, f.Confirmed)
	if s.refused(c, err, view{Title: "File a request for a customer", Form: f, Data: gin.H{"Scopes": models.OptOutScopes}},
		s.staffPage(c, "staff_new")) {
		return
	}
	s.flash(c, "Request filed.")
	c.Redirect(http.StatusSeeOther, requestPath(r.ID))
}

// handleDecideCorrection accepts or rejects one field of a correction request.
func (s *Server) handleDecideCorrection(c *gin.Context) {
	s.act(c, "correction", "Decision saved.", func(f actionForm) error {
		return s.casework.DecideCorrection(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("field"), c.PostForm("decision"), f.Reason)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
