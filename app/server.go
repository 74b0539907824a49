// Package app is Privacy Desk's HTTP side: configuration, the Gin server,
// its middleware and the handlers for pages and the JSON API.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// maxBody bounds every request body; the largest legitimate one is a form
// with 4,000 characters of details.
const maxBody = 64 << 10

// Service is what the handlers need from workflows.
type Service interface {
	Submit(ctx context.Context, in workflows.NewRequest) (*models.Request, error)
	Verify(ctx context.Context, token, proof string) (*models.Request, string, error)
	CheckVerifyLink(ctx context.Context, token string) (*workflows.VerifyLink, error)
	LookupRequests(ctx context.Context, email string) error
	Resend(ctx context.Context, email string) error
	Status(ctx context.Context, id, token string) (*workflows.StatusView, error)
	HonourStatusGPC(ctx context.Context, id, token string) (bool, error)
	Cancel(ctx context.Context, id, token string) (*models.Request, error)
	FileAppeal(ctx context.Context, id, token, reason string) (*models.Appeal, error)
	StatusURL(id, token string) string

	Authenticate(ctx context.Context, email, password string) (*models.StaffUser, error)
	StaffMember(ctx context.Context, id int64) (*models.StaffUser, error)
	ListStaff(ctx context.Context) ([]models.StaffUser, error)
	AddStaff(ctx context.Context, in workflows.NewStaff) (*models.StaffUser, error)
	UpdateStaff(ctx context.Context, actor *models.StaffUser, id int64, role string, disabled bool) error
	ResetStaffPassword(ctx context.Context, actor *models.StaffUser, id int64) (string, *models.StaffUser, error)
	Queue(ctx context.Context, f models.QueueFilter) (*workflows.QueuePage, error)
	RequestDetail(ctx context.Context, id string) (*workflows.Detail, error)
	Assign(ctx context.Context, actor *models.StaffUser, id string, staffID int64) (*models.Request, error)
	AddNote(ctx context.Context, actor *models.StaffUser, id, body string) error
	Advance(ctx context.Context, actor *models.StaffUser, id, to string) (*models.Request, error)
	Approve(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error)
	Deny(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error)
	Extend(ctx context.Context, actor *models.StaffUser, id string, days int, reason string) (*models.Request, error)
	StaffCancel(ctx context.Context, actor *models.StaffUser, id, reason string) (*models.Request, error)
	DecideAppeal(ctx context.Context, actor *models.StaffUser, id, decision, answer string) (*models.Appeal, error)
	FileOnBehalf(ctx context.Context, actor *models.StaffUser, in workflows.NewRequest, confirmedReason string) (*models.Request, error)
	ComplianceReport(ctx context.Context, from, to time.Time) (*workflows.Report, error)
	Download(ctx context.Context, id, token string, send func(*models.Export) error) error
	CheckDownloadLink(ctx context.Context, id, token string) (*workflows.DownloadLink, error)
	SendDownloadLink(ctx context.Context, id, token string) error
	RetryCollection(ctx context.Context, actor *models.StaffUser, id, source string) error
	ErasurePlan(ctx context.Context, id string) ([]store.Plan, error)
	ErasureResults(ctx context.Context, id string) ([]store.Result, error)
	RetryErasure(ctx context.Context, actor *models.StaffUser, id, source string) error
	Corrections(ctx context.Context, r *models.Request) ([]workflows.CorrectionView, error)
	DecideCorrection(ctx context.Context, actor *models.StaffUser, id, field, decision, reason string) error
	Escalate(ctx context.Context, actor *models.StaffUser, id string, adminID int64, note string) (*models.Request, error)
	UnlockVerification(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error)
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
	sessions *scs.SessionManager
	now      func() time.Time
	engine   *gin.Engine
}

// Options configure NewServer.
type Options struct {
	Service  Service
	Logger   *slog.Logger
	Ready    Readiness
	Registry *prometheus.Registry // MetricsHandler serves it
	Policy   string               // privacy policy text
	HTTPS    bool                 // the public URL is https: send HSTS
	Limits   Limits
	Sessions scs.Store        // staff sessions (nil: in memory, for tests of one instance)
	Now      func() time.Time // the clock for deadlines shown and rate limits (nil: time.Now)
	// TrustedProxies are the CIDRs of the proxies whose X-Forwarded-For
	// names the client (nil: none; the client is the connection's peer).
	TrustedProxies []string
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
		sessions: newSessions(o.Sessions, o.HTTPS), now: o.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.routes(o.TrustedProxies); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the whole HTTP application, with cross-origin protection on
// every state-changing request.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path)
		s.setSecurityHeaders(w.Header(), r)
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
	}))
	return cop.Handler(s.sessions.LoadAndSave(s.engine))
}

