package workflows

import (
	"context"
	"io"
	"time"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/models"
)

// listBatch is how many requests a CSV list reads at a time.
const listBatch = 200

// ExportQueue writes every request the queue filter f selects, in the
// queue's order, to w as the CSV list of requests (export.RequestList).
// It reads them a batch at a time, so the list streams at any length.
func (s *Service) ExportQueue(ctx context.Context, f models.QueueFilter, w io.Writer) error {
	f = s.queueFilter(f)
	f.Limit, f.After, f.Before = listBatch, nil, nil
	l, err := export.NewRequestList(w)
	if err != nil {
		return err
	}
	for {
		rows, next, err := models.QueuePage(ctx, s.DB.DB, f)
		if err != nil {
			return err
		}
		if err := writeList(l, rows); err != nil {
			return err
		}
		if next == nil {
			return l.Flush()
		}
		f.After = next
	}
}

// ExportRequestsFiled writes every request filed in [from, to), oldest
// first, to w as the CSV list of requests, a batch at a time.
// Errors: EInvalid (field "to") when to is not after from.
func (s *Service) ExportRequestsFiled(ctx context.Context, from, to time.Time, w io.Writer) error {
	if !from.Before(to) {
		return invalidField("to", "The end of the period must be after its start.")
	}
	l, err := export.NewRequestList(w)
	if err != nil {
		return err
	}
	var after *models.Cursor
	for {
		rows, next, err := models.RequestsFiled(ctx, s.DB.DB, from, to, after, listBatch)
		if err != nil {
			return err
		}
		if err := writeList(l, rows); err != nil {
			return err
		}
		if next == nil {
			return l.Flush()
		}
		after = next
	}
}

func writeList(l *export.RequestList, rows []models.QueueRow) error {
	for i := range rows {
		if err := l.Write(listRow(&rows[i])); err != nil {
			return err
		}
	}
	return nil
}

// listRow is a request as the list shows it. Days to respond count, as
// the compliance report does, from filing to completion or denial.
func listRow(r *models.QueueRow) export.RequestListRow {
	row := export.RequestListRow{ID: r.ID, Type: r.Type, Channel: r.Channel, Status: r.Status, Received: r.CreatedAt,
		Verified: r.VerifiedAt, Due: r.DueAt, Closed: r.ClosedAt, Assignee: r.AssigneeName}
	switch r.Status {
	case models.StatusCompleted:
		row.Outcome = "completed"
	case models.StatusDenied:
		row.Outcome = "denied: " + r.DenialReason
	case models.StatusCancelled:
		row.Outcome = "cancelled by the requester"
		if r.CancelReason != "" {
			row.Outcome = "cancelled by staff: " + r.CancelReason
		}
	case models.StatusExpired:
		row.Outcome = "expired: the email was never confirmed"
	}
	if (r.Status == models.StatusCompleted || r.Status == models.StatusDenied) && r.ClosedAt != nil {
		d := max(0, r.ClosedAt.Sub(r.CreatedAt).Hours()/24)
		row.DaysToRespond = &d
	}
	return row
}
