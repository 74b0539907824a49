package app

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// queueQuery is the queue page's filter form.
type queueQuery struct {
	Status   string `form:"status"`
	Type     string `form:"type"`
	Assignee string `form:"assignee"`
	Due      string `form:"due"`
	Q        string `form:"q"`
	Hidden   bool   `form:"hidden"`
	After    string `form:"after"` // cursor: RFC 3339 time + "~" + id
}

func (q queueQuery) filter(me int64) (models.QueueFilter, error) {
	f := models.QueueFilter{Status: q.Status, Type: q.Type, Assignee: q.Assignee, StaffID: me, Due: q.Due, Search: q.Q, Hidden: q.Hidden}
	allStatuses := []string{models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress,
		models.StatusAwaitingApproval, models.StatusFulfilling, models.StatusCompleted, models.StatusDenied,
		models.StatusCancelled, models.StatusExpired}
	switch {
	case q.Status != "" && !slices.Contains(allStatuses, q.Status),
		q.Type != "" && !slices.Contains(models.RequestTypes, q.Type),
		q.Assignee != "" && q.Assignee != "me" && q.Assignee != "unassigned",
		q.Due != "" && q.Due != "soon" && q.Due != "overdue",
		len(q.Q) > 320:
		return f, models.Errorf(models.EInvalid, "That filter is not one the queue knows.")
	}
	if q.After != "" {
		at, id, ok := cutLast(q.After, "~")
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil || id == "" {
			return f, models.Errorf(models.EInvalid, "That page link is not valid.")
		}
		f.After = &models.Cursor{At: t, ID: id}
	}
	return f, nil
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

func (s *Server) handleQueue(c *gin.Context) {
	var q queueQuery
	_ = c.ShouldBindQuery(&q)
	me := staff(c)
	f, err := q.filter(me.ID)
	if err != nil {
		s.fail(c, http.StatusBadRequest, err)
		return
	}
	rows, next, counts, err := s.svc.Queue(c.Request.Context(), f)
	if err != nil {
		s.fail(c, 0, err)
		return
	}
	nextURL := ""
	if next != nil {
		v := c.Request.URL.Query()
		v.Set("after", next.At.UTC().Format(time.RFC3339Nano)+"~"+next.ID)
		nextURL = "/staff/queue?" + v.Encode()
	}
	s.renderStaff(c, http.StatusOK, "staff_queue", view{Title: "Queue", Form: q, Data: gin.H{
		"Rows": rows, "Next": nextURL, "Counts": counts, "Now": s.now(), "FirstPage": q.After == "",
		"Statuses": []string{models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval,
			models.StatusFulfilling, models.StatusCompleted, models.StatusDenied, models.StatusCancelled,
			models.StatusPendingVerification, models.StatusExpired},
		"Types": models.RequestTypes,
	}})
}

// renderStaff renders a staff page with the signed-in member and any flash.
func (s *Server) renderStaff(c *gin.Context, status int, page string, v view) {
	v.Staff = staff(c)
	v.NoIndex = true
	if v.Flash == "" {
		v.Flash = s.popFlash(c)
	}
	s.render(c, status, page, v)
}

// daysLeft is whole days until due (negative when overdue), for the badges.
func daysLeft(due *time.Time, now time.Time) int {
	if due == nil {
		return 0
	}
	d := due.Sub(now)
	days := int(d.Hours() / 24)
	if d < 0 {
		days--
	}
	return days
}

// dueClass is the colour of a days-left badge: green ≥ 10, amber < 10, red < 5, overdue.
func dueClass(days int) string {
	switch {
	case days < 0:
		return "overdue"
	case days < 5:
		return "red"
	case days < 10:
		return "amber"
	}
	return "green"
}

// maskEmail shows enough of an address to recognise it, not to read it.
func maskEmail(e string) string {
	at := -1
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == '@' {
			at = i
			break
		}
	}
	if at <= 0 {
		return "•••"
	}
	return e[:1] + "•••" + e[at:]
}

func queueLink(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			v.Set(params[i], params[i+1])
		}
	}
	return "/staff/queue?" + v.Encode()
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
