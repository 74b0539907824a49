package bench_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// heavySite is the application's workflows on a copy of the heavy store,
// wired as serve wires them (store and app in one SQLite database, emails
// written as .eml files, exports under the data dir).
type heavySite struct {
	DB    *models.DB
	Svc   *workflows.Service // workers off: the benchmark runs Fulfil itself
	Admin *models.StaffUser
	Watch *txWatch // with watch: every write transaction
	deps  workflows.Deps
}

func openHeavySite(tb testing.TB, dbURL string, watch bool) *heavySite {
	tb.Helper()
	ctx := context.Background()
	clock := func() time.Time { return heavyNow }
	db, err := models.Open(ctx, dbURL, models.OpenOptions{Now: clock})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	h := &heavySite{DB: db}
	if watch {
		h.Watch = watchWrites(tb, db)
	}
	renderer, err := mail.NewRenderer(templates.FS)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	h.deps = workflows.Deps{
		DB: db, Mailer: &mail.FileMailer{Dir: filepath.Join(dir, "mail")}, Renderer: renderer,
		Log: slog.New(slog.DiscardHandler), Now: clock,
		Settings: workflows.Settings{BaseURL: "http://127.0.0.1:8080", DataDir: dir, MailFrom: "privacy@kactoily.example",
			SupportEmail: "privacy-team@kactoily.example", ThirdParties: org.Default().ThirdParties},
		Jobs: workflows.JobOptions{Disabled: true},
	}
	if h.Svc, err = workflows.NewService(ctx, h.deps); err != nil {
		tb.Fatal(err)
	}
	h.Admin, err = h.Svc.AddStaff(ctx, workflows.NewStaff{Email: "bench.admin@kactoily.example", Name: "Bench Admin",
		Role: "admin", Password: "bench-admin-password"})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// approved files a request of typ for the heavy customer as an admin who
// confirmed their identity, lets River workers run the per-source
// collection jobs as in production, stops them, and approves the request,
// which leaves it fulfilling with its fulfil job queued but not worked. It
// returns the request id and how long collection took (from filing to
// every source collected).
func (h *heavySite) approved(tb testing.TB, typ string) (string, time.Duration) {
	tb.Helper()
	ctx := context.Background()
	deps := h.deps
	deps.Jobs = workflows.JobOptions{PollInterval: 10 * time.Millisecond}
	workers, err := workflows.NewService(ctx, deps)
	if err != nil {
		tb.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := workers.Start(wctx); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	r, err := workers.FileOnBehalf(ctx, h.Admin, workflows.NewRequest{Type: typ, Email: heavyEmail, Name: "Hedda Heavyweight"},
		"Identity confirmed on a call with the customer.")
	if err != nil {
		tb.Fatal(err)
	}
	waitStatus(tb, h.DB, r.ID, models.StatusAwaitingApproval, 5*time.Minute)
	took := time.Since(start)
	sctx, scancel := context.WithTimeout(ctx, time.Minute)
	defer scancel()
	if err := workers.Stop(sctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := h.Svc.Approve(ctx, h.Admin, r.ID); err != nil {
		tb.Fatal(err)
	}
	return r.ID, took
}

// waitStatus polls until the request has status, failing on a collection
// error or after limit.
func waitStatus(tb testing.TB, db *models.DB, id, status string, limit time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for {
		r, err := models.FindRequest(context.Background(), db.DB, id)
		if err != nil {
			tb.Fatal(err)
		}
		if r.Status == status {
			return
		}
		if time.Now().After(deadline) {
			cs, _ := models.CollectionsFor(context.Background(), db.DB, id)
			tb.Fatalf("request %s is %s after %v, want %s; collections %+v", id, r.Status, limit, status, cs)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// collectedRecords sums the record counts the collection jobs stored.
func collectedRecords(tb testing.TB, db *models.DB, id string) map[string]int {
	tb.Helper()
	cs, err := models.CollectionsFor(context.Background(), db.DB, id)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range cs {
		var counts map[string]int
		if err := json.Unmarshal([]byte(c.Counts), &counts); err != nil {
			tb.Fatal(err)
		}
		for k, n := range counts {
			out[k] += n
		}
	}
	return out
}

// heapWatch samples the Go heap in use (HeapInuse: live and not yet
// collected objects, and the free space inside their spans) every
// millisecond through runtime/metrics, which does not stop the world.
type heapWatch struct {
	base uint64
	peak atomic.Uint64
	done chan struct{}
	wg   sync.WaitGroup
}

var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}

func heapInuse(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// watchHeap collects garbage, takes the heap in use as the baseline, and
// starts sampling.
func watchHeap() *heapWatch {
	s := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		s[i].Name = name
	}
	runtime.GC()
	w := &heapWatch{base: heapInuse(s), done: make(chan struct{})}
	w.peak.Store(w.base)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				if v := heapInuse(s); v > w.peak.Load() {
					w.peak.Store(v)
				}
			}
		}
	}()
	return w
}

// stop ends sampling and returns the largest growth over the baseline.
func (w *heapWatch) stop() uint64 {
	close(w.done)
	w.wg.Wait()
	return w.peak.Load() - w.base
}
