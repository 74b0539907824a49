// Package testapp assembles the whole application for a test: a fresh
// database, a real SMTP server in-process, the workflows service with its
// River workers running, and the HTTP server on httptest.
package testapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/password"
	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// Clock is a settable clock shared by the service and GORM.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// App is one assembled application.
type App struct {
	DB     *models.DB
	Svc    *workflows.Service
	Mail   *smtptest.Server
	Clock  *Clock
	HTTP   *httptest.Server
	Client *http.Client // keeps cookies; does not follow redirects

	// Metrics serves /metrics, as serve's separate metrics listener does.
	Metrics *httptest.Server
}

// Options tune New.
type Options struct {
	Limits  app.Limits
	NoJobs  bool // do not start the workers (jobs stay queued)
	Start   time.Time
	Support string
	// DBSessions keeps staff sessions in the database's sessions table, as
	// serve does, instead of in memory.
	DBSessions bool
	// Sources replaces the store sources records are collected from (nil:
	// all of them). An empty list collects nothing, so a verified request
	// stays verified until staff move it on.
	Sources []store.Source
	// SignInsAtOnce bounds the password checks at once (0: one per CPU).
	SignInsAtOnce int
	// SignInWait is the longest a sign-in waits for a turn (0: the default).
	SignInWait time.Duration
	// TrustedProxies are passed to the server (nil: none).
	TrustedProxies []string
	// Org is the organization's facts, as serve loads them from PRIVACYDESK_ORG:
	// its name, policy, statements and third parties (nil: Kactoily's
	// built-in ones, with a one-line policy text).
	Org *org.Facts
	// DRP configures the Data Rights Protocol endpoint (zero: off).
	DRP workflows.DRPSettings
}

// New builds the application on a fresh database of the dialect.
func New(t testing.TB, dialect string, o Options) *App {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
	}
	if o.Support == "" {
		o.Support = "privacy-team@kactoily.example"
	}
	clock := &Clock{t: o.Start}
	db := testdb.Open(t, dialect)
	srv := smtptest.Start(t)
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PRIVACYDESK_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	mailer := mail.NewSMTPMailer(settings, nil)
	renderer, err := mail.NewRenderer(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	// One registry for the HTTP and workflow metrics, as serve wires it, so
	// /metrics shows both.
	reg := prometheus.NewRegistry()
	a := &App{DB: db, Mail: srv, Clock: clock}
	a.HTTP = httptest.NewUnstartedServer(nil)
	baseURL := "http://" + a.HTTP.Listener.Addr().String()
	policy, facts := "Privacy Policy\n\nWe keep your data safe.", o.Org
	if facts == nil {
		facts = org.Default()
	} else {
		policy = "" // the organization file's
	}
	a.Svc, err = workflows.NewService(context.Background(), workflows.Deps{
		DB: db, Mailer: mailer, Renderer: renderer, Log: log, Now: clock.Now, Metrics: workflows.NewMetrics(reg),
		Settings: workflows.Settings{BaseURL: baseURL, DataDir: t.TempDir(), Org: facts, ThirdParties: facts.ThirdParties, MailFrom: "Kactoily Privacy <privacy@kactoily.example>", SupportEmail: o.Support, DRP: o.DRP},
		Jobs:     workflows.JobOptions{Disabled: o.NoJobs, PollInterval: 50 * time.Millisecond},
		Sources:  o.Sources, SignInsAtOnce: o.SignInsAtOnce, SignInWait: o.SignInWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Svc.Close) // after the HTTP server closes (cleanups run last first)
	var sessions scs.Store
	if o.DBSessions {
		sessions = sessionStore(t, db)
	}
	s, err := app.NewServer(app.Options{
		Intake: a.Svc, Requester: a.Svc, Staff: a.Svc, Casework: a.Svc, Reports: a.Svc, Receipts: a.Svc,
		Logger: log, Limits: o.Limits, Registry: reg, Sessions: sessions, Now: clock.Now,
		Org: facts, Policy: policy, TrustedProxies: o.TrustedProxies, DRP: a.Svc, Wording: a.Svc})
	if err != nil {
		t.Fatal(err)
	}
	a.HTTP.Config.Handler = s.Handler()
	a.HTTP.Start()
	t.Cleanup(a.HTTP.Close)
	a.Metrics = httptest.NewServer(s.MetricsHandler())
	t.Cleanup(a.Metrics.Close)
	if !o.NoJobs {
		ctx, cancel := context.WithCancel(context.Background())
		if err := a.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			_ = a.Svc.Stop(sctx)
			cancel()
		})
	}
	a.Client = a.NewClient()
	return a
}

// sessionStore is the session store serve uses, with its cleanup goroutine
// stopped when the test ends (before the database closes).
func sessionStore(t testing.TB, db *models.DB) scs.Store {
	st := models.NewSessionStore(db, 5*time.Minute)
	t.Cleanup(st.StopCleanup)
	return st
}

// NewClient returns a client like a browser of its own: its own cookie jar,
// redirects not followed.
func (a *App) NewClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// AddStaff creates a staff account with a generated password and returns the password.
func (a *App) AddStaff(t testing.TB, email, name, role string) string {
	t.Helper()
	pw := password.Generate()
	if _, err := a.Svc.AddStaff(context.Background(), workflows.NewStaff{Email: email, Name: name, Role: role, Password: pw}); err != nil {
		t.Fatalf("add staff %s: %v", email, err)
	}
	return pw
}

// Login signs client in at /staff/login as a browser would, and fails the
// test unless the answer is 303 to /staff/queue.
func (a *App) Login(t testing.TB, client *http.Client, email, password string) {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequest(http.MethodPost, a.URL()+links.StaffLogin, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != links.Queue {
		t.Fatalf("sign in as %s: got %d to %q, want 303 to /staff/queue\n%s", email, resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// URL is the server's base URL.
func (a *App) URL() string { return a.HTTP.URL }

// Count returns the number of rows of a model, for "nothing changed" checks.
func (a *App) Count(t testing.TB, model any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Model(model).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// IdentityProof returns a value the verification page of an access or
// deletion request of email accepts (its first order number, else its
// first product serial), or "" when the button alone confirms.
func (a *App) IdentityProof(t testing.TB, email string) string {
	t.Helper()
	p, err := store.DemoDatasets().IdentityProofs(context.Background(), a.DB.DB, email)
	if err != nil {
		t.Fatalf("identity proofs: %v", err)
	}
	switch {
	case len(p.OrderNumbers) > 0:
		return p.OrderNumbers[0]
	case len(p.Serials) > 0:
		return p.Serials[0]
	}
	return ""
}
