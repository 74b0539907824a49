// Package app is Privacy Desk's HTTP side: configuration, the Gin server,
// its middleware and the handlers for pages and the JSON API.
package app

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// maxBody bounds every request body; the largest legitimate one is a form
// with 4,000 characters of details.
const maxBody = 64 << 10

// Service is what the handlers need from workflows.
type Service interface {
	Submit(ctx context.Context, in workflows.NewRequest) (*models.Request, error)
	Verify(ctx context.Context, token string) (*models.Request, string, error)
	Resend(ctx context.Context, email string) error
	Status(ctx context.Context, id, token string) (*workflows.StatusView, error)
	Cancel(ctx context.Context, id, token string) (*models.Request, error)
	StatusURL(id, token string) string
}

var _ Service = (*workflows.Service)(nil)

// Readiness checks what /readyz reports.
type Readiness func(ctx context.Context) error

// Server holds the HTTP dependencies; handlers are its methods.
type Server struct {
	svc      Service
	log      *slog.Logger
	pages    *pages
	limits   *limiters
	ready    Readiness
	registry *prometheus.Registry
	policy   string
	https    bool
	metrics  *httpMetrics
	engine   *gin.Engine
}

// Options configure NewServer.
type Options struct {
	Service  Service
	Logger   *slog.Logger
	Ready    Readiness
	Registry *prometheus.Registry // /metrics serves it
	Policy   string               // privacy policy text
	HTTPS    bool                 // the public URL is https: send HSTS
	Limits   Limits
}

// NewServer parses the page templates (failing fast on a broken one) and
// builds the routes.
func NewServer(o Options) (*Server, error) {
	p, err := parsePages(templates.FS)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	s := &Server{
		svc: o.Service, log: o.Logger, pages: p, limits: newLimiters(o.Limits), ready: o.Ready,
		registry: o.Registry, policy: o.Policy, https: o.HTTPS, metrics: newHTTPMetrics(o.Registry),
	}
	s.routes()
	return s, nil
}

// Handler is the whole HTTP application, with cross-origin protection on
// every state-changing request.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path)
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
	}))
	return cop.Handler(s.engine)
}

func (s *Server) routes() {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	_ = e.SetTrustedProxies(nil)
	e.Use(s.recoverer(), s.observe(), s.securityHeaders(), limitBody(maxBody))
	e.NoRoute(func(c *gin.Context) { s.notFound(c) })
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, http.StatusMethodNotAllowed, models.Errorf(models.EInvalid, "This address does not accept that method."))
	})

	static, _ := fs.Sub(templates.FS, "static")
	e.StaticFS("/static", http.FS(static))
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.handleReady)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))

	e.GET("/", s.handleHome)
	e.GET("/privacy-policy", s.handlePolicy)
	e.GET("/requests/new", s.handleNewForm)
	e.POST("/requests/new", s.limitIntake(), s.handleNewSubmit)
	e.GET("/requests/received", s.handleReceived)
	e.GET("/requests/verify", s.handleVerify)
	e.GET("/requests/resend", s.handleResendForm)
	e.POST("/requests/resend", s.limitResend(), s.handleResendSubmit)
	e.GET("/requests/:id/status", s.handleStatus)
	e.POST("/requests/:id/cancel", s.handleCancel)

	api := e.Group("/api/v1")
	api.POST("/requests", s.limitIntake(), s.handleAPICreate)
	api.GET("/requests/:id", s.handleAPIGet)
	s.engine = e
}

func (s *Server) handleReady(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			c.String(http.StatusServiceUnavailable, "not ready: %s\n", err)
			return
		}
	}
	c.String(http.StatusOK, "ready\n")
}
