// Package bench_test measures Privacy Desk against ceilings measured in the
// same run (issue 6). Every figure is a ratio to, or a bound on, something
// the same machine did moments before, because these machines are shared
// and noisy. Nothing here runs in a plain `go test ./...`: each report is a
// test that skips unless PRIVACYDESK_BENCH=1, and each Benchmark runs only
// under -bench. Run them all with
//
//	go run ./bench/cmd/benchall
package bench_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// benchEnv turns the reports on.
const benchEnv = "PRIVACYDESK_BENCH"

// reportOnly skips the test unless the benchmarks were asked for.
func reportOnly(t *testing.T) {
	t.Helper()
	if os.Getenv(benchEnv) == "" {
		t.Skip("set " + benchEnv + "=1 to run the benchmark reports (or use go run ./bench/cmd/benchall)")
	}
}

// say prints one line of the report to standard output, where the driver
// collects it (t.Log would only show under -v).
func say(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

// target prints the line the driver gathers: target NAME VALUE GOAL ok|miss.
func target(name, value, goal string, ok bool) {
	verdict := "miss"
	if ok {
		verdict = "ok"
	}
	say("target %s %s %s %s", name, value, goal, verdict)
}

// median returns the middle of xs (the mean of the two middles when even).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// quantile is the nearest-rank quantile q (0..1] of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(k, len(s)-1))]
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func mib(b uint64) string         { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
