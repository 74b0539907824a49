package bench_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/bench/ceiling"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// Intake: requests per second through POST /api/v1/requests over real HTTP
// (keep-alive, 32 at once) against a bare Gin handler doing one GORM insert
// of a similar row into a database opened the same way (models.Open).

const (
	intakeConns = 32
	intakeGoal  = 0.6
)

// unlimited lifts the per-IP limit; every request has its own email, so the
// per-address limit (5 an hour) never applies either.
var unlimited = app.Limits{IntakePerIP: 1 << 30, ResendPerIP: 1 << 30, ResendPerMail: 1 << 30, LoginPerIP: 1 << 30}

func intakeBody(n int64) []byte {
	return fmt.Appendf(nil, `{"type":"access","email":"load.%d@example.org","name":"Load Tester %d",`+
		`"details":"Please send me a copy of everything you hold about me."}`, n, n)
}

// intakeApp is the whole application (HTTP-only: its workers are off, as an
// instance started with PRIVACYDESK_WORKERS=false; jobs are still queued).
func intakeApp(t testing.TB, dialect string) string {
	a := testapp.New(t, dialect, testapp.Options{Limits: unlimited, NoJobs: true})
	return a.URL() + "/api/v1/requests"
}

// intakeCeiling is the bare handler (package bench/ceiling): decode the
// JSON, insert one requests row, answer 202.
func intakeCeiling(t testing.TB, dialect string) string {
	srv := httptest.NewServer(ceiling.IntakeHandler(testdb.Open(t, dialect)))
	t.Cleanup(srv.Close)
	return srv.URL + ceiling.Path
}

// intakeResult is both sides measured in alternating rounds.
type intakeResult struct {
	App, Ceiling []load
}

func (r intakeResult) rates(side []load) []float64 {
	var out []float64
	for _, l := range side {
		out = append(out, l.rate())
	}
	return out
}

func (r intakeResult) ratio() float64 { return median(r.rates(r.App)) / median(r.rates(r.Ceiling)) }

func latencies(side []load) []time.Duration {
	var out []time.Duration
	for _, l := range side {
		out = append(out, l.Lat...)
	}
	return out
}

// measureIntake warms both servers up, then runs rounds of d on each,
// alternating which goes first.
func measureIntake(t testing.TB, appURL, ceilURL string, rounds int, d time.Duration) intakeResult {
	p := newPoster(intakeConns)
	defer p.close()
	urls := [2]string{ceilURL, appURL}
	for _, u := range urls {
		if w := p.closedLoop(u, intakeConns, d/3, intakeBody, http.StatusAccepted); w.Failed > 0 {
			t.Fatalf("warm-up: %d failed: %s", w.Failed, w.FirstErr)
		}
	}
	var res intakeResult
	for k := range rounds {
		for j := range 2 {
			i := (k + j) % 2
			l := p.closedLoop(urls[i], intakeConns, d, intakeBody, http.StatusAccepted)
			if l.Failed > 0 {
				t.Fatalf("%s: %d of %d requests failed: %s", urls[i], l.Failed, l.OK+l.Failed, l.FirstErr)
			}
			if i == 0 {
				res.Ceiling = append(res.Ceiling, l)
			} else {
				res.App = append(res.App, l)
			}
		}
	}
	return res
}

// TestIntakeReport prints the intake table and the intake (SQLite) and
// intake-postgres target lines.
func TestIntakeReport(t *testing.T) {
	reportOnly(t)
	say("\n### Intake: POST /api/v1/requests, %d keep-alive connections\n", intakeConns)
	say("| database | side | req/s (median) | req/s per round | p50 | p99 |")
	say("|---|---|--:|--:|--:|--:|")
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			appURL, ceilURL := intakeApp(t, dialect), intakeCeiling(t, dialect)
			r := measureIntake(t, appURL, ceilURL, 3, 4*time.Second)
			for _, side := range []struct {
				name string
				runs []load
			}{{"bare Gin + one GORM insert (ceiling)", r.Ceiling}, {"Privacy Desk", r.App}} {
				lat := latencies(side.runs)
				say("| %s | %s | %.0f | %.0f | %s | %s |", dialect, side.name, median(r.rates(side.runs)),
					r.rates(side.runs), millis(quantile(lat, 0.5)), millis(quantile(lat, 0.99)))
			}
			name := "intake"
			if dialect == models.DialectPostgres {
				name = "intake-postgres"
			}
			say("")
			target(name, fmt.Sprintf("%.2fx", r.ratio()), fmt.Sprintf(">=%.1fx", intakeGoal), r.ratio() >= intakeGoal)
		})
	}
}

// BenchmarkIntake reports requests per second of both sides; each op is
// one request, sent from intakeConns connections.
func BenchmarkIntake(b *testing.B) {
	for _, dialect := range testdb.Dialects() {
		for _, side := range []struct {
			name string
			url  func(testing.TB, string) string
		}{{"ceiling", intakeCeiling}, {"app", intakeApp}} {
			b.Run(dialect+"/"+side.name, func(b *testing.B) {
				url := side.url(b, dialect)
				p := newPoster(intakeConns)
				defer p.close()
				b.SetParallelism((intakeConns + 1) / 2)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := p.post(url, intakeBody, http.StatusAccepted); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
