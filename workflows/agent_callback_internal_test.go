package workflows

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCallbackClientRefusesInternalAddresses shows the status callback
// client never connects to a loopback server unless internal callbacks
// are allowed (the test-only setting), and which addresses count as public.
func TestCallbackClientRefusesInternalAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader("{}"))
	if _, err := callbackClient(false).Do(req); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Fatalf("callback to %s: err %v, want a refusal", srv.URL, err)
	}
	if hits.Load() != 0 {
		t.Fatal("the refused callback reached the server")
	}
	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader("{}"))
	resp, err := callbackClient(true).Do(req)
	if err != nil {
		t.Fatalf("callback with internal callbacks allowed: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatal("the allowed callback did not arrive")
	}
	for addr, public := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "192.168.0.1": false, "172.16.0.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "8.8.8.8": true, "2001:4860:4860::8888": true,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}
