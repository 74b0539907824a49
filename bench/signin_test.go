package bench_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/models"
)

// procStatus reads a field of /proc/self/status in bytes (VmRSS, VmHWM).
func procStatus(tb testing.TB, field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestSignInMemoryReport fires 60 sign-ins at once, each from its own
// address (X-Forwarded-For through a trusted loopback proxy), at the real
// server and handler, with the default bound on password checks, and
// reports the peak growth of the Go heap and the process's peak RSS.
func TestSignInMemoryReport(t *testing.T) {
	reportOnly(t)
	a := testapp.New(t, models.DialectSQLite, testapp.Options{DBSessions: true, NoJobs: true,
		TrustedProxies: []string{"127.0.0.1/32"}, Limits: app.Limits{LoginPerSite: 1 << 20}})
	pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM to the current RSS
	rss0 := procStatus(t, "VmRSS")
	heap := watchHeap()
	start := make(chan struct{})
	codes := make([]int, 60)
	lat := make([]time.Duration, 60)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			c := a.NewClient()
			password := "wrong password"
			if i%2 == 0 {
				password = pw
			}
			form := url.Values{"email": {"user" + strconv.Itoa(i) + "@kactoily.example"}, "password": {password}}
			if i%10 == 0 {
				form.Set("email", "sam@kactoily.example")
			}
			req, _ := http.NewRequest(http.MethodPost, a.URL()+"/staff/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i+1))
			<-start
			t0 := time.Now()
			resp, err := c.Do(req)
			lat[i] = time.Since(t0)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	growth := heap.stop()
	hwm := procStatus(t, "VmHWM")
	byCode := map[int]int{}
	for _, c := range codes {
		byCode[c]++
	}
	say("\n### Sign-in: 60 at once, each from its own address, SQLite, default bound on password checks")
	say("| measure | value |")
	say("|---|--:|")
	say("| answers | %v |", byCode)
	say("| latency p50 / max | %s / %s |", millis(quantile(lat, 0.5)), millis(quantile(lat, 1)))
	say("| peak Go heap growth (HeapInuse) | %s |", mib(growth))
	say("| peak RSS (VmHWM) / RSS before | %s / %s |", mib(hwm), mib(rss0))
	say("")
	target("signin-memory", fmt.Sprintf("%.1fMiB", float64(growth)/(1<<20)), "<=128MiB", growth <= 128<<20)
}
