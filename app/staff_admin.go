package app

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
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

// showStaffAdmin renders the staff page into base (its form, errors),
// with reset, a password to show once, if any.
func (s *Server) showStaffAdmin(c *gin.Context, status int, base view, reset *resetShown) {
	list, err := s.accounts.ListStaff(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	base.Title, base.Data = "Staff", gin.H{"Staff": list, "Reset": reset}
	if base.Form == nil {
		base.Form = staffForm{Role: models.RoleAgent}
	}
	s.renderStaff(c, status, "staff_admin", base)
}

// staffAdminPage is a show for refused: the staff page with its errors.
func (s *Server) staffAdminPage(c *gin.Context) func(int, view) {
	return func(status int, v view) { s.showStaffAdmin(c, status, v, nil) }
}

func (s *Server) handleStaffAdmin(c *gin.Context) {
	s.showStaffAdmin(c, http.StatusOK, view{}, nil)
}

func (s *Server) handleStaffAdd(c *gin.Context) {
	var f staffForm
	_ = c.ShouldBind(&f)
	u, err := s.accounts.AddStaff(c.Request.Context(), workflows.NewStaff{Email: f.Email, Name: f.Name, Role: f.Role, Password: f.Password})
	f.Password = "" // never shown back
	if s.refused(c, err, view{Form: f}, s.staffAdminPage(c)) {
		return
	}
	s.flash(c, fmt.Sprintf("Account created for %s.", u.Email))
	c.Redirect(http.StatusSeeOther, links.StaffAdmin)
}

func (s *Server) handleStaffUpdate(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("sid"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	err = s.accounts.UpdateStaff(c.Request.Context(), staff(c), id, c.PostForm("role"), c.PostForm("disabled") == "on")
	if s.refused(c, err, view{}, s.staffAdminPage(c), models.EInvalid, models.EForbidden) {
		return
	}
	s.flash(c, "Account updated.")
	c.Redirect(http.StatusSeeOther, links.StaffAdmin)
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
	if s.refused(c, err, view{}, s.staffAdminPage(c), models.EForbidden, models.ENotFound) {
		return
	}
	s.showStaffAdmin(c, http.StatusOK, view{}, &resetShown{Name: u.Name, Email: u.Email, Password: password})
}
