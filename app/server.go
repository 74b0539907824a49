// Package app is Privacy Desk's HTTP side: the Gin server, its middleware
// and the handlers for pages and the JSON API.
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
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/templates"
)

// maxBody bounds every request body; the largest legitimate one is a form
// with 4,000 characters of details.
const maxBody = 64 << 10

// Readiness checks what /readyz reports.
type Readiness func(ctx context.Context) error

// Server holds the HTTP dependencies; handlers are its methods.
type Server struct {
	intake    Intake
	requester Requester
	accounts  StaffAccounts
	casework  Casework
	reports   Reports
	log       *slog.Logger
	pages     *pages
	limits    *limiters
	ready     Readiness
	registry  *prometheus.Registry
	policy    string
	org       *org.Facts
	https     bool
	metrics   *httpMetrics
	sessions  *scs.SessionManager
	now       func() time.Time
	engine    *gin.Engine
	drp       DRPService // nil: no Data Rights Protocol endpoints
	receipts  Receipts   // nil: the receipt key and check page answer 404
	wording   Wording    // nil: built-in wording only, no editor
}

// Options configure NewServer.
type Options struct {
	// What the handlers call into, each the small interface its handlers
	// declare; *workflows.Service is all of them.
	Intake    Intake        // filing and confirming requests: the public forms and the API
	Requester Requester     // a requester's own request, by its status link
	Staff     StaffAccounts // staff sign-in and the staff admin page
	Casework  Casework      // the staff queue and request page
	Reports   Reports       // the compliance report

	Logger   *slog.Logger
	Ready    Readiness
	Registry *prometheus.Registry // MetricsHandler serves it
	Policy   string               // privacy policy text (empty: Org's)
	Org      *org.Facts           // the organization's name, contact and policy (nil: org.Default(), Kactoily's)
	HTTPS    bool                 // the public URL is https: send HSTS
	Limits   Limits
	Sessions scs.Store        // staff sessions (nil: in memory, for tests of one instance)
	Now      func() time.Time // the clock for deadlines shown and rate limits (nil: time.Now)
	// TrustedProxies are the CIDRs of the proxies whose X-Forwarded-For
	// names the client (nil: none; the client is the connection's peer).
	TrustedProxies []string
	DRP            DRPService // the Data Rights Protocol endpoints (nil: none)
	Receipts       Receipts   // the signed receipts' key and check page (nil: none)
	Wording        Wording    // the company's own wording and its editor (nil: built-in only)
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
	if o.Org == nil {
		o.Org = org.Default()
	}
	if o.Policy == "" {
		o.Policy = o.Org.PolicyText
	}
	s := &Server{
		intake: o.Intake, requester: o.Requester, accounts: o.Staff, casework: o.Casework, reports: o.Reports, log: o.Logger, pages: p, limits: newLimiters(o.Limits), ready: o.Ready,
		registry: o.Registry, policy: o.Policy, org: o.Org, https: o.HTTPS, metrics: newHTTPMetrics(o.Registry),
		sessions: newSessions(o.Sessions, o.HTTPS), now: o.Now, drp: o.DRP, wording: o.Wording,
		receipts: o.Receipts,
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
	e.GET(links.ReceiptKey, s.needReceipts, s.handleReceiptKey)
	e.GET(links.VerifyReceipt, s.needReceipts, s.handleReceiptForm)
	e.POST(links.VerifyReceipt, s.needReceipts, s.limitReceipt(), s.handleReceiptCheck)

	e.GET(links.Staff, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, links.Queue) })
	e.GET(links.StaffLogin, s.handleLoginForm)
	e.POST(links.StaffLogin, s.limitLogin(), s.handleLogin)
	e.POST(links.StaffLogout, s.handleLogout)
	st := e.Group("", s.requireStaff) // the patterns are whole: links holds them once
	st.GET(links.Queue, s.handleQueue)
	st.POST(links.QueueBulk, s.handleBulk)
	st.GET(links.QueueCSV, s.handleQueueCSV)
	st.GET(links.QueueBulk, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, links.Queue) })
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
	admin.GET(links.ReportsList, s.handleRequestListCSV)
	s.drpAdminRoutes(admin)
	s.wordingRoutes(admin)

	e.POST(links.APIRequests, s.limitIntake(), s.handleAPICreate)
	e.GET(links.APIRequest, s.handleAPIGet)
	s.drpRoutes(e)
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
