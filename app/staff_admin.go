package app

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

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
	list, lerr := s.svc.ListStaff(c.Request.Context())
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
	u, err := s.svc.AddStaff(c.Request.Context(), workflows.NewStaff{Email: f.Email, Name: f.Name, Role: f.Role, Password: f.Password})
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
	err = s.svc.UpdateStaff(c.Request.Context(), staff(c), id, c.PostForm("role"), c.PostForm("disabled") == "on")
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
	password, u, err := s.svc.ResetStaffPassword(c.Request.Context(), staff(c), id)
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

// reportPeriod reads from/to (YYYY-MM-DD, to inclusive); default: the last 12 months.
func reportPeriod(c *gin.Context, now time.Time) (from, to time.Time, err error) {
	now = now.UTC()
	to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	from = to.AddDate(-1, 0, 0)
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, models.Errorf(models.EInvalid, "Give the start date as YYYY-MM-DD.")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, models.Errorf(models.EInvalid, "Give the end date as YYYY-MM-DD.")
		}
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

func (s *Server) handleReport(c *gin.Context) {
	from, to, err := reportPeriod(c, s.now())
	if err != nil {
		s.fail(c, http.StatusBadRequest, err)
		return
	}
	rep, err := s.svc.ComplianceReport(c.Request.Context(), from, to)
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	max := 1
	for _, n := range rep.ByStatus {
		max = maxInt(max, n)
	}
	s.renderStaff(c, http.StatusOK, "staff_report", view{Title: "Compliance report", Data: gin.H{
		"Rep": rep, "From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly), "Max": max,
		"Statuses": []string{models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress,
			models.StatusAwaitingApproval, models.StatusFulfilling, models.StatusCompleted, models.StatusDenied,
			models.StatusCancelled, models.StatusExpired},
	}})
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func (s *Server) handleReportCSV(c *gin.Context) {
	from, to, err := reportPeriod(c, s.now())
	if err != nil {
		s.fail(c, http.StatusBadRequest, err)
		return
	}
	rep, err := s.svc.ComplianceReport(c.Request.Context(), from, to)
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	name := fmt.Sprintf("privacy-requests-%s-to-%s.csv", from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"request_type", "received", "completed_in_whole_or_part", "denied", "open", "median_days_to_respond", "mean_days_to_respond"})
	for _, l := range rep.Lines {
		_ = w.Write([]string{l.Type, strconv.Itoa(l.Received), strconv.Itoa(l.Completed), strconv.Itoa(l.Denied),
			strconv.Itoa(l.Open), strconv.FormatFloat(l.MedianDays, 'f', 1, 64), strconv.FormatFloat(l.MeanDays, 'f', 1, 64)})
	}
	w.Flush()
}
