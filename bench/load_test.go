package bench_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// load is a run of the load generator.
type load struct {
	OK       int
	Failed   int
	FirstErr string
	Elapsed  time.Duration
	Lat      []time.Duration // of the successful requests
}

func (l load) rate() float64 { return float64(l.OK) / l.Elapsed.Seconds() }

// poster sends JSON POSTs over keep-alive connections, at most conns at once.
type poster struct {
	client *http.Client
	seq    atomic.Int64 // numbers the bodies, so every request is new
}

func newPoster(conns int) *poster {
	return &poster{client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		IdleConnTimeout: time.Minute,
	}}}
}

func (p *poster) close() { p.client.CloseIdleConnections() }

// post sends one request with the next body and returns how long it took.
func (p *poster) post(url string, body func(n int64) []byte, want int) (time.Duration, error) {
	b := body(p.seq.Add(1))
	start := time.Now()
	resp, err := p.client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != want {
		return took, fmt.Errorf("POST %s: %d, want %d: %.200s", url, resp.StatusCode, want, msg)
	}
	return took, nil
}

// closedLoop keeps conc requests in flight for d: each worker sends its
// next request as soon as the last one is answered.
func (p *poster) closedLoop(url string, conc int, d time.Duration, body func(n int64) []byte, want int) load {
	stop := make(chan struct{})
	t := time.AfterFunc(d, func() { close(stop) })
	defer t.Stop()
	return p.closedLoopUntil(url, conc, stop, body, want)
}

// closedLoopUntil is closedLoop until stop is closed.
func (p *poster) closedLoopUntil(url string, conc int, stop <-chan struct{}, body func(n int64) []byte, want int) load {
	var mu sync.Mutex
	var res load
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var ok, failed int
			var first error
			for !closed(stop) {
				took, err := p.post(url, body, want)
				if err != nil {
					failed++
					if first == nil {
						first = err
					}
					continue
				}
				ok++
				lat = append(lat, took)
			}
			mu.Lock()
			res.OK += ok
			res.Failed += failed
			res.Lat = append(res.Lat, lat...)
			if first != nil && res.FirstErr == "" {
				res.FirstErr = first.Error()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// closed reports whether c is closed.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// openLoop sends rate requests per second until stop is closed, each
// request on its own schedule whether or not earlier ones were answered
// (at most 64 outstanding), so a stall shows up as latency instead of
// fewer requests.
func (p *poster) openLoop(url string, rate int, stop <-chan struct{}, body func(n int64) []byte, want int) load {
	var mu sync.Mutex
	var res load
	var wg sync.WaitGroup
	slots := make(chan struct{}, 64)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			res.Failed++
			if res.FirstErr == "" {
				res.FirstErr = "64 requests outstanding"
			}
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			took, err := p.post(url, body, want)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if res.FirstErr == "" {
					res.FirstErr = err.Error()
				}
				return
			}
			res.OK++
			res.Lat = append(res.Lat, took)
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}
