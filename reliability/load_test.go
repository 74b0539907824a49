package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// Load: intake clients, staff clients, and how long it lasts.
const (
	intakeClients = 200
	noisyClients  = 20 // of the intake clients, sharing two addresses
	staffClients  = 20
	loadDuration  = 60 * time.Second
	perEmail      = 5 // new requests per email and type per hour (workflows)
)

// intakePerIP is how many filings an address may make an hour: serve runs
// with the default limits.
var intakePerIP = app.DefaultLimits.IntakePerIP

// srcIPKey carries the loopback address a request is sent from.
type srcIPKey struct{}

// loopbackClient sends each request from the address in its context (any of
// 127.0.0.0/8 reaches the server), so the server sees many clients.
func loopbackClient(keepAlive bool) *http.Client {
	tr := &http.Transport{
		DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 4,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 10 * time.Second}
			if ip, ok := ctx.Value(srcIPKey{}).(net.IP); ok {
				d.LocalAddr = &net.TCPAddr{IP: ip}
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// loopbackIP returns the nth of about 15 million loopback addresses.
func loopbackIP(n uint64) net.IP {
	return net.IPv4(127, byte(1+n/62500%250), byte(1+n/250%250), byte(1+n%250))
}

// loadResults tallies what the clients saw.
type loadResults struct {
	mu        sync.Mutex
	codes     map[string]map[int]int // by what was asked
	latencies map[string][]time.Duration
	failures  []string
	filed     []*filing
	limited   map[string]int // 429s by key (address or email)
	accepted  map[string]int // accepted filings by key
}

func (r *loadResults) record(what string, code int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.codes[what] == nil {
		r.codes[what] = map[int]int{}
	}
	r.codes[what][code]++
	r.latencies[what] = append(r.latencies[what], took)
}

func (r *loadResults) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) < 50 {
		r.failures = append(r.failures, fmt.Sprintf(format, args...))
	}
}

// TestLoadIntakeAndStaffQueueNoServerErrorsEveryAcceptedRowStored runs
// 200 intake clients (API and form) and 20 signed-in staff clients on the
// queue against the real binary for 60 seconds, over loopback only. 180
// intake clients send each request from another loopback address; 20 share
// two addresses, and a few keep filing for one email. No answer may be a
// 5xx or a dropped connection; every 202 (and every form 303) has its row in
// the database; the shared addresses get exactly their 20 filings an hour
// and then 429 with Retry-After, as the per-address limit is designed, and
// one email gets 5 requests of a type an hour, then 429 with Retry-After.
// Only with PRIVACYDESK_LONG=1.
func TestLoadIntakeAndStaffQueueNoServerErrorsEveryAcceptedRowStored(t *testing.T) {
	if !longTests() {
		t.Skip("the load test runs with PRIVACYDESK_LONG=1")
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		// Emails are written as .eml files: this is about intake, not mail.
		// The server is built without the race detector, which would slow
		// it several times over and measure the detector.
		srv := newServer(t, "privacydesk", settings{DBURL: testdb.URL(t, dialect), DataDir: t.TempDir(), Demo: true, NoRace: true})
		srv.Start()
		db := openDB(t, srv.cfg.DBURL)
		var staff []*http.Client
		for i := range staffClients {
			role := []string{"admin", "agent"}[i%2]
			email, pass := srv.demoLogin(role)
			staff = append(staff, signIn(t, srv.URL, email, pass))
		}

		res := &loadResults{codes: map[string]map[int]int{}, latencies: map[string][]time.Duration{},
			limited: map[string]int{}, accepted: map[string]int{}}
		ctx, cancel := context.WithTimeout(context.Background(), loadDuration)
		defer cancel()
		var addrs atomic.Uint64
		var wg sync.WaitGroup
		for i := range intakeClients {
			wg.Go(func() { intakeClient(ctx, srv.URL, i, &addrs, res) })
		}
		for i, c := range staff {
			wg.Go(func() { staffClient(ctx, srv.URL, i, c, res) })
		}
		wg.Wait()
		srv.Stop()

		for what, codes := range res.codes {
			t.Logf("%-12s %6d answers %v, latency %s", what, sum(codes), codes, percentiles(res.latencies[what]))
		}
		for _, f := range res.failures {
			t.Error(f)
		}
		for what, codes := range res.codes {
			for code, n := range codes {
				if code >= 500 {
					t.Errorf("%s: %d answers with %d", what, n, code)
				}
			}
		}
		for _, key := range []string{"noisy 0", "noisy 1"} {
			if res.accepted[key] != intakePerIP || res.limited[key] == 0 {
				t.Errorf("%s: %d filings accepted, %d limited; want exactly %d accepted, then 429s", key, res.accepted[key], res.limited[key], intakePerIP)
			}
		}
		if res.accepted["same email"] != perEmail || res.limited["same email"] == 0 {
			t.Errorf("one email: %d accepted, %d limited; want exactly %d, then 429s", res.accepted["same email"], res.limited["same email"], perEmail)
		}
		if n := len(res.filed); n < 300 {
			t.Errorf("only %d filings accepted in %v", n, loadDuration)
		}
		reqs := requestRows(t, db)
		checkAccepted(t, reqs, res.filed)
		t.Logf("%d filings accepted, %d requests in the database", len(res.filed), len(reqs))
	})
}

