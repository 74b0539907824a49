package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// Reports is what the compliance report page and its CSV need.
type Reports interface {
	ComplianceReport(ctx context.Context, from, to time.Time) (*workflows.Report, error)
	ExportRequestsFiled(ctx context.Context, from, to time.Time, w io.Writer) error
}

var _ Reports = (*workflows.Service)(nil)

// reportStatuses is the order of the requests-by-status chart.
var reportStatuses = []string{models.StatusPendingVerification, models.StatusVerified, models.StatusInProgress,
	models.StatusAwaitingApproval, models.StatusFulfilling, models.StatusCompleted, models.StatusDenied,
	models.StatusCancelled, models.StatusExpired}

// reportPeriod reads from/to (YYYY-MM-DD, to inclusive); default: the last
// 12 months. Errors: EInvalid with the field at fault.
func reportPeriod(c *gin.Context, now time.Time) (from, to time.Time, err error) {
	now = now.UTC()
	to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	from = to.AddDate(-1, 0, 0)
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, fieldError("from", "Give the start date as YYYY-MM-DD.")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, fieldError("to", "Give the end date as YYYY-MM-DD.")
		}
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

func fieldError(field, msg string) error {
	return &models.Error{Code: models.EInvalid, Message: msg, Fields: map[string]string{field: msg}}
}

// handleReport shows the compliance report; a bad period re-renders the
// form with the error (422).
func (s *Server) handleReport(c *gin.Context) {
	from, to, err := reportPeriod(c, s.now())
	var rep *workflows.Report
	if err == nil {
		rep, err = s.reports.ComplianceReport(c.Request.Context(), from, to)
	}
	v := view{Title: "Compliance report"}
	if s.refused(c, err, view{Title: v.Title, Data: gin.H{"From": c.Query("from"), "To": c.Query("to")}},
		s.staffPage(c, "staff_report"), models.EInvalid) {
		return
	}
	most := 1
	for _, n := range rep.ByStatus {
		most = max(most, n)
	}
	v.Data = gin.H{
		"Rep": rep, "From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly),
		"Period": reportDate(from) + " – " + reportDate(to.AddDate(0, 0, -1)), "Max": most, "Statuses": reportStatuses,
		"Charts": []chart{volumeChart(rep), onTimeChart(rep), overdueChart(rep)}, "Lines": reportLines(rep),
		"Buckets": reportBucketRows(rep),
	}
	s.renderStaff(c, http.StatusOK, "staff_report", v)
}

// reportLine is one row of the report's table, formatted.
type reportLine struct {
	workflows.ReportLine
	Median, Mean, OnTimeText string
}

func reportLines(rep *workflows.Report) []reportLine {
	var out []reportLine
	for _, l := range rep.Lines {
		r := reportLine{ReportLine: l, Median: reportDays(l.MedianDays, l.Answered), Mean: reportDays(l.MeanDays, l.Answered), OnTimeText: "—"}
		if l.Answered > 0 {
			r.OnTimeText = fmt.Sprintf("%s (%d of %d)", percent(float64(l.OnTime)/float64(l.Answered)), l.OnTime, l.Answered)
		}
		out = append(out, r)
	}
	return out
}

// bucketRow is one row of the charts' table alternative.
type bucketRow struct {
	Period                   string
	Access, Deletion, OptOut int
	OnTime                   string
	Overdue                  int
}

func reportBucketRows(rep *workflows.Report) []bucketRow {
	var out []bucketRow
	for _, b := range rep.Series {
		r := bucketRow{Period: bucketPeriod(rep.Step, b), Access: b.Received[models.TypeAccess],
			Deletion: b.Received[models.TypeDeletion], OptOut: b.Received[models.TypeOptOut], OnTime: "—", Overdue: b.Overdue}
		if rate, ok := b.OnTimeRate(); ok {
			r.OnTime = fmt.Sprintf("%s (%d of %d)", percent(rate), b.OnTime, b.Answered)
		}
		out = append(out, r)
	}
	return out
}

// handleReportCSV answers the report as a spreadsheet: the figures per
// request type, then, after a blank line, the series per bucket.
func (s *Server) handleReportCSV(c *gin.Context) {
	from, to, err := reportPeriod(c, s.now())
	if err != nil { // a download, not a form: an unreadable period is a bad link
		s.fail(c, models.Errorf(models.EBadRequest, "%s", models.ErrorMessage(err)))
		return
	}
	rep, err := s.reports.ComplianceReport(c.Request.Context(), from, to)
	if err != nil {
		s.fail(c, err)
		return
	}
	name := fmt.Sprintf("privacy-requests-%s-to-%s.csv", from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"request_type", "received", "completed_in_whole_or_part", "denied", "open",
		"median_days_to_respond", "mean_days_to_respond", "answered", "answered_on_time"})
	for _, l := range rep.Lines {
		_ = w.Write([]string{l.Type, strconv.Itoa(l.Received), strconv.Itoa(l.Completed), strconv.Itoa(l.Denied),
			strconv.Itoa(l.Open), csvDays(l.MedianDays, l.Answered), csvDays(l.MeanDays, l.Answered),
			strconv.Itoa(l.Answered), strconv.Itoa(l.OnTime)})
	}
	w.Flush()
	_, _ = c.Writer.WriteString("\r\n")
	_ = w.Write(seriesHeader)
	for _, b := range rep.Series {
		rate := ""
		if r, ok := b.OnTimeRate(); ok {
			rate = strconv.FormatFloat(r*100, 'f', 1, 64)
		}
		_ = w.Write([]string{b.Start.Format(time.DateOnly), b.End.AddDate(0, 0, -1).Format(time.DateOnly),
			strconv.Itoa(b.Received[models.TypeAccess]), strconv.Itoa(b.Received[models.TypeDeletion]),
			strconv.Itoa(b.Received[models.TypeOptOut]), strconv.Itoa(b.Answered), strconv.Itoa(b.OnTime), rate,
			strconv.Itoa(b.Overdue)})
	}
	w.Flush()
	_, _ = c.Writer.WriteString("\r\n")
	ap := rep.Appeals
	_ = w.Write(appealsHeader)
	_ = w.Write([]string{from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly),
		strconv.Itoa(ap.Received), strconv.Itoa(ap.Upheld), strconv.Itoa(ap.Overturned), strconv.Itoa(ap.Open),
		strconv.Itoa(ap.Decided()), strconv.Itoa(ap.OnTime), strconv.Itoa(ap.Overdue)})
	w.Flush()
}

// appealsHeader heads the CSV's third table: the appeals of denials filed
// in the period, as many columns as the other tables so readers that want
// a fixed width take it.
var appealsHeader = []string{"period_start", "period_end", "appeals_received", "appeals_upheld", "appeals_overturned",
	"appeals_open", "appeals_decided", "appeals_decided_on_time", "appeals_open_overdue"}

// seriesHeader heads the CSV's second table, one row per bucket.
var seriesHeader = []string{"period_start", "period_end", "received_access", "received_deletion", "received_opt_out",
	"answered", "answered_on_time", "on_time_percent", "overdue_at_end"}
