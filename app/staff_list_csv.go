package app

import (
	"io"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
)

// csvLink is the CSV list of the queue as filtered by its page's query
// (its page cursor left out: the list holds every page).
func csvLink(q url.Values) string {
	v := url.Values{}
	for k, vs := range q {
		if k != "after" && k != "before" && k != "n" {
			v[k] = vs
		}
	}
	return links.QueueCSVPage(v)
}

// handleQueueCSV answers the filtered queue, every page of it, as a CSV
// list of requests.
func (s *Server) handleQueueCSV(c *gin.Context) {
	var q queueQuery
	_ = c.ShouldBindQuery(&q)
	f, _, err := q.filter(staff(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	name := "privacy-requests-queue-" + s.now().UTC().Format(time.DateOnly) + ".csv"
	s.streamCSV(c, name, func(w io.Writer) error { return s.casework.ExportQueue(c.Request.Context(), f, w) })
}

// handleRequestListCSV answers the requests filed in the report's period
// (from, to: YYYY-MM-DD, to inclusive) as a CSV list of requests.
func (s *Server) handleRequestListCSV(c *gin.Context) {
	from, to, err := reportPeriod(c, s.now())
	if err == nil && !from.Before(to) {
		err = fieldError("to", "The end of the period must be after its start.")
	}
	if err != nil { // a download, not a form: an unreadable period is a bad link
		s.fail(c, models.Errorf(models.EBadRequest, "%s", models.ErrorMessage(err)))
		return
	}
	name := "privacy-request-list-" + from.Format(time.DateOnly) + "-to-" + to.AddDate(0, 0, -1).Format(time.DateOnly) + ".csv"
	s.streamCSV(c, name, func(w io.Writer) error { return s.reports.ExportRequestsFiled(c.Request.Context(), from, to, w) })
}

// streamCSV answers a CSV download written by write as it goes. An error
// before the first bytes left is answered as an error page; after that,
// the download can only stop short, and the error is logged.
func (s *Server) streamCSV(c *gin.Context, name string, write func(io.Writer) error) {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	err := write(c.Writer)
	if err == nil {
		return
	}
	if !c.Writer.Written() {
		h.Del("Content-Disposition")
		h.Set("Content-Type", "text/html; charset=utf-8")
		s.fail(c, err)
		return
	}
	s.log.Error("csv download stopped", "route", c.FullPath(), "err", err)
}
