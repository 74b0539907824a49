package workflows

import (
	"context"
	"slices"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// ReportLine is one request type's figures for the period (CCPA 11 CCR §7102).
type ReportLine struct {
	Type       string
	Received   int     // filed in the period and verified (opt-outs need no verification)
	Completed  int     // complied with in whole or in part
	Denied     int     // denied
	Open       int     // received and not yet answered
	MedianDays float64 // days from filing to completion or denial, never negative
	MeanDays   float64
	Answered   int // how many the medians are over
	OnTime     int // answered by the due date
}

// Report is the compliance report for a period.
type Report struct {
	From, To time.Time
	Lines    []ReportLine
	ByStatus map[string]int // every request filed in the period, by status
	ByAgents int            // of those, filed by authorized agents (DRP)
	Step     string         // the width of each bucket: day, week or month
	Series   []ReportBucket // the period cut into buckets, in order
	Appeals  AppealFigures  // appeals of denials filed in the period
}

// ReportBucket is one stretch of the period: what was received, what was
// answered and how much of it on time, and what was overdue at its end.
type ReportBucket struct {
	Start, End time.Time      // [Start, End), within the period
	Received   map[string]int // by request type, filed in the bucket
	Answered   int            // completed or denied in the bucket
	OnTime     int            // of Answered, by the due date
	Overdue    int            // open past the due date at End (or now, if sooner)
}

// OnTimeRate is the share of the bucket's answers given by the due date,
// and whether there were any.
func (b ReportBucket) OnTimeRate() (float64, bool) {
	if b.Answered == 0 {
		return 0, false
	}
	return float64(b.OnTime) / float64(b.Answered), true
}

// ComplianceReport computes the figures for requests filed in [from, to).
// Errors: EInvalid (field "to") when to is not after from.
func (s *Service) ComplianceReport(ctx context.Context, from, to time.Time) (*Report, error) {
	if !from.Before(to) {
		return nil, invalidField("to", "The end of the period must be after its start.")
	}
	lines := map[string]*ReportLine{}
	days := map[string][]float64{}
	for _, t := range models.AllRequestTypes {
		lines[t] = &ReportLine{Type: t}
	}
	rep := &Report{From: from, To: to, ByStatus: map[string]int{}}
	rep.Step, rep.Series = reportBuckets(from, to)
	now := s.now()
	err := models.ReportRows(ctx, s.DB.DB, from, to, func(r models.ReportRow) {
		rep.ByStatus[r.Status]++
		if r.Channel == models.ChannelAgent {
			rep.ByAgents++
		}
		l := lines[r.Type]
		if l == nil || (r.VerifiedAt == nil && r.Type != models.TypeOptOut) {
			return // unverified requests were never received as a request
		}
		l.Received++
		countInSeries(rep.Series, r, now)
		switch r.Status {
		case models.StatusCompleted:
			l.Completed++
		case models.StatusDenied:
			l.Denied++
		case models.StatusCancelled:
			return
		default:
			l.Open++
			return
		}
		if r.ClosedAt != nil {
			// An opt-out is closed in the instant it is filed; the clock
			// may put closed_at a hair before created_at.
			days[r.Type] = append(days[r.Type], max(0, r.ClosedAt.Sub(r.CreatedAt).Hours()/24))
			if onTime(r) {
				l.OnTime++
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if rep.Appeals, err = s.appealFigures(ctx, from, to); err != nil {
		return nil, err
	}
	for _, t := range models.AllRequestTypes {
		l := lines[t]
		l.Answered = len(days[t])
		l.MeanDays, l.MedianDays = meanMedian(days[t])
		rep.Lines = append(rep.Lines, *l)
	}
	return rep, nil
}

func onTime(r models.ReportRow) bool {
	return r.ClosedAt != nil && (r.DueAt == nil || !r.ClosedAt.After(*r.DueAt))
}

func answered(r models.ReportRow) bool {
	return r.Status == models.StatusCompleted || r.Status == models.StatusDenied
}

// countInSeries adds a received request to the buckets it falls in.
func countInSeries(series []ReportBucket, r models.ReportRow, now time.Time) {
	for i := range series {
		b := &series[i]
		if !r.CreatedAt.Before(b.Start) && r.CreatedAt.Before(b.End) {
			b.Received[r.Type]++
		}
		if answered(r) && r.ClosedAt != nil && !r.ClosedAt.Before(b.Start) && r.ClosedAt.Before(b.End) {
			b.Answered++
			if onTime(r) {
				b.OnTime++
			}
		}
		at := b.End
		if now.Before(at) {
			at = now
		}
		if r.DueAt != nil && r.DueAt.Before(at) && !r.CreatedAt.After(at) && (r.ClosedAt == nil || r.ClosedAt.After(at)) &&
			(r.ClosedAt != nil || models.QueueFor(r.Status) == models.QueueOpen) {
			b.Overdue++
		}
	}
}

// reportBuckets cuts [from, to) into days (up to 31 days), weeks starting
// on Monday (up to 26 weeks) or calendar months, the first and last
// clipped to the period.
func reportBuckets(from, to time.Time) (string, []ReportBucket) {
	span := to.Sub(from)
	step := "month"
	switch {
	case span <= 31*24*time.Hour:
		step = "day"
	case span <= 26*7*24*time.Hour:
		step = "week"
	}
	var out []ReportBucket
	for start := from; start.Before(to); {
		var end time.Time
		switch step {
		case "day":
			end = start.AddDate(0, 0, 1)
		case "week":
			d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
			end = d.AddDate(0, 0, 7-(int(d.Weekday())+6)%7)
		default:
			end = time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, start.Location())
		}
		if end.After(to) {
			end = to
		}
		out = append(out, ReportBucket{Start: start, End: end, Received: map[string]int{}})
		start = end
	}
	return step, out
}

func meanMedian(xs []float64) (mean, median float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mid := len(xs) / 2
	median = xs[mid]
	if len(xs)%2 == 0 {
		median = (xs[mid-1] + xs[mid]) / 2
	}
	return sum / float64(len(xs)), median
}
