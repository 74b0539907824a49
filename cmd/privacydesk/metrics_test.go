package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
)

// TestServeKeepsMetricsOffThePublicListener boots the real server and
// proves /metrics answers 404 on the public address and is served, with
// the site's traffic and the process's own metrics, by the separate
// metrics listener on the loopback interface; with "none" there is none.
func TestServeKeepsMetricsOffThePublicListener(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		if code, body := get(t, in.Client, in.URL+"/metrics"); code != 404 || strings.Contains(body, "# TYPE") {
			t.Fatalf("public /metrics: %d, want 404 without metrics\n%.300s", code, body)
		}
		u, err := url.Parse(in.MetricsURL)
		if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" {
			t.Fatalf("metrics listener %q (%v), want one on 127.0.0.1; stdout:\n%s", in.MetricsURL, err, in.Out.String())
		}
		code, body := get(t, in.Client, in.MetricsURL)
		if code != 200 {
			t.Fatalf("metrics listener: %d\n%s", code, body)
		}
		contains(t, body, `privacydesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`)
		contains(t, body, "go_goroutines")
		if code, _ := get(t, in.Client, strings.TrimSuffix(in.MetricsURL, "/metrics")+"/"); code != 404 {
			t.Fatalf("metrics listener serves the site's home page: %d", code)
		}

		off := boot(t, dialect, "--metrics-addr", "none")
		if off.MetricsURL != "" || strings.Contains(off.Out.String(), "metrics on") {
			t.Fatalf("with --metrics-addr none a metrics listener started:\n%s", off.Out.String())
		}
	})
}
