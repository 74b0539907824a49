package app

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

type staffForm struct {
	Email    string `form:"email"`
	Name     string `form:"name"`
	Role     string `form:"role"`
	Password string `form:"password"`
}

// resetShown is a new password shown once to the admin who reset it.
type resetShown struct {
	Name, Email, Password string
}

func (s *Server) renderStaffAdmin(c *gin.Context, status int, f staffForm, err error) {
	s.renderStaffAdminWith(c, status, f, err, nil)
}

func (s *Server) renderStaffAdminWith(c *gin.Context, status int, f staffForm, err error, reset *resetShown) {
	list, lerr := s.accounts.ListStaff(c.Request.Context())
	if lerr != nil {
		s.fail(c, 0, lerr)
		return
	}
	v := view{Title: "Staff", Form: f, Data: gin.H{"Staff": list, "Reset": reset}}
	if err != nil {
		v.Error, v.Fields = models.ErrorMessage(err), models.ErrorFields(err)
	}
	s.renderStaff(c, status, "staff_admin", v)
}

func (s *Server) handleStaffAdmin(c *gin.Context) {
	s.renderStaffAdmin(c, http.StatusOK, staffForm{Role: models.RoleAgent}, nil)
}

func (s *Server) handleStaffAdd(c *gin.Context) {
	var f staffForm
	_ = c.ShouldBind(&f)
	u, err := s.accounts.AddStaff(c.Request.Context(), workflows.NewStaff{Email: f.Email, Name: f.Name, Role: f.Role, Password: f.Password})
	if err != nil {
		if models.ErrorCode(err) == models.EInternal {
			s.fail(c, 0, err)
			return
		}
		f.Password = ""
		s.renderStaffAdmin(c, statusFor(err), f, err)
		return
	}
	s.flash(c, fmt.Sprintf("Account created for %s.", u.Email))
	c.Redirect(http.StatusSeeOther, "/staff/admin/staff")
}

func (s *Server) handleStaffUpdate(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("sid"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	err = s.accounts.UpdateStaff(c.Request.Context(), staff(c), id, c.PostForm("role"), c.PostForm("disabled") == "on")
	if err != nil {
		if code := models.ErrorCode(err); code == models.EInvalid || code == models.EForbidden {
			s.renderStaffAdmin(c, statusFor(err), staffForm{Role: models.RoleAgent}, err)
			return
		}
		s.fail(c, 0, err)
		return
	}
	s.flash(c, "Account updated.")
	c.Redirect(http.StatusSeeOther, "/staff/admin/staff")
}

// handleStaffPasswordReset sets a generated password and shows it in this
// answer only: never in a redirect's flash, which the session (a database
// row) would hold.
func (s *Server) handleStaffPasswordReset(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("sid"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	password, u, err := s.accounts.ResetStaffPassword(c.Request.Context(), staff(c), id)
	if err != nil {
		if code := models.ErrorCode(err); code == models.EForbidden || code == models.ENotFound {
			s.renderStaffAdmin(c, statusFor(err), staffForm{Role: models.RoleAgent}, err)
			return
		}
		s.fail(c, 0, err)
		return
	}
	s.renderStaffAdminWith(c, http.StatusOK, staffForm{Role: models.RoleAgent}, nil,
		&resetShown{Name: u.Name, Email: u.Email, Password: password})
}
