package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// crashJobTimeout is the job timeout the crash test runs the server with,
// so River takes a job left running by a killed process to be dead within
// seconds (JobTimeout plus a fifth) instead of minutes.
const crashJobTimeout = 10 * time.Second

// A trial kills the server at a random moment, or a random moment after
// something starts: collecting records (just verified), building an export
// or erasing records (just approved), or sending email (just filed).
var crashPhases = []struct{ name, after string }{
	{"random", ""},
	{"collection", "verified"},
	{"export", "approved access"},
	{"erasure", "approved deletion"},
	{"email", "filed"},
}

// TestCrashRecoveryKillNineLosesNothingAndDoesNothingTwice runs the real
// binary, files access, deletion and opt-out requests through the API and
// the form, verifies and approves them, and kills the process with SIGKILL
// at random points while it collects, exports, erases and sends email,
// restarting it on the same database each time. At the end it lets the
// server finish and proves: every accepted request exists and completed;
// every job ended; every email arrived exactly once (a duplicate is only
// allowed for a send whose process died mid-send, and is counted and
// reported); every completed deletion erased every source fully; every
// access request has one intact export whose emailed link works; and the
// audit chain verifies. PRIVACYDESK_LONG=1 runs 24 trials, otherwise 4.
func TestCrashRecoveryKillNineLosesNothingAndDoesNothingTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		trials := 4
		if longTests() {
			trials = 24
		}
		seed := uint64(time.Now().UnixNano())
		if s, err := strconv.ParseUint(os.Getenv("PRIVACYDESK_CRASH_SEED"), 10, 64); err == nil {
			seed = s
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		t.Logf("seed %d (set PRIVACYDESK_CRASH_SEED to replay the kill timings)", seed)

		mail := smtptest.Start(t)
		srv := newServer(t, "privacydesk", settings{
			DBURL: testdb.URL(t, dialect), DataDir: t.TempDir(), SMTPURL: mail.URL(), Demo: true,
			JobTimeout: crashJobTimeout,
		})
		srv.Start()
		db := openDB(t, srv.cfg.DBURL)
		customers := demoCustomers(t, db, 3*trials)
		adminEmail, adminPass := srv.demoLogin("admin")
		d := newDriver(t, db, mail, signIn(t, srv.URL, adminEmail, adminPass), srv.URL)
		ctx, stopDriver := context.WithCancel(context.Background())
		driverDone := make(chan struct{})
		go func() { d.run(ctx); close(driverDone) }()
		defer func() { stopDriver(); <-driverDone }()

		stats := newKillStats()
		began := time.Now()
		for trial := range trials {
			if trial > 0 {
				srv.Start()
			}
			d.dropEvents()
			for i, typ := range []string{models.TypeAccess, models.TypeDeletion, models.TypeOptOut} {
				d.file(&filing{Type: typ, Email: customers[3*trial+i], API: (trial+i)%2 == 0})
			}
			phase := crashPhases[trial%len(crashPhases)]
			var wait time.Duration
			switch {
			case longTests() && trial == trials/2:
				// Long enough for a new leader to rescue what earlier kills
				// left running, so rescued jobs get killed again too.
				phase.name, wait = "after rescue", time.Duration(20+rng.IntN(6))*time.Second
				time.Sleep(wait)
			case phase.after == "":
				wait = time.Duration(100+rng.IntN(2400)) * time.Millisecond
				time.Sleep(wait)
			default:
				if !d.waitEvent(phase.after, 5*time.Second) {
					phase.name += " (not seen)"
				}
				wait = time.Duration(rng.IntN(150)) * time.Millisecond
				time.Sleep(wait)
			}
			srv.Kill()
			hit := stats.afterKill(t, db)
			t.Logf("trial %2d: killed %-20s +%-6v interrupting %v", trial+1, phase.name, wait, hit)
		}
		t.Logf("%d kills in %v; jobs interrupted: %s", trials, time.Since(began).Round(time.Second), stats)

		// Let it finish: every request completed, every job ended, every email sent.
		srv.Start()
		settleStart := time.Now()
		settle(t, db, d, 4*time.Minute)
		t.Logf("recovered in %v", time.Since(settleStart).Round(100*time.Millisecond))
		time.Sleep(time.Second) // a duplicate send would show itself now
		reqs := requestRows(t, db)
		checkDownloads(t, d.public, mail, reqs, "")
		stopDriver()
		<-driverDone
		srv.Stop()

		d.serverErrors()
		checkAccepted(t, reqs, d.accepted())
		js := checkJobsEnded(t, db)
		rep := checkEmails(t, db, reqs, mail, rescuedSends(js))
		checkFulfilment(t, db, reqs)
		srv.auditVerify()
		t.Logf("%d requests, %d jobs, %d emails delivered, %d duplicate(s) after a kill mid-send",
			len(reqs), len(js), rep.Messages, rep.Duplicates)
	})
}

