package workflows

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what the workflows do, for /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	jobs     *prometheus.CounterVec
	emails   *prometheus.CounterVec
	batches  prometheus.Histogram
}

// NewMetrics registers the workflow counters with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "privacydesk_request_transitions_total",
			Help: "Privacy requests entering a status, by type and status.",
		}, []string{"type", "status"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "privacydesk_jobs_total",
			Help: "Background jobs run, by kind and result (ok or failed).",
		}, []string{"kind", "result"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "privacydesk_emails_total",
			Help: "Emails handed to the mailer, by kind and result (sent or failed).",
		}, []string{"kind", "result"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "privacydesk_intake_batch_filings",
			Help:    "Filings written together in one intake transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.jobs, m.emails, m.batches)
	}
	return m
}

func (m *Metrics) transition(typ, status string) { m.requests.WithLabelValues(typ, status).Inc() }

func (m *Metrics) intakeBatch(filings int) { m.batches.Observe(float64(filings)) }

func (m *Metrics) job(kind string, err error) {
	m.jobs.WithLabelValues(kind, result(err, "ok", "failed")).Inc()
}

func (m *Metrics) email(kind string, err error) {
	m.emails.WithLabelValues(kind, result(err, "sent", "failed")).Inc()
}

func result(err error, ok, failed string) string {
	if err != nil {
		return failed
	}
	return ok
}
