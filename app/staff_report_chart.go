package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// chart is an SVG chart drawn server-side: bars (stacked when several
// series share a bucket) or a line, each mark with a <title>, in a
// viewBox that scales to the width of a phone.
type chart struct {
	ID, Title, Desc string
	W, H            int
	Left, Bottom    float64 // the plot's left edge and baseline
	Right           float64
	TickX, LabelY   float64 // where the y ticks' texts end and the x labels sit
	Bars            []chartBar
	Line            string // polyline points; empty for a bar chart
	Dots            []chartDot
	YTicks          []chartTick
	XLabels         []chartTick
	Legend          []chartLegend
}

type chartBar struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type chartDot struct {
	X, Y  float64
	Title string
}

type chartTick struct {
	Pos  float64
	Text string
}

type chartLegend struct{ Fill, Text string }

const (
	chartW, chartH              = 640, 220
	plotLeft, plotRight         = 44.0, 630.0
	plotTop, plotBottom         = 12.0, 186.0
	maxXLabels                  = 8
	colourOnTime, colourOverdue = "#17663a", "#a61b1b"
)

// typeWords name the request types on the charts, briefly.
var typeWords = map[string]string{models.TypeAccess: "access", models.TypeDeletion: "deletion", models.TypeOptOut: "opt-out", models.TypeCorrection: "correction", models.TypeOptIn: "opt-in"}

var typeColours = map[string]string{models.TypeAccess: "#0b5cad", models.TypeDeletion: "#8a5300", models.TypeOptOut: "#5a6472", models.TypeCorrection: "#2e7d32", models.TypeOptIn: "#6a3d9a"}

// bucketLabel names a bucket on an axis: its first day, or its month.
func bucketLabel(step string, b workflows.ReportBucket) string {
	if step == "month" {
		return b.Start.UTC().Format("Jan 2006")
	}
	return b.Start.UTC().Format("2 Jan")
}

// bucketPeriod names a bucket in full, in the report's one date format.
func bucketPeriod(step string, b workflows.ReportBucket) string {
	last := b.End.AddDate(0, 0, -1)
	if step == "day" || !last.After(b.Start) {
		return reportDate(b.Start)
	}
	return reportDate(b.Start) + " – " + reportDate(last)
}

func reportDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// niceMax rounds n up to 1, 2 or 5 times a power of ten (at least 1).
func niceMax(n float64) float64 {
	if n <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(n)))
	for _, m := range []float64{1, 2, 5, 10} {
		if n <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// frame returns an empty chart with axes for n buckets and values up to top.
func frame(id, title, desc string, rep *workflows.Report, top float64, format func(float64) string) chart {
	c := chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, Left: plotLeft, Right: plotRight, Bottom: plotBottom,
		TickX: plotLeft - 6, LabelY: plotBottom + 18}
	for _, f := range []float64{0, 0.5, 1} {
		c.YTicks = append(c.YTicks, chartTick{Pos: plotBottom - f*(plotBottom-plotTop), Text: format(f * top)})
	}
	n := len(rep.Series)
	every := (n + maxXLabels - 1) / maxXLabels
	for i, b := range rep.Series {
		if i%max(every, 1) == 0 {
			c.XLabels = append(c.XLabels, chartTick{Pos: slotX(i, n) + slotW(n)/2, Text: bucketLabel(rep.Step, b)})
		}
	}
	return c
}

func slotW(n int) float64           { return (plotRight - plotLeft) / float64(max(n, 1)) }
func slotX(i, n int) float64        { return plotLeft + float64(i)*slotW(n) }
func scaleY(v, top float64) float64 { return plotBottom - v/top*(plotBottom-plotTop) }

func count(v float64) string { return strconv.Itoa(int(math.Round(v))) }

// volumeChart stacks the requests received in each bucket by type.
func volumeChart(rep *workflows.Report) chart {
	most := 0
	for _, b := range rep.Series {
		total := 0
		for _, n := range b.Received {
			total += n
		}
		most = max(most, total)
	}
	top := niceMax(float64(most))
	c := frame("volume", "Requests received over time", fmt.Sprintf("Stacked bars, one per %s: requests received by type.", rep.Step), rep, top, count)
	n := len(rep.Series)
	for i, b := range rep.Series {
		y := plotBottom
		for _, t := range models.AllRequestTypes {
			v := b.Received[t]
			if v == 0 {
				continue
			}
			h := float64(v) / top * (plotBottom - plotTop)
			y -= h
			c.Bars = append(c.Bars, chartBar{X: slotX(i, n) + slotW(n)*0.15, Y: y, W: slotW(n) * 0.7, H: h, Fill: typeColours[t],
				Title: fmt.Sprintf("%s: %d %s", bucketPeriod(rep.Step, b), v, typeWords[t])})
		}
	}
	for _, t := range models.AllRequestTypes {
		c.Legend = append(c.Legend, chartLegend{Fill: typeColours[t], Text: humanizeWord(typeWords[t])})
	}
	return c
}

// onTimeChart draws the share of each bucket's answers given by the due date.
func onTimeChart(rep *workflows.Report) chart {
	c := frame("ontime", "Answered on time", fmt.Sprintf("Bars, one per %s: the percentage of requests answered in it that were answered by their due date; no bar where none were answered.", rep.Step),
		rep, 100, func(v float64) string { return count(v) + "%" })
	n := len(rep.Series)
	for i, b := range rep.Series {
		rate, ok := b.OnTimeRate()
		if !ok {
			continue
		}
		h := rate * (plotBottom - plotTop)
		c.Bars = append(c.Bars, chartBar{X: slotX(i, n) + slotW(n)*0.15, Y: plotBottom - h, W: slotW(n) * 0.7, H: h, Fill: colourOnTime,
			Title: fmt.Sprintf("%s: %s on time (%d of %d)", bucketPeriod(rep.Step, b), percent(rate), b.OnTime, b.Answered)})
	}
	return c
}

// overdueChart draws how many requests were overdue at the end of each bucket.
func overdueChart(rep *workflows.Report) chart {
	most := 0
	for _, b := range rep.Series {
		most = max(most, b.Overdue)
	}
	top := niceMax(float64(most))
	c := frame("overdue", "Overdue requests", fmt.Sprintf("Line, one point per %s: requests open past their due date at its end.", rep.Step), rep, top, count)
	n := len(rep.Series)
	var pts []string
	for i, b := range rep.Series {
		x, y := slotX(i, n)+slotW(n)/2, scaleY(float64(b.Overdue), top)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		c.Dots = append(c.Dots, chartDot{X: x, Y: y, Title: fmt.Sprintf("%s: %d overdue", bucketPeriod(rep.Step, b), b.Overdue)})
	}
	c.Line = strings.Join(pts, " ")
	return c
}

func humanizeWord(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func percent(rate float64) string { return strconv.Itoa(int(math.Round(rate*100))) + "%" }

// reportDays formats days to respond: "same day" under a twentieth of a
// day (opt-outs are instant), "—" when nothing was answered.
func reportDays(days float64, answered int) string {
	switch {
	case answered == 0:
		return "—"
	case days < 0.05:
		return "same day"
	}
	return strconv.FormatFloat(days, 'f', 1, 64)
}

// csvDays is days to respond for the spreadsheet: a number, never "-0.0".
func csvDays(days float64, answered int) string {
	if answered == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Max(0, days), 'f', 1, 64)
}
