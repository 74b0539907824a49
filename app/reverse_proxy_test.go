package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// clientFrom returns a client whose connections come from a loopback
// address of its own (127.0.0.2, 127.0.0.3, …), as two people on two
// networks would reach the load balancer.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signInVia posts the sign-in form to base from c; forwarded, if not
// empty, is an X-Forwarded-For the client itself sends (a forgery).
func signInVia(t *testing.T, c *http.Client, base, email, password, forwarded string) int {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/staff/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if forwarded != "" {
		req.Header.Set("X-Forwarded-For", forwarded)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("sign in via %s: %v", base, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestBehindAReverseProxyOneClientsFailedSignInsDoNotLockOutAnother(t *testing.T) {
	t.Parallel()
	limits := app.Limits{IntakePerIP: 1000, ResendPerIP: 1000, ResendPerMail: 1000,
		LoginPerIP: 12, LoginPerAccount: 6, LoginPerSite: 1000, Window: time.Hour}
	for _, tc := range []struct {
		name    string
		trusted []string // PRIVACYDESK_TRUSTED_PROXIES
		spray   bool     // the attacker tries a new account each time (else their own, again and again)
		victim  int      // what the other client's right password gets
	}{
		// The proxy is trusted: each client is limited by its own address,
		// and forged X-Forwarded-For values do not change it.
		{"trusted proxy, attacker sprays accounts", []string{"127.0.0.1/32"}, true, http.StatusSeeOther},
		{"trusted proxy, attacker fails on their account", []string{"127.0.0.1/32"}, false, http.StatusSeeOther},
		// Not trusted (the default): every client has the proxy's address,
		// but the limit per address and account still keeps them apart.
		{"untrusted proxy, attacker fails on their account", nil, false, http.StatusSeeOther},
		// … while the limit per address, all accounts, is then shared:
		// what PRIVACYDESK_TRUSTED_PROXIES is for.
		{"untrusted proxy, attacker sprays accounts", nil, true, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: limits, NoJobs: true, TrustedProxies: tc.trusted})
				a.AddStaff(t, "mallory@kactoily.example", "Mallory Agent", models.RoleAgent)
				pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
				target, err := url.Parse(a.URL())
				if err != nil {
					t.Fatal(err)
				}
				proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target)) // on 127.0.0.1
				t.Cleanup(proxy.Close)
				attacker, victim := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")

				limited := 0
				for i := range 30 {
					email := "mallory@kactoily.example"
					if tc.spray {
						email = "guess" + strconv.Itoa(i) + "@kactoily.example"
					}
					switch code := signInVia(t, attacker, proxy.URL, email, "not the password", "198.51.100."+strconv.Itoa(i)); code {
					case http.StatusTooManyRequests:
						limited++
					case http.StatusUnauthorized:
					default:
						t.Fatalf("attacker's sign-in %d: %d", i, code)
					}
				}
				if want := 30 - limits.LoginPerAccount; !tc.spray && limited != want {
					t.Errorf("attacker limited %d times of 30 on one account, want %d", limited, want)
				}
				if want := 30 - limits.LoginPerIP; tc.spray && limited != want {
					t.Errorf("attacker limited %d times of 30 across accounts, want %d", limited, want)
				}
				if got := signInVia(t, victim, proxy.URL, "sam@kactoily.example", pw, ""); got != tc.victim {
					t.Fatalf("the other client's right password through the proxy: %d, want %d", got, tc.victim)
				}
			})
		})
	}
}

func TestForwardedForFromAnUntrustedPeerIsIgnored(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		limits := app.Limits{LoginPerIP: 3, LoginPerAccount: 100, LoginPerSite: 1000, Window: time.Hour}
		// Only 10.9.9.9 is a trusted proxy; this client is not, and names a
		// new address in every request to dodge its limit.
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: limits, NoJobs: true, TrustedProxies: []string{"10.9.9.9/32"}})
		c := clientFrom(t, "127.0.0.4")
		for i := range 3 {
			if got := signInVia(t, c, a.URL(), "x"+strconv.Itoa(i)+"@kactoily.example", "nope", "203.0.113."+strconv.Itoa(i)); got != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d, want 401", i, got)
			}
		}
		if got := signInVia(t, c, a.URL(), "y@kactoily.example", "nope", "203.0.113.99"); got != http.StatusTooManyRequests {
			t.Fatalf("fourth attempt with a forged X-Forwarded-For: %d, want 429", got)
		}
	})
}
