package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// syncBuffer is an io.Writer the server writes to while the test reads it.
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

// instance is a real Privacy Desk server started by run() on a free port.
type instance struct {
	URL    string
	DBURL  string
	Mail   *smtptest.Server
	Client *http.Client
	Logs   *syncBuffer // stderr
	Out    *syncBuffer // stdout
	env    map[string]string
	stop   func()

	// MetricsURL is /metrics on the separate metrics listener.
	MetricsURL string
}

var listenRE = regexp.MustCompile(`privacy center: (http://\S+)/\n`)

var metricsRE = regexp.MustCompile(`metrics on (http://\S+/metrics)\n`)

// boot starts the whole application as `privacydesk serve` would run, with
// a fresh database of the dialect and mail going to an in-process SMTP server.
func boot(t *testing.T, dialect string, extraArgs ...string) *instance {
	t.Helper()
	dbURL := testdb.URL(t, dialect)
	return bootWith(t, dbURL, smtptest.Start(t), extraArgs...)
}

func bootWith(t *testing.T, dbURL string, smtp *smtptest.Server, extraArgs ...string) *instance {
	t.Helper()
	env := map[string]string{
		"PRIVACYDESK_DATA_DIR":      t.TempDir(),
		"PRIVACYDESK_DATABASE_URL":  dbURL,
		"PRIVACYDESK_SMTP_URL":      smtp.URL(),
		"PRIVACYDESK_SUPPORT_EMAIL": "privacy-team@kactoily.example",
	}
	in := startServer(t, env, extraArgs...)
	in.Mail = smtp
	return in
}

// testOptions are the options every server a test starts runs with: idle
// workers look for jobs every 50 ms, so a test sees a job done soon after
// it is queued.
func testOptions() options { return options{JobPoll: 50 * time.Millisecond} }

// startServer runs `privacydesk serve` on a free port with env as its whole
// environment and testOptions, waits until it listens, and stops it when
// the test ends.
func startServer(t *testing.T, env map[string]string, extraArgs ...string) *instance {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, extraArgs...)
	go func() { done <- runWith(ctx, args, envFunc(env), stdout, stderr, testOptions()) }()
	var addr string
	deadline := time.Now().Add(60 * time.Second)
	for addr == "" {
		if m := listenRE.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("server exited before listening: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start within 60s\n%s", stderr.String())
		}
	}
	jar, _ := cookiejar.New(nil)
	in := &instance{
		URL: addr, DBURL: env["PRIVACYDESK_DATABASE_URL"], Logs: stderr, Out: stdout, env: env,
		Client: &http.Client{Jar: jar, Timeout: 20 * time.Second},
	}
	if m := metricsRE.FindStringSubmatch(stdout.String()); m != nil {
		in.MetricsURL = m[1]
	}
	stopped := false
	in.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server exited with error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not shut down within 30s")
		}
	}
	t.Cleanup(in.stop)
	return in
}

// noRedirect returns a client like c that hands back redirects instead of following them.
func noRedirect(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func contains(t *testing.T, body, want string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("page does not contain %q:\n%s", want, body)
	}
}

func regexpFind(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindString(s)
	if m == "" {
		t.Fatalf("no %s in %q", pattern, s)
	}
	return m
}
