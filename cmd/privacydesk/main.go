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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "privacydesk:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Privacy Desk: data-subject requests for Kactoily.com.

Usage:
  privacydesk serve [--demo] [flags]   run the web server and background workers
  privacydesk migrate [flags]          apply database migrations and exit
  privacydesk staff add --email E --name N --role agent|admin [--password-stdin]
  privacydesk agents add --id ID --name N --verify-key BASE64 [--callback-hosts H,…]
                                       trust an authorized agent (Data Rights Protocol)
  privacydesk audit verify [--anchor COUNT:HASH] [flags]
                                       check the audit trail's hash chain and its newest signed anchor
  privacydesk audit anchor [flags]     sign the audit trail's head now and print it, to keep elsewhere

Every flag has a PRIVACYDESK_* environment variable; run a command with -h to list them.
`

// stdin is read by `staff add --password-stdin`; tests replace it.
var stdin io.Reader = os.Stdin

// run is the whole program, so tests can boot it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
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
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
