// Command privacydesk runs Privacy Desk: the web server and its workers,
// database migrations, and the audit-trail check.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() { os.Exit(program(os.Args[1:], options{})) }

// program runs the command in args as the process: stopped by SIGINT or
// SIGTERM, with the process's environment and output. It returns the exit
// status.
func program(args []string, o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWith(ctx, args, os.Getenv, os.Stdout, os.Stderr, o); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "privacydesk:", err)
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

const usage = `Privacy Desk: data-subject requests (access, deletion, opt-out) for an online store.

Usage:
  privacydesk serve [--demo] [flags]   run the web server and background workers
  privacydesk migrate [flags]          apply database migrations and exit
  privacydesk staff add --email E --name N --role agent|admin [--password-stdin]
  privacydesk agents add --id ID --name N --verify-key BASE64 [--callback-hosts H,…]
                                       trust an authorized agent (Data Rights Protocol)
  privacydesk audit verify [--anchor COUNT:HASH] [flags]
                                       check the audit trail's hash chain and its newest signed anchor
  privacydesk audit anchor [flags]     sign the audit trail's head now and print it, to keep elsewhere
  privacydesk receipt verify FILE [--email E] [flags]
                                       check a signed request receipt (FILE, or - for standard input) and,
                                       with --email, that it was issued for that address
  privacydesk datasets check [--datasets FILES] [--email E] [flags]
                                       check the dataset files against the store database; with --email,
                                       print what requests of that person would export and erase (changes nothing)

Every flag has a PRIVACYDESK_* environment variable; run a command with -h to list them.
`

// stdin is read by `staff add --password-stdin`; tests replace it.
var stdin io.Reader = os.Stdin

// options are what only tests set, directly, and no setting offers: shorter
// timings, so a test need not wait as long as an operator's instance would.
// The zero value is what the program runs with.
type options struct {
	// JobPoll is how often idle workers look for new jobs (0: the workers'
	// default, a second).
	JobPoll time.Duration
	// JobTimeout is how long a job may run (0: the workers' default, 5
	// minutes); the jobs of a killed process are run again a fifth later.
	JobTimeout time.Duration
}

// run is the whole program, so tests can boot it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdout, stderr, options{})
}

// runWith is run with the test options o.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, o options) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr, o)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "staff":
		return staffCommand(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "agents":
		return agentsCommand(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		switch {
		case len(args) >= 2 && args[1] == "verify":
			return auditVerify(ctx, args[2:], getenv, stdout, stderr)
		case len(args) >= 2 && args[1] == "anchor":
			return auditAnchor(ctx, args[2:], getenv, stdout, stderr)
		}
		fmt.Fprint(stderr, "usage: privacydesk audit verify|anchor [flags]\n")
		return errUsage
	case "receipt":
		if len(args) >= 2 && args[1] == "verify" {
			return receiptVerify(ctx, args[2:], getenv, stdout, stderr)
		}
		fmt.Fprint(stderr, "usage: privacydesk receipt verify FILE [--email E] [flags]\n")
		return errUsage
	case "datasets":
		return datasetsCommand(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
