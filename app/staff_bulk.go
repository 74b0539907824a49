package app

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// bulkForm is the queue's bulk-action form: the queue's filter (posted
// again, so the server applies it once more), the ticked rows or "all",
// and the action with what it needs.
type bulkForm struct {
	queueQuery
	IDs     []string `form:"id"`
	All     bool     `form:"all"`
	Action  string   `form:"action"`
	To      string   `form:"to"` // assign: a staff id, or "me"
	Note    string   `form:"note"`
	Reason  string   `form:"reason"`
	Choice  string   `form:"reason_choice"`
	Confirm string   `form:"confirm"` // "yes": a denial confirmed
}

// action is the form as the service takes it.
func (f bulkForm) action(me *models.StaffUser) (workflows.BulkAction, error) {
	a := workflows.BulkAction{Action: f.Action, Note: f.Note}
	switch f.To {
	case "me":
		a.Assignee = me.ID
	default:
		a.Assignee, _ = strconv.ParseInt(f.To, 10, 64) // 0 is refused by the service
	}
	var err error
	if f.Action == workflows.BulkDeny {
		a.Reason, err = actionForm{Reason: f.Reason, Choice: f.Choice}.denyReason()
	}
	return a, err
}

// handleBulk runs one action on the selected requests of the filtered
// queue and shows what it did and skipped. A denial is first shown for
// confirmation, with the very requests it will deny.
func (s *Server) handleBulk(c *gin.Context) {
	var f bulkForm
	var tooBig *http.MaxBytesError
	if err := c.ShouldBind(&f); errors.As(err, &tooBig) { // read in part, the form would be refused for what it lost
		s.fail(c, models.Errorf(models.EBadRequest, "This form is too large to read: a bulk action takes at most %d requests.", workflows.MaxBulk))
		return
	}
	me := staff(c)
	filter, _, err := f.filter(me.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	sel := workflows.BulkSelection{Filter: filter, IDs: f.IDs, All: f.All}
	a, err := f.action(me)
	show := s.staffPage(c, "staff_bulk")
	base := view{Title: "Bulk action", Form: f, Data: gin.H{"Back": f.link()}}
	if err == nil && f.Action == workflows.BulkDeny && f.Confirm != "yes" {
		var in, outside []string
		if err = s.casework.BulkCheck(ctx, a); err == nil {
			in, outside, err = s.casework.BulkSelect(ctx, sel)
		}
		if !s.refused(c, err, base, show, models.EInvalid) {
			base.Title = "Deny " + strconv.Itoa(len(in)) + " requests?"
			base.Data = gin.H{"Back": f.link(), "Confirm": true, "IDs": in, "Outside": outside, "Reason": a.Reason}
			s.renderStaff(c, http.StatusOK, "staff_bulk", base)
		}
		return
	}
	var res *workflows.BulkResult
	if err == nil {
		res, err = s.casework.Bulk(ctx, me, sel, a)
	}
	if s.refused(c, err, base, show, models.EInvalid) {
		return
	}
	base.Data = gin.H{"Back": f.link(), "Result": res}
	s.renderStaff(c, http.StatusOK, "staff_bulk", base)
}

// link is the queue as the form filtered it.
func (q queueQuery) link() string {
	return queueLink("status", q.Status, "type", q.Type, "channel", q.Channel, "assignee", q.Assignee, "due", q.Due, "q", q.Q,
		"hidden", map[bool]string{true: "true"}[q.Hidden], "appeal", q.Appeal, "sort", q.Sort)
}
