package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/password"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

type sessions struct {
	store scs.Store
	stop  func()
}

// sessionStore keeps staff sessions in the app database, so any instance
// can serve any staff member and a sign-out ends the session everywhere.
// Each session row names its staff member, so disabling one ends theirs.
func sessionStore(db *models.DB) sessions {
	st := models.NewSessionStore(db, 10*time.Minute)
	return sessions{st, st.StopCleanup}
}

// seedDemo fills an empty store with demo customers and creates a demo
// admin and agent when there is no staff yet, printing their logins once.
func seedDemo(ctx context.Context, svc *workflows.Service, store *models.DB, stdout io.Writer, log *slog.Logger) error {
	st, err := demo.Seed(ctx, store.DB, time.Now())
	if err != nil {
		return fmt.Errorf("seed demo store: %w", err)
	}
	if !st.Skipped {
		log.Info("demo store seeded", "customers", st.Customers, "orders", st.Orders)
	}
	n, err := models.CountStaff(ctx, svc.DB.DB)
	if err != nil || n > 0 {
		return err
	}
	for _, s := range []workflows.NewStaff{
		{Email: "admin@kactoily.example", Name: "Dana Admin", Role: models.RoleAdmin},
		{Email: "agent@kactoily.example", Name: "Sam Agent", Role: models.RoleAgent},
	} {
		s.Password = password.Generate()
		if _, err := svc.AddStaff(ctx, s); err != nil {
			return fmt.Errorf("create demo staff: %w", err)
		}
		fmt.Fprintf(stdout, "demo %s login: %s / %s\n", s.Role, s.Email, s.Password)
	}
	return nil
}

// staffCommand runs `privacydesk staff add`.
func staffCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, "usage: privacydesk staff add --email E --name N --role agent|admin [--password-stdin]\n")
		return errUsage
	}
	var email, name, role string
	var fromStdin bool
	cfg, err := config.LoadConfig("staff add", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the staff member's email (required)")
		fs.StringVar(&name, "name", "", "the staff member's name (required)")
		fs.StringVar(&role, "role", models.RoleAgent, "agent or admin")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	if err != nil {
		return err
	}
	pw := password.Generate()
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	svc, db, err := commandService(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := svc.AddStaff(ctx, workflows.NewStaff{Email: email, Name: name, Role: role, Password: pw})
	if err != nil {
		if f := models.ErrorFields(err); len(f) > 0 {
			for k, v := range f {
				fmt.Fprintf(stderr, "  --%s: %s\n", k, v)
			}
		}
		return errors.New(models.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "added %s %s (%s)\n", u.Role, u.Email, u.Name)
	if !fromStdin {
		fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
	}
	return nil
}

// commandService opens the databases and builds a service without workers,
// for a command that makes one change and exits; the caller closes db.
func commandService(ctx context.Context, cfg config.Config, stderr io.Writer) (*workflows.Service, *models.DB, error) {
	log := newLogger(stderr)
	db, _, err := openDatabases(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return nil, nil, err
	}
	renderer, err := mail.NewRenderer(templates.FS)
	if err == nil {
		var svc *workflows.Service
		svc, err = workflows.NewService(ctx, workflows.Deps{DB: db, Log: log, Renderer: renderer, Jobs: workflows.JobOptions{Disabled: true}})
		if err == nil {
			return svc, db, nil
		}
	}
	db.Close()
	return nil, nil, err
}
