package app

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

func requestPath(id string) string { return "/staff/requests/" + url.PathEscape(id) }

func (s *Server) handleStaffRequest(c *gin.Context) {
	d, err := s.svc.RequestDetail(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	s.renderStaffRequest(c, http.StatusOK, d, "", nil)
}

func (s *Server) renderStaffRequest(c *gin.Context, status int, d *workflows.Detail, errMsg string, fields map[string]string) {
	r := d.Request
	var plan []workflows.Plan
	var results []workflows.Result
	var err error
	if r.Type == models.TypeDeletion && r.Status == models.StatusAwaitingApproval {
		if plan, err = s.svc.ErasurePlan(c.Request.Context(), r.ID); err != nil {
			s.fail(c, 0, err)
			return
		}
	}
	if r.Type == models.TypeDeletion {
		if results, err = s.svc.ErasureResults(c.Request.Context(), r.ID); err != nil {
			s.fail(c, 0, err)
			return
		}
	}
	s.renderStaff(c, status, "staff_request", view{Title: "Request " + r.ID, Error: errMsg, Fields: fields, Data: gin.H{
		"D": d, "R": r, "Now": s.now(), "Plan": plan, "Results": results, "DenialReasons": workflows.DenialReasons, "MaxExtension": workflows.MaxExtensionFor(r), "Regime": workflows.RegimeFor(r),
		"CanApprove": r.Status == models.StatusAwaitingApproval && (r.Type != models.TypeDeletion || staff(c).IsAdmin()),
		"CanDeny":    workflows.CanTransition(r.Status, models.StatusDenied),
		"CanCancel":  workflows.CanTransition(r.Status, models.StatusCancelled),
		"CanStart":   workflows.CanTransition(r.Status, models.StatusInProgress) && r.Status == models.StatusVerified,
		"CanReview":  r.Status == models.StatusInProgress,
		"CanExtend":  r.Open() && r.DueAt != nil && r.ExtendedAt == nil,
	}})
}

// act runs a staff action and answers with a redirect back to the request
// and a flash, or re-renders the page with the error.
func (s *Server) act(c *gin.Context, done string, f func() error) {
	if err := f(); err != nil {
		code := models.ErrorCode(err)
		if code == models.EInternal || code == models.ENotFound || code == models.EForbidden {
			s.fail(c, 0, err)
			return
		}
		d, derr := s.svc.RequestDetail(c.Request.Context(), c.Param("id"))
		if derr != nil {
			s.fail(c, 0, derr)
			return
		}
		s.renderStaffRequest(c, statusFor(err), d, models.ErrorMessage(err), models.ErrorFields(err))
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
			s.fail(c, http.StatusUnprocessableEntity, models.Errorf(models.EInvalid, "Choose a staff member."))
			return
		}
		to = id
	}
	s.act(c, "Assignment saved.", func() error {
		_, err := s.svc.Assign(c.Request.Context(), me, c.Param("id"), to)
		return err
	})
}

func (s *Server) handleRetryCollection(c *gin.Context) {
	s.act(c, "Collection queued again.", func() error {
		return s.svc.RetryCollection(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("source"))
	})
}

func (s *Server) handleNote(c *gin.Context) {
	s.act(c, "Note added.", func() error {
		return s.svc.AddNote(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("note"))
	})
}

func (s *Server) handleAdvance(c *gin.Context) {
	s.act(c, "Status updated.", func() error {
		_, err := s.svc.Advance(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("to"))
		return err
	})
}

func (s *Server) handleApprove(c *gin.Context) {
	s.act(c, "Approved.", func() error {
		_, err := s.svc.Approve(c.Request.Context(), staff(c), c.Param("id"))
		return err
	})
}

func (s *Server) handleDeny(c *gin.Context) {
	reason := strings.TrimSpace(c.PostForm("reason"))
	if reason == "" {
		reason = c.PostForm("reason_choice")
	}
	s.act(c, "Request denied; the requester has been emailed the reason.", func() error {
		_, err := s.svc.Deny(c.Request.Context(), staff(c), c.Param("id"), reason)
		return err
	})
}

func (s *Server) handleExtend(c *gin.Context) {
	days, err := strconv.Atoi(strings.TrimSpace(c.PostForm("days")))
	if err != nil {
		days = 0 // refused with a field message below
	}
	s.act(c, "Deadline extended; the requester has been emailed.", func() error {
		_, err := s.svc.Extend(c.Request.Context(), staff(c), c.Param("id"), days, c.PostForm("reason"))
		return err
	})
}

func (s *Server) handleStaffCancel(c *gin.Context) {
	s.act(c, "Request cancelled.", func() error {
		_, err := s.svc.StaffCancel(c.Request.Context(), staff(c), c.Param("id"), c.PostForm("reason"))
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
	r, err := s.svc.FileOnBehalf(c.Request.Context(), staff(c), workflows.NewRequest{
		Type: f.Type, Email: f.Email, Name: f.Name, Details: f.Details, Scopes: f.Scopes, Region: f.Region}, f.Confirmed)
	if err != nil {
		if code := models.ErrorCode(err); code == models.EInternal {
			s.fail(c, 0, err)
			return
		}
		setRetryAfter(c, err)
		s.renderStaff(c, statusFor(err), "staff_new", view{Title: "File a request for a customer", Form: f,
			Error: models.ErrorMessage(err), Fields: models.ErrorFields(err), Data: gin.H{"Scopes": models.OptOutScopes}})
		return
	}
	s.flash(c, "Request filed.")
	c.Redirect(http.StatusSeeOther, requestPath(r.ID))
}