// MetricsHandler serves /metrics (Prometheus) and nothing else, for the
// separate metrics listener: the public site does not serve it, since the
// counts (requests by type, emails, jobs) are for operators only.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setSecurityHeaders(w.Header(), r)
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) routes(trustedProxies []string) error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(trustedProxies); err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	e.Use(s.recoverer(), s.observe(), s.securityHeaders(), limitBody(maxBody), s.refuseBadBytes)
	e.NoRoute(func(c *gin.Context) { s.notFound(c) })
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, models.Errorf(models.EMethod, "This address does not accept that method."))
	})

	static, _ := fs.Sub(templates.FS, "static")
	e.StaticFS("/static", http.FS(static))
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.handleReady)

	e.GET(links.Home, s.handleHome)
	e.GET(links.Policy, s.handlePolicy)
	e.GET(links.NewRequest, s.handleNewForm)
	e.POST(links.NewRequest, s.limitIntake(), s.handleNewSubmit)
	e.GET(links.Received, s.handleReceived)
	e.GET(links.Verify, s.handleVerify)
	e.POST(links.Verify, s.handleVerifySubmit)
	e.GET(links.Lookup, s.handleLookupForm)
	e.POST(links.Lookup, s.limitResend(), s.handleLookupSubmit)
	e.GET(links.Resend, s.handleResendForm)
	e.POST(links.Resend, s.limitResend(), s.handleResendSubmit)
	e.GET(links.Status, s.handleStatus)
	e.POST(links.Cancel, s.handleCancel)
	e.POST(links.Appeal, s.handleAppeal)
	e.GET(links.Download, s.handleDownload)
	e.POST(links.Download, s.handleDownloadSubmit)
	e.POST(links.DownloadLink, s.limitResend(), s.handleDownloadLink)

	e.GET(links.Staff, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, links.Queue) })
	e.GET(links.StaffLogin, s.handleLoginForm)
	e.POST(links.StaffLogin, s.limitLogin(), s.handleLogin)
	e.POST(links.StaffLogout, s.handleLogout)
	st := e.Group("", s.requireStaff) // the patterns are whole: links holds them once
	st.GET(links.Queue, s.handleQueue)
	st.GET(links.StaffNew, s.handleOnBehalfForm)
	st.POST(links.StaffNew, s.handleOnBehalf)
	st.GET(links.StaffRequest, s.handleStaffRequest)
	for _, r := range []struct {
		act string
		h   gin.HandlerFunc
	}{
		{links.ActAssign, s.handleAssign}, {links.ActNote, s.handleNote}, {links.ActAdvance, s.handleAdvance},
		{links.ActApprove, s.handleApprove}, {links.ActDeny, s.handleDeny}, {links.ActExtend, s.handleExtend},
		{links.ActCancel, s.handleStaffCancel}, {links.ActRetry, s.handleRetryCollection},
		{links.ActRetryErasure, s.handleRetryErasure}, {links.ActCorrection, s.handleDecideCorrection},
		{links.ActUnlock, s.handleUnlockVerification}, {links.ActEscalate, s.handleEscalate},
		{links.ActDecideAppeal, s.handleDecideAppeal},
	} {
		st.POST(links.ActPattern(r.act), r.h)
	}
	st.GET(links.StaffAnyAct, s.handleActionGet)
	admin := st.Group("", s.requireAdmin)
	admin.GET(links.StaffAdmin, s.handleStaffAdmin)
	admin.POST(links.StaffAdmin, s.handleStaffAdd)
	admin.POST(links.StaffMember, s.handleStaffUpdate)
	admin.POST(links.StaffPassword, s.handleStaffPasswordReset)
	admin.GET(links.Reports, s.handleReport)
	admin.GET(links.ReportsCSV, s.handleReportCSV)

	e.POST(links.APIRequests, s.limitIntake(), s.handleAPICreate)
	e.GET(links.APIRequest, s.handleAPIGet)
	s.engine = e
	return nil
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
