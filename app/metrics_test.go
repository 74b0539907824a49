package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// getMetrics sends a request to the app's separate metrics listener.
func getMetrics(t *testing.T, a *testapp.App, path string) answer {
	t.Helper()
	return sendTo(t, a.Metrics.URL, http.MethodGet, path)
}

func sendTo(t *testing.T, base, method, path string) answer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// TestMetricsAreServedOnlyOnTheMetricsListener proves the public site
// answers 404 for /metrics, while the metrics listener serves the counts
// of the public site's traffic, and serves nothing else.
func TestMetricsAreServedOnlyOnTheMetricsListener(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, path := range []string{"/metrics", "/metrics/", "/metrics?format=text", "/METRICS"} {
			pub := get(t, a, path)
			if pub.Status != http.StatusNotFound || strings.Contains(pub.Body, "# TYPE") {
				t.Errorf("public %s: %d, want 404 without metrics:\n%.300s", path, pub.Status, pub.Body)
			}
		}
		m := getMetrics(t, a, "/metrics")
		if m.Status != http.StatusOK || !strings.Contains(m.Body, `privacydesk_http_requests_total{code="404",method="GET",route="unmatched"} 4`) {
			t.Fatalf("metrics listener /metrics: %d\n%s", m.Status, m.Body)
		}
		wantSecurityHeaders(t, "metrics listener", m.Header)
		for _, tc := range []struct{ method, path string }{{"GET", "/"}, {"GET", "/healthz"}, {"GET", "/staff/login"}, {"GET", "/requests/new"}, {"POST", "/metrics"}} {
			if ans := sendTo(t, a.Metrics.URL, tc.method, tc.path); ans.Status != http.StatusNotFound && ans.Status != http.StatusMethodNotAllowed {
				t.Errorf("metrics listener %s %s: %d, want 404 or 405", tc.method, tc.path, ans.Status)
			}
		}
	})
}
