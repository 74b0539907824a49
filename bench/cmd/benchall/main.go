// Command benchall runs every Privacy Desk benchmark report of issue 6 in
// turn (footprint, email, intake in and out of the process, heavy-customer export and erasure, the
// dataset engine's query plans, queue scaling), each in its own process so one failing does not hide the
// others, prints their tables, and ends with one line per target:
//
//	target NAME VALUE GOAL ok|miss
//
// Run it from anywhere in the module:
//
//	go run ./bench/cmd/benchall [-o report.md] [-only intake,email]
//
// With PRIVACYDESK_TEST_POSTGRES_URL set, intake, the dataset plans and the
// queue are measured on PostgreSQL too. intake-external needs wrk on the PATH
// (Debian: apt-get install wrk); without it its targets are unmeasured.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is one benchmark: the test that prints it and the targets it owns.
type report struct {
	name    string
	test    string // -test.run pattern
	timeout time.Duration
	targets []string
}

// reports run in this order: the ones that need a quiet machine first.
var reports = []report{
	{"footprint", "^TestFootprintReport$", 3 * time.Minute, []string{"footprint-rss", "footprint-start"}},
	{"email", "^TestEmailReport$", 2 * time.Minute, []string{"email"}},
	{"intake", "^TestIntakeReport$", 3 * time.Minute, []string{"intake", "intake-postgres"}},
	// The same from outside: wrk against `privacydesk serve` and the ceiling
	// (bench/cmd/intakeceiling), each its own process; it builds both first.
	{"intake-external", "^TestExternalIntakeReport$", 6 * time.Minute, []string{"intake-external", "intake-external-postgres"}},
	{"export", "^TestExportReport$", 4 * time.Minute, []string{"export", "export-memory"}},
	{"erasure", "^TestErasureReport$", 3 * time.Minute, []string{"erasure"}},
	{"intake-during-erasure", "^TestIntakeDuringErasureReport$", 6 * time.Minute, []string{"intake-during-erasure"}},
	// The dataset engine's statements for one person among 5.1M rows of
	// other customers, EXPLAINed; the first run seeds (and caches) the store.
	{"dataset-plans", "^TestDatasetPlansReport$", 15 * time.Minute, []string{"dataset-plans", "dataset-plans-postgres"}},
	// Queue scaling is its own author's report (bench/queue_*.go); it is
	// invoked as documented there: PRIVACYDESK_BENCH=1 go test ./bench -run TestQueueScaling.
	{"queue", "^TestQueueScaling$", 15 * time.Minute, []string{"queue"}},
}

// order and goals of the target lines, for the ones a run did not print.
var goals = []struct{ name, goal string }{
	{"intake", ">=0.6x"}, {"intake-postgres", ">=0.6x"}, {"intake-external", ">=0.6x"}, {"intake-external-postgres", ">=0.6x"}, {"queue", "<=1.5x"}, {"export", "<=3.0x"},
	{"export-memory", "<=64MiB"}, {"erasure", "<=100ms"}, {"intake-during-erasure", "<=3.0x"}, {"email", ">=0.8x"}, {"footprint-rss", "<=100MiB"},
	{"footprint-start", "<=2s"}, {"dataset-plans", "0-full-scans"}, {"dataset-plans-postgres", "0-full-scans"},
}

func main() {
	out := flag.String("o", "", "also write the report to this file")
	only := flag.String("only", "", "comma-separated reports to run (default: all): "+names())
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, *only); err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
}

func names() string {
	var ns []string
	for _, r := range reports {
		ns = append(ns, r.name)
	}
	return strings.Join(ns, ",")
}

func run(ctx context.Context, outPath, only string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	if outPath != "" {
		f, err := os.Create(outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	started := time.Now()
	fmt.Fprintf(w, "## Run of %s\n\n", started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- command: `go run ./bench/cmd/benchall%s`\n", argsNote())
	fmt.Fprintf(w, "- machine: %d CPUs (nproc), %s, %s\n", runtime.NumCPU(), cpuModel(), goVersion(ctx))
	pg := os.Getenv("PRIVACYDESK_TEST_POSTGRES_URL")
	if pg != "" {
		fmt.Fprintf(w, "- PostgreSQL: %s\n", serverVersion(ctx))
	} else {
		fmt.Fprintf(w, "- PostgreSQL: not set (PRIVACYDESK_TEST_POSTGRES_URL); SQLite only\n")
	}
	fmt.Fprintf(w, "- load average at start (1, 5, 15 min): %s (the machine is shared: other work runs beside the benchmarks)\n", loadAvg())

	tmp, err := os.MkdirTemp("", "benchall-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./bench")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the benchmarks: %w", err)
	}

	got := map[string]string{}
	var failed []string
	for _, r := range reports {
		if only != "" && !strings.Contains(","+only+",", ","+r.name+",") {
			continue
		}
		start := time.Now()
		lines, err := runReport(ctx, w, bin, filepath.Join(root, "bench"), r)
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == 5 {
				got[f[1]] = l
			}
		}
		fmt.Fprintf(w, "\n_%s: %.0f s; load average after it: %s_\n", r.name, time.Since(start).Seconds(), loadAvg())
		if err != nil {
			failed = append(failed, r.name)
			fmt.Fprintf(w, "\n**%s failed: %v**\n", r.name, err)
		}
		if ctx.Err() != nil {
			break
		}
	}

	fmt.Fprintf(w, "\n### Targets (all benchmarks: %.0f s)\n\n", time.Since(started).Seconds())
	for _, g := range goals {
		if _, ok := got[g.name]; !ok {
			why := "its benchmark failed or was not run"
			if strings.HasSuffix(g.name, "-postgres") && pg == "" {
				why = "set PRIVACYDESK_TEST_POSTGRES_URL to measure it"
			}
			fmt.Fprintf(w, "%s was not measured: %s\n", g.name, why)
		}
	}
	fmt.Fprintln(w, "\n```")
	for _, g := range goals {
		if l, ok := got[g.name]; ok {
			fmt.Fprintln(w, l)
		} else {
			fmt.Fprintf(w, "target %s unmeasured %s miss\n", g.name, g.goal)
		}
	}
	fmt.Fprintln(w, "```")
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// runReport runs one report's test, copying its standard output to w and
// returning its target lines.
func runReport(ctx context.Context, w io.Writer, bin, dir string, r report) ([]string, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", r.test, "-test.count", "1", "-test.timeout", r.timeout.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PRIVACYDESK_BENCH=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var targets []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "target "):
			targets = append(targets, line)
			fmt.Fprintln(w, line)
		case line == "PASS", strings.HasPrefix(line, "--- SKIP"), strings.HasPrefix(line, "=== "):
		default:
			fmt.Fprintln(w, line)
		}
	}
	return targets, cmd.Wait()
}

// loadAvg is the 1, 5 and 15 minute load average, or "?" without /proc.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "?"
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run benchall inside the privacydesk module")
	}
	return filepath.Dir(mod), nil
}

func argsNote() string {
	if len(os.Args) < 2 {
		return ""
	}
	return " " + strings.Join(os.Args[1:], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func goVersion(ctx context.Context) string {
	b, err := exec.CommandContext(ctx, "go", "version").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(b))
}

func serverVersion(ctx context.Context) string {
	b, err := exec.CommandContext(ctx, "psql", os.Getenv("PRIVACYDESK_TEST_POSTGRES_URL"), "-Atc", "SHOW server_version").Output()
	if err != nil {
		return "set"
	}
	return "server " + strings.TrimSpace(string(b))
}
