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
	MedianDays float64 // days from filing to completion or denial
	MeanDays   float64
	Answered   int // how many the medians are over
}

// Report is the compliance report for a period.
type Report struct {
	From, To time.Time
	Lines    []ReportLine
	ByStatus map[string]int // every request filed in the period, by status
}

// ComplianceReport computes the figures for requests filed in [from, to).
func (s *Service) ComplianceReport(ctx context.Context, from, to time.Time) (*Report, error) {
	if !from.Before(to) {
		return nil, invalidField("to", "The end of the period must be after its start.")
	}
	lines := map[string]*ReportLine{}
	days := map[string][]float64{}
	for _, t := range models.RequestTypes {
		lines[t] = &ReportLine{Type: t}
	}
	rep := &Report{From: from, To: to, ByStatus: map[string]int{}}
	err := models.ReportRows(ctx, s.DB.DB, from, to, func(r models.ReportRow) {
		rep.ByStatus[r.Status]++
		l := lines[r.Type]
		if l == nil || (r.VerifiedAt == nil && r.Type != models.TypeOptOut) {
			return // unverified requests were never received as a request
		}
		l.Received++
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
			days[r.Type] = append(days[r.Type], r.ClosedAt.Sub(r.CreatedAt).Hours()/24)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, t := range models.RequestTypes {
		l := lines[t]
		l.Answered = len(days[t])
		l.MeanDays, l.MedianDays = meanMedian(days[t])
		rep.Lines = append(rep.Lines, *l)
	}
	return rep, nil
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
