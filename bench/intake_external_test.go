package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/bench/ceiling"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// Intake measured from outside: `privacydesk serve` and the ceiling
// (bench/cmd/intakeceiling) each run as a process of their own, and wrk, a
// third process, loads them in turn, so the ratio owes nothing to a load
// generator sharing the server's process, heap and scheduler.

const (
	wrkThreads   = 2
	wrkRounds    = 3
	wrkRound     = 4 * time.Second
	wrkWarmUp    = 2 * time.Second
	wrkRatePerIP = 1_000_000 // PRIVACYDESK_INTAKE_RATE_PER_IP: wrk comes from one address
)

// wrkScript makes every request a new filing, with its own address
// (load.PREFIX.THREAD.N@example.org, PREFIX given after --), so neither the
// per-address limit nor the merging of repeat filings ever applies, and
// prints one parseable line of results.
const wrkScript = `
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = args[1] or "x"
  n = 0
end
function request()
  n = n + 1
  local id = prefix .. "." .. tid .. "." .. n
  local body = '{"type":"access","email":"load.' .. id .. '@example.org","name":"Load Tester ' .. id ..
    '","details":"Please send me a copy of everything you hold about me."}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrkresult %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`

// wrkRun is one run of wrk against one server.
type wrkRun struct {
	Requests int64
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r wrkRun) rate() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

var wrkResultRE = regexp.MustCompile(`(?m)^wrkresult((?: \d+){9})$`)

// runWrk loads url for d with intakeConns connections; any error (refused
// connection, broken read or write, timeout, an answer other than 2xx/3xx)
// fails the test.
func runWrk(t *testing.T, wrk, script, url, prefix string, d time.Duration) wrkRun {
	t.Helper()
	out, err := exec.Command(wrk, "-t", strconv.Itoa(wrkThreads), "-c", strconv.Itoa(intakeConns),
		"-d", fmt.Sprintf("%ds", int(d.Seconds())), "--timeout", "10s", "-s", script, url, "--", prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	m := wrkResultRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("wrk %s printed no result line:\n%s", url, out)
	}
	var f [9]int64
	for i, s := range strings.Fields(m[1]) {
		f[i], _ = strconv.ParseInt(s, 10, 64)
	}
	if errs := f[2] + f[3] + f[4] + f[5] + f[6]; errs > 0 || f[0] == 0 {
		t.Fatalf("wrk %s: %d requests, errors: connect %d, read %d, write %d, status %d, timeout %d\n%s",
			url, f[0], f[2], f[3], f[4], f[5], f[6], out)
	}
	return wrkRun{Requests: f[0], Elapsed: time.Duration(f[1]) * time.Microsecond,
		P50: time.Duration(f[7]) * time.Microsecond, P99: time.Duration(f[8]) * time.Microsecond}
}

// buildBinaries builds privacydesk and intakeceiling into dir.
func buildBinaries(t *testing.T, dir string) (app, ceil string) {
	t.Helper()
	root, err := filepath.Abs("..") // the module root: tests run in bench/
	if err != nil {
		t.Fatal(err)
	}
	app, ceil = filepath.Join(dir, "privacydesk"), filepath.Join(dir, "intakeceiling")
	for bin, pkg := range map[string]string{app: "./cmd/privacydesk", ceil: "./bench/cmd/intakeceiling"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return app, ceil
}

// startProcess runs bin with args and env (added to this process's
// environment less its PRIVACYDESK_* variables), waits for the line of
// standard output that listen matches, whose first group is the server's
// base URL, and stops the process with SIGTERM when the test ends.
func startProcess(t *testing.T, bin string, args, env []string, listen *regexp.Regexp) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRIVACYDESK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	logs, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listen.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	stderr := func() string { b, _ := os.ReadFile(logs.Name()); return string(b) }
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("%s exited with %v\n%s", filepath.Base(bin), err, stderr())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within 30 s of SIGTERM", filepath.Base(bin))
		}
		logs.Close()
	})
	select {
	case u := <-urls:
		return u
	case err := <-exited:
		t.Fatalf("%s exited before listening: %v\n%s", filepath.Base(bin), err, stderr())
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s did not listen within 2 minutes\n%s", filepath.Base(bin), stderr())
	}
	return ""
}

