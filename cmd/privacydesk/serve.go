package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// openDatabases opens (and migrates, if asked) the app database and the store's.
func openDatabases(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (db, store *models.DB, err error) {
	db, err = models.Open(ctx, cfg.DatabaseURL, models.OpenOptions{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		if err := migrateAll(ctx, db, log); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	store = db
	if cfg.StoreDatabaseURL != "" && cfg.StoreDatabaseURL != cfg.DatabaseURL {
		if store, err = models.OpenStore(ctx, cfg.StoreDatabaseURL, models.OpenOptions{Logger: log}); err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("store database: %w", err)
		}
	}
	return db, store, nil
}

func migrateAll(ctx context.Context, db *models.DB, log *slog.Logger) error {
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := workflows.MigrateJobs(ctx, db); err != nil {
		return err
	}
	log.Info("database migrated", "dialect", db.Dialect, "applied", n)
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, o options) error {
	cfg, err := config.LoadConfig("serve", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	facts, err := org.Load(cfg.Org)
	if err != nil {
		return fmt.Errorf("PRIVACYDESK_ORG: %w", err)
	}
	log := newLogger(stderr)
	db, store, err := openDatabases(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	if store != db {
		defer store.Close()
	}
	datasets, err := checkDatasets(ctx, cfg, store)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	baseURL := cfg.BaseURLFor(ln.Addr())
	var metricsLn net.Listener // /metrics apart from the public site
	if cfg.MetricsAddr != "none" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen for metrics on %s (PRIVACYDESK_METRICS_ADDR; \"none\" turns it off): %w", cfg.MetricsAddr, err)
		}
		defer metricsLn.Close()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	thirdParties := facts.ThirdParties
	if strings.TrimSpace(cfg.ThirdParties) != "" { // the setting replaces the organization file's list
		thirdParties, _ = cfg.ThirdPartyList() // checked by LoadConfig
	}
	trustedProxies, _ := cfg.TrustedProxyList()
	mailer, err := newMailer(cfg, log)
	if err != nil {
		return err
	}
	renderer, err := mail.NewRenderer(templates.FS)
	if err != nil {
		return err
	}
	drp, _ := cfg.DRP() // checked by LoadConfig
	svc, err := workflows.NewService(ctx, workflows.Deps{
		DB: db, Store: store, Datasets: datasets, Mailer: mailer, Renderer: renderer, Log: log, Metrics: workflows.NewMetrics(reg),
		Settings: workflows.Settings{BaseURL: baseURL, MailFrom: or(cfg.MailFrom, facts.MailFrom()),
			SupportEmail: or(cfg.SupportEmail, facts.PrivacyEmail), Org: facts,
			DataDir: cfg.DataDir, ThirdParties: thirdParties, RequestRetention: cfg.Retention(), DRP: drp},
		Jobs: workflows.JobOptions{Disabled: !cfg.Workers, PollInterval: o.JobPoll, Timeout: o.JobTimeout},
	})
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := seedDemo(ctx, svc, store, stdout, log); err != nil {
			return err
		}
	}
	sessions := sessionStore(db)
	defer sessions.stop()
	drpPerIP, drpPerAgent, _ := cfg.DRPRates() // checked by LoadConfig
	intakePerIP, _ := cfg.IntakeRate()         // checked by LoadConfig
	srv, err := app.NewServer(app.Options{
		Intake: svc, Requester: svc, Staff: svc, Casework: svc, Reports: svc, Receipts: svc,
		Logger: log, Registry: reg, Org: facts, HTTPS: strings.HasPrefix(baseURL, "https://"),
		Ready: readiness(db, svc, cfg.Workers), Sessions: sessions.store, TrustedProxies: trustedProxies,
		DRP: svc, Limits: app.Limits{IntakePerIP: intakePerIP, DRPPerIP: drpPerIP, DRPPerAgent: drpPerAgent}, Wording: svc,
	})
	if err != nil {
		return err
	}
	if cfg.Workers {
		if err := svc.Start(ctx); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
	}
	hs := &http.Server{
		Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ms *http.Server
	if metricsLn != nil {
		ms = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { errc <- ms.Serve(metricsLn) }()
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", metricsLn.Addr())
	}
	fmt.Fprintf(stdout, "privacydesk listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "privacy center: %s/\n", baseURL)
	if cfg.SMTPURL == "" {
		fmt.Fprintf(stdout, "emails are written to %s\n", mailDir(cfg))
	}

	select {
	case err = <-errc:
		err = fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
		log.Info("shutting down")
	}
	// Stop in order: HTTP first (finish requests in flight), then intake's batcher, then workers, then the database.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", serr)
	}
	if ms != nil {
		if serr := ms.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			log.Warn("metrics shutdown", "err", serr)
		}
	}
	svc.Close() // the filings the HTTP server answered are written by now
	if cfg.Workers {
		if serr := svc.Stop(sctx); serr != nil {
			log.Warn("workers shutdown", "err", serr)
		}
	}
	if c, ok := mailer.(io.Closer); ok {
		c.Close()
	}
	return err
}

func mailDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "mail") }

func newMailer(cfg config.Config, log *slog.Logger) (mail.Mailer, error) {
	if cfg.SMTPURL == "" {
		return &mail.FileMailer{Dir: mailDir(cfg), Log: log}, nil
	}
	s, err := mail.ParseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	log.Info("sending email through SMTP", "server", s.Redacted())
	return mail.NewSMTPMailer(s, nil), nil
}

// readiness checks the database answers, the schema is current and the
// workers run; it answers with short messages safe to show.
func readiness(db *models.DB, svc *workflows.Service, workers bool) app.Readiness {
	return func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return errors.New("database unreachable")
		}
		if pending, err := db.MigrationsPending(ctx); err != nil || pending {
			return errors.New("database migrations pending")
		}
		if pending, err := workflows.JobsPending(ctx, db); err != nil || pending {
			return errors.New("job queue migrations pending")
		}
		if workers && !svc.Healthy() {
			return errors.New("workers stopped")
		}
		return nil
	}
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.LoadConfig("migrate", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.OpenOptions{Logger: newLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := workflows.MigrateJobs(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrated %s database: %d migration(s) applied\n", db.Dialect, n)
	return nil
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
