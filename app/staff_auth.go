package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// StaffAccounts is what staff sign-in, the session check and the staff
// admin page (staff_admin.go) need.
type StaffAccounts interface {
	Authenticate(ctx context.Context, email, password string) (*models.StaffUser, error)
	StaffMember(ctx context.Context, id int64) (*models.StaffUser, error)
	ListStaff(ctx context.Context) ([]models.StaffUser, error)
	AddStaff(ctx context.Context, in workflows.NewStaff) (*models.StaffUser, error)
	UpdateStaff(ctx context.Context, actor *models.StaffUser, id int64, role string, disabled bool) error
	ResetStaffPassword(ctx context.Context, actor *models.StaffUser, id int64) (string, *models.StaffUser, error)
}

var _ StaffAccounts = (*workflows.Service)(nil)

const (
	sessionStaffKey   = "staff_id"
	sessionVersionKey = "staff_version" // the account's SessionVersion at sign-in
	sessionFlashKey   = "flash"
	ctxStaffKey       = "staff"
)

type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// safeNext keeps a post-sign-in redirect on this site's staff pages.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/staff/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/staff/queue"
}

func (s *Server) handleLoginForm(c *gin.Context) {
	if s.staffFromSession(c) != nil {
		c.Redirect(http.StatusSeeOther, "/staff/queue")
		return
	}
	s.render(c, http.StatusOK, "staff_login", view{Title: "Staff sign-in", NoIndex: true, Form: loginForm{Next: c.Query("next")}})
}

func (s *Server) handleLogin(c *gin.Context) {
	var f loginForm
	_ = c.ShouldBind(&f)
	u, err := s.accounts.Authenticate(c.Request.Context(), f.Email, f.Password)
	if err != nil {
		status := statusFor(err)
		if models.ErrorCode(err) == models.EUnavailable {
			s.log.Warn("sign-in refused: too many at once")
			setRetryAfter(c, err)
		} else if status >= 500 {
			s.fail(c, status, err)
			return
		}
		s.render(c, status, "staff_login", view{Title: "Staff sign-in", NoIndex: true,
			Form: loginForm{Email: f.Email, Next: f.Next}, Error: models.ErrorMessage(err)})
		return
	}
	ctx := c.Request.Context()
	// A new token at sign-in, so a session planted before it is worthless.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.fail(c, http.StatusInternalServerError, err)
		return
	}
	s.sessions.Put(ctx, sessionStaffKey, u.ID)
	s.sessions.Put(ctx, sessionVersionKey, u.SessionVersion)
	s.sessions.Put(ctx, "signed_in_at", time.Now().Unix())
	s.log.Info("staff signed in", "staff_id", u.ID)
	c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

func (s *Server) handleLogout(c *gin.Context) {
	if err := s.sessions.Destroy(c.Request.Context()); err != nil {
		s.fail(c, http.StatusInternalServerError, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/login")
}

// staffFromSession returns the signed-in, still active staff member, or nil.
// A session from before the account was disabled, or its role or password
// changed (an older session version), is ended here: the change deleted
// it, and this catches one a request still in flight wrote back.
func (s *Server) staffFromSession(c *gin.Context) *models.StaffUser {
	ctx := c.Request.Context()
	id := s.sessions.GetInt64(ctx, sessionStaffKey)
	if id == 0 {
		return nil
	}
	u, err := s.accounts.StaffMember(ctx, id)
	if err == nil && u.SessionVersion == s.sessions.GetInt64(ctx, sessionVersionKey) {
		return u
	}
	if models.ErrorCode(err) == models.EUnauthorized || err == nil {
		if derr := s.sessions.Destroy(ctx); derr != nil {
			s.log.Error("end stale staff session", "err", derr)
		}
	}
	return nil
}

// requireStaff lets only signed-in staff through; others go to the sign-in page.
func (s *Server) requireStaff(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	u := s.staffFromSession(c)
	if u == nil {
		if c.Request.Method == http.MethodGet {
			c.Redirect(http.StatusSeeOther, "/staff/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		} else {
			s.fail(c, http.StatusUnauthorized, models.Errorf(models.EUnauthorized, "Your session has ended. Please sign in again."))
		}
		c.Abort()
		return
	}
	c.Set(ctxStaffKey, u)
}

// requireAdmin lets only privacy admins through.
func (s *Server) requireAdmin(c *gin.Context) {
	if !staff(c).IsAdmin() {
		s.fail(c, http.StatusForbidden, models.Errorf(models.EForbidden, "Only a privacy admin can open this page."))
		c.Abort()
	}
}

func staff(c *gin.Context) *models.StaffUser {
	u, _ := c.Get(ctxStaffKey)
	su, _ := u.(*models.StaffUser)
	return su
}

func (s *Server) flash(c *gin.Context, msg string) {
	s.sessions.Put(c.Request.Context(), sessionFlashKey, msg)
}

func (s *Server) popFlash(c *gin.Context) string {
	return s.sessions.PopString(c.Request.Context(), sessionFlashKey)
}
