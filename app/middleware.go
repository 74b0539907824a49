package app

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kactoily/privacydesk/models"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "privacydesk_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "privacydesk_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe logs each request and counts it by route. It logs the route
// pattern, never the raw path or query, which may carry tokens.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		code := c.Writer.Status()
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(code)).Inc()
		s.metrics.duration.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
		level := s.log.Debug
		if code >= 500 {
			level = s.log.Error
		}
		level("http request", "method", c.Request.Method, "route", route, "status", code, "duration", d)
	}
}

// recoverer turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "route", c.FullPath(), "panic", v)
				if !c.Writer.Written() {
					s.fail(c, nil)
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// securityHeaders sets a strict content security policy and friends on
// every answer. Tokens travel in URLs, so no page ever sends a Referer.
func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		s.setSecurityHeaders(c.Writer.Header(), c.Request)
		c.Next()
	}
}

// setSecurityHeaders sets the headers every answer carries, including the
// ones written outside Gin (the cross-origin refusal).
func (s *Server) setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if s.https || r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// refuseBadBytes answers 404 for a path parameter, and 400 for a query
// value, holding a NUL or bytes that are not UTF-8: PostgreSQL refuses
// such text outright, which would otherwise surface as a 500.
func (s *Server) refuseBadBytes(c *gin.Context) {
	for _, p := range c.Params {
		if !cleanBytes(p.Value) {
			s.notFound(c)
			c.Abort()
			return
		}
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range append(vs, k) {
			if !cleanBytes(v) {
				s.fail(c, models.Errorf(models.EBadRequest, "The address holds characters we cannot accept."))
				c.Abort()
				return
			}
		}
	}
}

func cleanBytes(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// limitBody caps how much of a request body a handler can read.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// noStore keeps pages that carry tokens out of shared caches and history.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
}
