package bench_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Footprint: the size of the built binary, its resident memory idle after
// start, and the time from exec to /readyz answering 200, for
// `privacydesk serve` on a fresh data dir (SQLite, migrations applied at
// start-up, workers running, emails to .eml files). These have no ceiling
// to compare with; the goals are absolute and chosen for a small internal
// service on a shared VM.

const (
	footprintRSSGoal   = 100 << 20 // bytes
	footprintStartGoal = 2 * time.Second
	footprintRounds    = 3
	footprintIdle      = 3 * time.Second // settle before reading VmRSS
)

// buildBinary builds cmd/privacydesk as `go build` does by default.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go command on the PATH")
	}
	bin := filepath.Join(tb.TempDir(), "privacydesk")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/privacydesk")
	cmd.Dir = ".." // the module root; tests run in their package's folder
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// started is one `privacydesk serve` process that answered /readyz.
type started struct {
	cmd   *exec.Cmd
	Ready time.Duration // exec to the first 200 from /readyz
}

// startServe execs the binary with a data dir and no other configuration
// and waits for /readyz to answer 200.
func startServe(tb testing.TB, bin, dataDir string) *started {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRIVACYDESK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PRIVACYDESK_ADDR="+addr, "PRIVACYDESK_DATA_DIR="+dataDir, "PRIVACYDESK_METRICS_ADDR=127.0.0.1:0")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &started{cmd: cmd}
	tb.Cleanup(s.stop)
	for {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Ready = time.Since(start)
				return s
			}
		}
		if time.Since(start) > 30*time.Second {
			tb.Fatalf("/readyz did not answer 200 within 30s; output:\n%s", logs.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// status reads a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func (s *started) status(tb testing.TB, field string) uint64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatalf("no %s in /proc/PID/status", field)
	return 0
}

// stop ends the server as an operator would (SIGTERM) and waits for it.
func (s *started) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// TestFootprintReport prints the footprint table and the footprint-rss and
// footprint-start target lines.
func TestFootprintReport(t *testing.T) {
	reportOnly(t)
	bin := buildBinary(t)
	info, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	var cold, warm, rss, hwm []float64
	for range footprintRounds {
		dir := t.TempDir()
		s := startServe(t, bin, dir)
		cold = append(cold, s.Ready.Seconds())
		time.Sleep(footprintIdle)
		rss = append(rss, float64(s.status(t, "VmRSS")))
		hwm = append(hwm, float64(s.status(t, "VmHWM")))
		s.stop()
		s = startServe(t, bin, dir) // the same data dir again: nothing to migrate
		warm = append(warm, s.Ready.Seconds())
		s.stop()
	}
	say("\n### Footprint: `privacydesk serve`, SQLite on a fresh data dir, workers on, %d rounds\n", footprintRounds)
	say("| measure | value (median) | per round | goal |")
	say("|---|--:|---|--:|")
	say("| binary size (`go build`, not stripped) | %s | | |", mib(uint64(info.Size())))
	say("| idle RSS, %v after /readyz | %s | %s | %s |", footprintIdle, mib(uint64(median(rss))), fmtMiB(rss), mib(footprintRSSGoal))
	say("| peak RSS during start (VmHWM) | %s | %s | |", mib(uint64(median(hwm))), fmtMiB(hwm))
	say("| cold start: exec to /readyz 200, migrations applied | %.3f s | %s | %s |", median(cold), fmtSecs3(cold), footprintStartGoal)
	say("| warm start: same data dir again | %.3f s | %s | |", median(warm), fmtSecs3(warm))
	say("")
	r, c := median(rss), median(cold)
	target("footprint-rss", fmt.Sprintf("%.1fMiB", r/(1<<20)), fmt.Sprintf("<=%dMiB", footprintRSSGoal>>20), r <= footprintRSSGoal)
	target("footprint-start", fmt.Sprintf("%.3fs", c), fmt.Sprintf("<=%.0fs", footprintStartGoal.Seconds()), c <= footprintStartGoal.Seconds())
}

func fmtMiB(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.1f", x/(1<<20))
	}
	return s
}

func fmtSecs3(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.3f", x)
	}
	return s
}