// settle waits until every request completed, every job ended and every
// email went, and fails the test with what is left after timeout.
func settle(t *testing.T, db *models.DB, d *driver, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var open []string
		reqs := requestRows(t, db)
		for _, r := range reqs {
			if r.Status != models.StatusCompleted {
				open = append(open, r.ID+" "+r.Type+" "+r.Status)
			}
		}
		var running []string
		for _, j := range unfinished(jobRows(t, db)) {
			running = append(running, fmt.Sprintf("%d %s %s attempt %d %s", j.ID, j.Kind, j.State, j.Attempt, j.Args))
		}
		var unsent []string
		for _, e := range outboxRows(t, db) {
			if e.Status != models.EmailSent {
				unsent = append(unsent, fmt.Sprintf("%d %s %s", e.ID, e.Kind, e.Status))
			}
		}
		if len(open)+len(running)+len(unsent) == 0 && len(reqs) >= len(d.accepted()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled after %v:\nrequests not completed: %v\njobs not ended: %v\nemails not sent: %v",
				timeout, open, running, unsent)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// checkDownloads follows the download link of every completed access
// request's email (sent to base instead of the link's server, unless
// base is ""): it must give the ZIP.
func checkDownloads(t *testing.T, c *http.Client, mail *smtptest.Server, reqs []reqRow, base string) {
	t.Helper()
	for _, r := range reqs {
		if r.Type != models.TypeAccess || r.Status != models.StatusCompleted {
			continue
		}
		var link string
		for _, m := range mail.Messages() {
			if strings.EqualFold(m.To, r.Email) && strings.Contains(m.Subject, "is ready") {
				link = linkTo(m.Text, "/requests/"+r.ID+"/download?token=")
			}
		}
		if link == "" {
			t.Errorf("no download link emailed for %s", r.ID)
			continue
		}
		if base != "" {
			link = base + link[strings.Index(link, "/requests/"):]
		}
		a, err := pressButton(c, link, "", nil)
		if err != nil || a.Code != http.StatusOK || !strings.HasPrefix(a.Body, "PK") {
			t.Errorf("download of %s: %d %v %.100q", r.ID, a.Code, err, a.Body)
		}
	}
}

// killStats counts the jobs each kill interrupted, by what they were doing.
type killStats struct {
	seen  map[string]bool
	total map[string]int
}

func newKillStats() *killStats { return &killStats{seen: map[string]bool{}, total: map[string]int{}} }

// afterKill finds the jobs the kill left marked running that no earlier
// kill had (a fulfil job is named by its request's type: export or erasure).
func (k *killStats) afterKill(t *testing.T, db *models.DB) map[string]int {
	t.Helper()
	types := map[string]string{}
	for _, r := range requestRows(t, db) {
		types[r.ID] = r.Type
	}
	hit := map[string]int{}
	for _, j := range jobRows(t, db) {
		key := fmt.Sprintf("%d/%d", j.ID, j.Attempt)
		if j.State != "running" || k.seen[key] {
			continue
		}
		k.seen[key] = true
		what := j.Kind
		if j.Kind == "fulfil_request" {
			var a struct {
				RequestID string `json:"request_id"`
			}
			_ = json.Unmarshal([]byte(j.Args), &a)
			what = map[string]string{models.TypeAccess: "export", models.TypeDeletion: "erasure"}[types[a.RequestID]]
		}
		hit[what]++
		k.total[what]++
	}
	return hit
}

func (k *killStats) String() string {
	var parts []string
	for w, n := range k.total {
		parts = append(parts, fmt.Sprintf("%s %d", w, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
