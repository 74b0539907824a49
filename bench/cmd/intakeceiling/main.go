// Command intakeceiling serves the intake benchmarks' ceiling (package
// bench/ceiling: a bare Gin handler doing one GORM insert) as a process of
// its own, so a load tool outside both can measure it beside
// `privacydesk serve`:
//
//	intakeceiling -addr 127.0.0.1:0 -database-url sqlite:/tmp/c/privacydesk.db
//
// It opens the database as Privacy Desk does (models.Open), applies
// Privacy Desk's and River's migrations, prints "listening on http://ADDR"
// once it accepts connections, and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kactoily/privacydesk/bench/ceiling"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "intakeceiling:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("intakeceiling", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	dbURL := fs.String("database-url", "", "sqlite:PATH or postgres://… (required; migrated at start-up)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("-database-url is required")
	}
	db, err := models.Open(ctx, *dbURL, models.OpenOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := workflows.MigrateJobs(ctx, db); err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: ceiling.IntakeHandler(db), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shut)
}
