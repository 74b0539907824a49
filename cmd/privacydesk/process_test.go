package main

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// asProgram, as the first argument of this package's test binary, makes
// it the privacydesk program itself, run with test options given as
// flags; the reliability tests start their servers so:
//
//	privacydesk.test as-privacydesk [--job-poll D] [--job-timeout D] -- COMMAND [FLAGS]
//
// The options are no setting of the real binary: only a test may shorten
// these timings.
const asProgram = "as-privacydesk"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == asProgram {
		os.Exit(programWithTestFlags(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// programWithTestFlags reads the test options in args, then runs the
// command after them as the program; it returns the exit status.
func programWithTestFlags(args []string) int {
	var o options
	fs := flag.NewFlagSet(asProgram, flag.ContinueOnError)
	fs.DurationVar(&o.JobPoll, "job-poll", 0, "how often idle workers look for new jobs")
	fs.DurationVar(&o.JobTimeout, "job-timeout", 0, "how long a job may run before it is taken for dead")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, asProgram+": no command after the test options")
		return 2
	}
	return program(fs.Args(), o)
}
