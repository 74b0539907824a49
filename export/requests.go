package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// RequestListHeader heads the CSV list of requests that staff export from
// the queue and the compliance report, for auditors.
var RequestListHeader = []string{"id", "type", "channel", "status", "received", "verified", "due", "closed",
	"assignee", "outcome", "days_to_respond"}

// RequestListRow is one request of the list, as it is written.
type RequestListRow struct {
	ID, Type, Channel, Status string
	Received                  time.Time
	Verified, Due, Closed     *time.Time
	Assignee                  string // the assignee's name, "" for nobody
	Outcome                   string // how it ended ("" while open)
	DaysToRespond             *float64
}

// RequestList writes the list of requests as CSV row by row: csv.Writer's
// buffer is all it holds, so a list of any length streams. Every cell goes
// through CSVCell, so no value can be read as a formula.
type RequestList struct {
	w *csv.Writer
}

// NewRequestList starts a list on w with its header row (buffered, so a
// caller can still answer an error until the first rows go out).
func NewRequestList(w io.Writer) (*RequestList, error) {
	l := &RequestList{w: csv.NewWriter(w)}
	return l, l.w.Write(RequestListHeader)
}

// Write adds one request.
func (l *RequestList) Write(r RequestListRow) error {
	days := ""
	if r.DaysToRespond != nil {
		days = strconv.FormatFloat(*r.DaysToRespond, 'f', 1, 64)
	}
	return l.w.Write([]string{CSVCell(r.ID), CSVCell(r.Type), CSVCell(r.Channel), CSVCell(r.Status),
		CSVCell(r.Received), optTime(r.Verified), optTime(r.Due), optTime(r.Closed),
		CSVCell(r.Assignee), CSVCell(r.Outcome), days})
}

// Flush writes what is buffered and returns the first write error.
func (l *RequestList) Flush() error {
	l.w.Flush()
	return l.w.Error()
}

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return CSVCell(*t)
}

// CSVCell formats a value for a spreadsheet cell with any formula defused
// (see csvCell): for every CSV that leaves Privacy Desk.
func CSVCell(v any) string { return csvCell(v) }