// intakeClient files requests until ctx ends: from a new address each time,
// or (the noisy ones) from a shared address, or for one email.
func intakeClient(ctx context.Context, base string, i int, addrs *atomic.Uint64, res *loadResults) {
	noisy := i >= intakeClients-noisyClients
	sameEmail := i < 2
	c := loopbackClient(noisy)
	rng := rand.New(rand.NewPCG(uint64(i), 1))
	for n := 0; ctx.Err() == nil; n++ {
		f := &filing{Type: models.RequestTypes[n%3], Email: fmt.Sprintf("load-%d-%d@example.com", i, n), API: (i+n)%2 == 0}
		ip, key := loopbackIP(addrs.Add(1)), ""
		switch {
		case noisy:
			key = fmt.Sprintf("noisy %d", i%2)
			ip = net.IPv4(127, 0, 0, byte(66+i%2))
		case sameEmail:
			// Opt-outs: a repeated access request would be merged, not limited.
			key, f.Type, f.Email = "same email", models.TypeOptOut, "same.person@example.com"
		}
		rctx := context.WithValue(ctx, srcIPKey{}, ip)
		start := time.Now()
		a, ok, err := fileCtx(rctx, c, base, f)
		if ctx.Err() != nil {
			return // the load is over; the request may have been cut short
		}
		what := map[bool]string{true: "intake api", false: "intake form"}[f.API]
		if err != nil {
			res.fail("%s from %s: %v", what, ip, err)
			continue
		}
		res.record(what, a.Code, time.Since(start))
		res.mu.Lock()
		switch {
		case ok:
			res.filed = append(res.filed, f)
			res.accepted[key]++
		case a.Code == http.StatusTooManyRequests:
			res.limited[key]++
		}
		res.mu.Unlock()
		switch {
		case ok:
		case a.Code == http.StatusTooManyRequests && key == "":
			res.fail("%s from a fresh address %s was rate limited", what, ip)
		case a.Code == http.StatusTooManyRequests:
			if s, err := strconv.Atoi(a.Header.Get("Retry-After")); err != nil || s < 1 || s > 3600 {
				res.fail("429 to %s with Retry-After %q", key, a.Header.Get("Retry-After"))
			}
		default:
			res.fail("%s for %s: %d %.200s", what, f.Email, a.Code, a.Body)
		}
		time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
	}
}

// staffClient reads the queue, filtered and searched, and request pages.
func staffClient(ctx context.Context, base string, i int, c *http.Client, res *loadResults) {
	pages := []string{"", "?type=access", "?type=deletion&status=pending_verification", "?q=load-1", "?hidden=true", "?due=overdue"}
	rng := rand.New(rand.NewPCG(uint64(i), 2))
	for n := 0; ctx.Err() == nil; n++ {
		u := base + "/staff/queue" + pages[n%len(pages)]
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		a, err := do(c, req)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			res.fail("staff %s: %v", u, err)
			continue
		}
		res.record("staff queue", a.Code, time.Since(start))
		if a.Code != http.StatusOK {
			res.fail("staff %s: %d %.200s", u, a.Code, a.Body)
		}
		if ids := requestIDRE.FindAllString(a.Body, -1); len(ids) > 0 {
			start = time.Now()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/staff/requests/"+ids[rng.IntN(len(ids))], nil)
			a, err := do(c, req)
			if ctx.Err() != nil {
				return
			}
			if err != nil || a.Code != http.StatusOK {
				res.fail("staff request page: %d %v", a.Code, err)
				continue
			}
			res.record("staff page", a.Code, time.Since(start))
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
	}
}

// fileCtx is file with a context (which carries the source address).
func fileCtx(ctx context.Context, c *http.Client, base string, f *filing) (answer, bool, error) {
	cc := *c
	cc.Transport = ctxTransport{ctx, c.Transport}
	return file(&cc, base, f)
}

// ctxTransport sends every request with its context.
type ctxTransport struct {
	ctx context.Context
	rt  http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.rt.RoundTrip(r.WithContext(t.ctx))
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	slices.Sort(ds)
	p := func(q float64) time.Duration { return ds[int(q*float64(len(ds)-1))].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %v p95 %v p99 %v max %v", p(.5), p(.95), p(.99), ds[len(ds)-1].Round(time.Millisecond))
}
