package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
)

// TestServeAppliesTheIntakeRateSetting proves `serve` limits filings per
// client IP to PRIVACYDESK_INTAKE_RATE_PER_IP, both above the default of 20
// (the setting lifts it) and below it: the filing after the limit, from a
// new address each time so the per-email limit never applies, is a 429.
func TestServeAppliesTheIntakeRateSetting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, limit := range []int{22, 3} {
			in := boot(t, dialect, "--intake-rate-per-ip", fmt.Sprint(limit), "--workers=false")
			file := func(n int) int {
				body := fmt.Sprintf(`{"type":"access","email":"limit.%d.%d@example.org","name":"Limit %d"}`, limit, n, n)
				resp, err := in.Client.Post(in.URL+"/api/v1/requests", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			for n := 1; n <= limit; n++ {
				if code := file(n); code != http.StatusAccepted {
					t.Fatalf("limit %d: filing %d answered %d, want 202", limit, n, code)
				}
			}
			if code := file(limit + 1); code != http.StatusTooManyRequests {
				t.Fatalf("limit %d: filing %d answered %d, want 429", limit, limit+1, code)
			}
			in.stop()
		}
	})
}
