package app

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// queuePageSize is how many requests a queue page shows.
const queuePageSize = 50

// queueQuery is the queue page's filter form.
type queueQuery struct {
	Status   string `form:"status"`
	Type     string `form:"type"`
	Channel  string `form:"channel"`
	Assignee string `form:"assignee"`
	Due      string `form:"due"`
	Q        string `form:"q"`
	Hidden   bool   `form:"hidden"`
	Appeal   string `form:"appeal"` // "open": only requests with an open appeal
	Sort     string `form:"sort"`
	After    string `form:"after"`  // cursor: RFC 3339 time + "~" + id
	Before   string `form:"before"` // the same, for the previous page
	From     string `form:"n"`      // how many rows come before this page (for "51–100 of 120")
}

// Filtered reports whether anything narrows the queue from its default.
func (q queueQuery) Filtered() bool {
	return q.Status != "" || q.Type != "" || q.Channel != "" || q.Assignee != "" || q.Due != "" || q.Q != "" || q.Hidden || q.Appeal != ""
}

func (q queueQuery) filter(me int64) (models.QueueFilter, int, error) {
	f := models.QueueFilter{Status: q.Status, Type: q.Type, Channel: q.Channel, Assignee: q.Assignee, StaffID: me, Due: q.Due, Search: q.Q,
		Hidden: q.Hidden, Sort: q.Sort, Limit: queuePageSize, Appeal: q.Appeal == "open"}
	allStatuses := []string{models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress,
		models.StatusAwaitingApproval, models.StatusFulfilling, models.StatusCompleted, models.StatusDenied,
		models.StatusCancelled, models.StatusExpired}
	from, ferr := strconv.Atoi(q.From)
	switch {
	case q.Status != "" && !slices.Contains(allStatuses, q.Status),
		q.Type != "" && !slices.Contains(models.AllRequestTypes, q.Type),
		q.Channel != "" && !slices.Contains(models.Channels, q.Channel),
		q.Assignee != "" && q.Assignee != "me" && q.Assignee != "unassigned",
		q.Due != "" && q.Due != "soon" && q.Due != "overdue",
		q.Appeal != "" && q.Appeal != "open",
		q.Sort != "" && !slices.Contains(models.QueueSorts, q.Sort),
		len(q.Q) > 320:
		return f, 0, models.Errorf(models.EBadRequest, "That filter is not one the queue knows.")
	case q.From != "" && (ferr != nil || from < 0 || from > 100_000_000):
		return f, 0, models.Errorf(models.EBadRequest, "That page link is not valid.")
	}
	var err error
	if f.After, err = parseCursor(q.After); err == nil {
		f.Before, err = parseCursor(q.Before)
	}
	return f, from, err
}

// parseCursor reads a page link's cursor; "" is none.
func parseCursor(v string) (*models.Cursor, error) {
	if v == "" {
		return nil, nil
	}
	at, id, ok := cutLast(v, "~")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil, models.Errorf(models.EBadRequest, "That page link is not valid.")
	}
	return &models.Cursor{At: t, ID: id}, nil
}

func formatCursor(c *models.Cursor) string { return c.At.UTC().Format(time.RFC3339Nano) + "~" + c.ID }

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// pageLink is the queue's address with its filters and sort, at a cursor.
func pageLink(base url.Values, key string, c *models.Cursor, from int) string {
	v := url.Values{}
	for k, vs := range base {
		if k != "after" && k != "before" && k != "n" {
			v[k] = vs
		}
	}
	if c != nil {
		v.Set(key, formatCursor(c))
		if from > 0 {
			v.Set("n", strconv.Itoa(from))
		}
	}
	return links.QueuePage(v)
}

func (s *Server) handleQueue(c *gin.Context) {
	var q queueQuery
	_ = c.ShouldBindQuery(&q)
	me := staff(c)
	f, from, err := q.filter(me.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.casework.Queue(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Prev == nil {
		from = 0 // the first page, however it was reached
	}
	base := c.Request.URL.Query()
	links := gin.H{"First": "", "Prev": "", "Next": ""}
	if p.Prev != nil {
		links["First"] = pageLink(base, "", nil, 0)
		links["Prev"] = pageLink(base, "before", p.Prev, from-queuePageSize)
		if from <= queuePageSize {
			links["Prev"] = links["First"]
		}
	}
	if p.Next != nil {
		links["Next"] = pageLink(base, "after", p.Next, from+len(p.Rows))
	}
	sortBy := q.Sort
	if sortBy == "" {
		sortBy = "due"
	}
	team, err := s.accounts.ListStaff(c.Request.Context()) // whom a bulk action can assign to
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderStaff(c, http.StatusOK, "staff_queue", view{Title: "Queue", Form: q, Data: gin.H{
		"Rows": p.Rows, "Links": links, "OpenAppeals": p.OpenAppeals, "Appealed": p.Appealed, "Counts": p.Counts, "Now": s.now(), "Sort": sortBy,
		"From": from + 1, "To": from + len(p.Rows), "Total": p.Total, "Capped": p.TotalCapped,
		"Statuses": []string{models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval,
			models.StatusFulfilling, models.StatusCompleted, models.StatusDenied, models.StatusCancelled,
			models.StatusPendingVerification, models.StatusExpired},
		"Types": models.AllRequestTypes, "Channels": models.Channels,
		"Staff": team, "DenialReasons": workflows.DenialReasons, "MaxBulk": workflows.MaxBulk, "CSV": csvLink(base),
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
	return links.QueuePage(v)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// sortLink is the queue, as filtered, sorted by a column: by it oldest
// first, or newest first when it is sorted oldest first already.
func sortLink(q queueQuery, column, current string) string {
	to := column
	if current == column {
		to = "-" + column
	}
	return queueLink("status", q.Status, "type", q.Type, "channel", q.Channel, "assignee", q.Assignee, "due", q.Due, "q", q.Q,
		"hidden", map[bool]string{true: "true"}[q.Hidden], "appeal", q.Appeal, "sort", to)
}

// ariaSort is a column header's aria-sort for the current sort.
func ariaSort(column, current string) string {
	switch current {
	case column:
		return "ascending"
	case "-" + column:
		return "descending"
	}
	return "none"
}
