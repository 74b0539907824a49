package reliability

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// longTests reports whether PRIVACYDESK_LONG=1 asks for the long versions
// (the load test, the crash test's full set of trials); .ci/run sets it.
func longTests() bool { return os.Getenv("PRIVACYDESK_LONG") == "1" }

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "privacydesk-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// builds holds the binary built once for all the tests of this package:
// with the race detector when the tests run with it (a race in the server
// then fails the test that saw it), and without.
var builds = map[bool]*build{false: {}, true: {}}

type build struct {
	once sync.Once
	path string
	err  error
}

// binary returns cmd/privacydesk's test binary, built with the race
// detector if the tests have it and race is true. Started with
// programArgs, it is the privacydesk program run with test timings, which
// the real binary does not offer as settings.
func binary(t *testing.T, race bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real binary; skipped under -short")
	}
	race = race && raceEnabled
	b := builds[race]
	b.once.Do(func() {
		b.path = filepath.Join(binDir, "privacydesk")
		args := []string{"test", "-c", "-o", b.path}
		if race {
			b.path += "-race"
			args = []string{"test", "-c", "-race", "-o", b.path}
		}
		args = append(args, "github.com/kactoily/privacydesk/cmd/privacydesk")
		out, err := exec.Command(goTool(), args...).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go test -c: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// freeAddr returns a loopback address with a port nothing listens on, so a
// server can be restarted on the same port (and its emailed links keep working).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// settings are what a server process is started with.
type settings struct {
	DBURL   string
	DataDir string
	SMTPURL string // "" writes .eml files
	Demo    bool
	NoRace  bool              // run the binary built without the race detector
	Env     map[string]string // more PRIVACYDESK_* variables
	// JobTimeout is how long a job may run (0: the program's default); a
	// killed process's jobs are run again a fifth later.
	JobTimeout time.Duration
}

// programArgs are the arguments that run the test binary as the privacydesk
// command args, with the test timings of s: idle workers look for jobs
// every 50 ms.
func (s *server) programArgs(args ...string) []string {
	pre := []string{"as-privacydesk", "--job-poll", "50ms"}
	if s.cfg.JobTimeout > 0 {
		pre = append(pre, "--job-timeout", s.cfg.JobTimeout.String())
	}
	return append(append(pre, "--"), args...)
}

// server is one `privacydesk serve` process that can be killed and started
// again on the same address, database and data folder.
type server struct {
	t    *testing.T
	name string
	cfg  settings
	Addr string // 127.0.0.1:PORT
	URL  string // http://127.0.0.1:PORT
	Out  *syncBuffer
	Logs *syncBuffer

	cmd  *exec.Cmd
	done chan struct{}
	runs int
}

func newServer(t *testing.T, name string, cfg settings) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{t: t, name: name, cfg: cfg, Addr: addr, URL: "http://" + addr, Out: &syncBuffer{}, Logs: &syncBuffer{}}
	t.Cleanup(func() {
		if s.running() {
			s.Kill()
		}
		if strings.Contains(s.Logs.String(), "WARNING: DATA RACE") {
			t.Errorf("%s: the race detector found a data race in the server:\n%s", s.name, s.Logs.String())
		}
	})
	return s
}

// environ is the process environment: the test's own without any
// PRIVACYDESK_* setting, plus the server's.
func (s *server) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRIVACYDESK_") {
			env = append(env, kv)
		}
	}
	set := map[string]string{
		"PRIVACYDESK_DATABASE_URL":  s.cfg.DBURL,
		"PRIVACYDESK_DATA_DIR":      s.cfg.DataDir,
		"PRIVACYDESK_SMTP_URL":      s.cfg.SMTPURL,
		"PRIVACYDESK_SUPPORT_EMAIL": supportEmail,
		"PRIVACYDESK_METRICS_ADDR":  "127.0.0.1:0", // several instances run on one machine
	}
	for k, v := range s.cfg.Env {
		set[k] = v
	}
	for k, v := range set {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

const supportEmail = "privacy-team@kactoily.example"

// command runs another privacydesk command (migrate, audit verify) with
// the server's settings and returns its output.
func (s *server) command(args ...string) (string, error) {
	cmd := exec.Command(binary(s.t, !s.cfg.NoRace), s.programArgs(args...)...)
	cmd.Env = s.environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *server) running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Start starts the process and waits until it serves HTTP.
func (s *server) Start() {
	s.t.Helper()
	args := []string{"serve", "--addr", s.Addr}
	if s.cfg.Demo {
		args = append(args, "--demo")
	}
	s.runs++
	fmt.Fprintf(s.Logs, "--- %s run %d\n", s.name, s.runs)
	from := s.Out.Len()
	s.cmd = exec.Command(binary(s.t, !s.cfg.NoRace), s.programArgs(args...)...)
	s.cmd.Env = s.environ()
	s.cmd.Stdout, s.cmd.Stderr = s.Out, s.Logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	deadline := time.After(90 * time.Second)
	for !strings.Contains(s.Out.String()[from:], "privacy center: ") {
		select {
		case <-s.done:
			s.t.Fatalf("%s exited before serving:\n%s", s.name, tail(s.Logs.String(), 4000))
		case <-deadline:
			s.Kill()
			s.t.Fatalf("%s did not serve within 90s:\n%s", s.name, tail(s.Logs.String(), 4000))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Kill ends the process with SIGKILL, as a crash or an OOM kill would.
func (s *server) Kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop asks the process to shut down (SIGTERM) and waits for it.
func (s *server) Stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			s.t.Errorf("%s exited with %d after SIGTERM:\n%s", s.name, code, tail(s.Logs.String(), 4000))
		}
	case <-time.After(30 * time.Second):
		s.Kill()
		s.t.Errorf("%s did not stop within 30s of SIGTERM", s.name)
	}
}

// demoLogin returns the demo staff login of a role printed on the first start.
func (s *server) demoLogin(role string) (email, password string) {
	s.t.Helper()
	for _, line := range strings.Split(s.Out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "demo "+role+" login: "); ok {
			if e, p, ok := strings.Cut(rest, " / "); ok {
				return e, strings.TrimSpace(p)
			}
		}
	}
	s.t.Fatalf("%s printed no demo %s login:\n%s", s.name, role, s.Out.String())
	return "", ""
}

// auditVerify runs `privacydesk audit verify` on the server's database.
func (s *server) auditVerify() {
	s.t.Helper()
	out, err := s.command("audit", "verify")
	if err != nil || !strings.Contains(out, "audit trail intact") {
		s.t.Fatalf("audit verify: %v\n%s", err, out)
	}
	s.t.Logf("%s: %s", s.name, strings.TrimSpace(out))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// openDB opens the database the servers use, for the test to read.
func openDB(t *testing.T, url string) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), url, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