// countFilings is the number of requests rows in the database at dbURL.
func countFilings(t *testing.T, dbURL string) int64 {
	t.Helper()
	db, err := models.Open(context.Background(), dbURL, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.Model(&models.Request{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func wrkRates(runs []wrkRun) []float64 {
	var out []float64
	for _, r := range runs {
		out = append(out, r.rate())
	}
	return out
}

func wrkMedian(runs []wrkRun, f func(wrkRun) time.Duration) time.Duration {
	var xs []float64
	for _, r := range runs {
		xs = append(xs, float64(f(r)))
	}
	return time.Duration(median(xs))
}

// TestExternalIntakeReport prints the table of intake measured by wrk and
// the intake-external (SQLite) and intake-external-postgres target lines.
func TestExternalIntakeReport(t *testing.T) {
	reportOnly(t)
	names := map[string]string{models.DialectSQLite: "intake-external", models.DialectPostgres: "intake-external-postgres"}
	say("\n### Intake from outside the process: wrk (%d threads, %d connections) against `privacydesk serve` and `intakeceiling`\n",
		wrkThreads, intakeConns)
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		say("wrk is not installed (Debian: `apt-get install wrk`), so intake was not measured from outside the process.")
		for _, dialect := range testdb.Dialects() {
			target(names[dialect], "unmeasured", fmt.Sprintf(">=%.1fx", intakeGoal), false)
		}
		return
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "intake.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		t.Fatal(err)
	}
	appBin, ceilBin := buildBinaries(t, dir)
	say("Each server is its own process on a fresh database: `privacydesk serve` with PRIVACYDESK_WORKERS=false and")
	say("PRIVACYDESK_INTAKE_RATE_PER_IP=%d; every request files with a new address. %d s warm-up each, then %d rounds",
		wrkRatePerIP, int(wrkWarmUp.Seconds()), wrkRounds)
	say("of %d s on each, alternating which goes first; p50 and p99 are wrk's, the median over the rounds.\n", int(wrkRound.Seconds()))
	say("| database | side | req/s (median) | req/s per round | p50 | p99 |")
	say("|---|---|--:|--:|--:|--:|")
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			appDB, ceilDB := testdb.URL(t, dialect), testdb.URL(t, dialect)
			urls := [2]string{
				startProcess(t, ceilBin, []string{"-addr", "127.0.0.1:0", "-database-url", ceilDB}, nil,
					regexp.MustCompile(`^listening on (http://\S+)$`)) + ceiling.Path,
				startProcess(t, appBin, []string{"serve"}, []string{
					"PRIVACYDESK_ADDR=127.0.0.1:0", "PRIVACYDESK_METRICS_ADDR=none", "PRIVACYDESK_DATA_DIR=" + t.TempDir(),
					"PRIVACYDESK_DATABASE_URL=" + appDB, "PRIVACYDESK_WORKERS=false",
					"PRIVACYDESK_INTAKE_RATE_PER_IP=" + strconv.Itoa(wrkRatePerIP),
				}, regexp.MustCompile(`^privacydesk listening on (http://\S+)$`)) + "/api/v1/requests",
			}
			var sides [2][]wrkRun
			var sent [2]int64
			for i, u := range urls {
				sent[i] += runWrk(t, wrk, script, u, fmt.Sprintf("w%d", i), wrkWarmUp).Requests
			}
			for k := range wrkRounds {
				for j := range 2 {
					i := (k + j) % 2
					r := runWrk(t, wrk, script, urls[i], fmt.Sprintf("r%d", k), wrkRound)
					sides[i] = append(sides[i], r)
					sent[i] += r.Requests
				}
			}
			// Every answer wrk counted is a filing on disk; at most one
			// request per connection per run was cut off unanswered.
			runs := int64(1 + wrkRounds)
			for i, db := range []string{ceilDB, appDB} {
				if n := countFilings(t, db); n < sent[i] || n > sent[i]+runs*intakeConns {
					t.Fatalf("%s: %d requests rows after %d answered filings", urls[i], n, sent[i])
				}
			}
			for i, name := range []string{"bare Gin + one GORM insert (ceiling)", "Privacy Desk"} {
				say("| %s | %s | %.0f | %.0f | %s | %s |", dialect, name, median(wrkRates(sides[i])), wrkRates(sides[i]),
					millis(wrkMedian(sides[i], func(r wrkRun) time.Duration { return r.P50 })),
					millis(wrkMedian(sides[i], func(r wrkRun) time.Duration { return r.P99 })))
			}
			ratio := median(wrkRates(sides[1])) / median(wrkRates(sides[0]))
			say("")
			target(names[dialect], fmt.Sprintf("%.2fx", ratio), fmt.Sprintf(">=%.1fx", intakeGoal), ratio >= intakeGoal)
		})
	}
}
