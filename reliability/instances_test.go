package reliability

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestTwoInstancesOnOnePostgresDoEachJobOnceAndShareSessions deploys as the
// README says: `privacydesk migrate` once, then two instances on one
// PostgreSQL database, both serving and both running workers. Requests are
// filed, confirmed and approved through both. Each job's effect happens
// once: every job ran in one attempt, each email arrived once, each source
// was collected once, each access request has one export and each deletion
// one set of erasures; both instances did jobs. A staff session made on one
// instance works on the other, a download link works on either, and
// signing out on one ends the session on both.
func TestTwoInstancesOnOnePostgresDoEachJobOnceAndShareSessions(t *testing.T) {
	if os.Getenv(testdb.PostgresEnv) == "" {
		t.Skip(testdb.PostgresEnv + " is not set: two instances need PostgreSQL")
	}
	mail := smtptest.Start(t)
	cfg := settings{DBURL: testdb.URL(t, models.DialectPostgres), SMTPURL: mail.URL(),
		// Exports are files: the instances must share the data folder (see below).
		DataDir: t.TempDir(), Env: map[string]string{"PRIVACYDESK_AUTO_MIGRATE": "false"}}
	demo := cfg
	demo.Demo = true
	a, b := newServer(t, "instance A", demo), newServer(t, "instance B", cfg)
	if out, err := a.command("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	a.Start()
	b.Start()
	db := openDB(t, cfg.DBURL)
	customers := demoCustomers(t, db, 12)
	adminEmail, adminPass := a.demoLogin("admin")
	onA := signIn(t, a.URL, adminEmail, adminPass)

	// The session made on A, carried to B alone.
	onB := newClient()
	bURL, _ := url.Parse(b.URL)
	ck := sessionCookie(t, onA, a.URL)
	onB.Jar.SetCookies(bURL, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	if ans, err := get(onB, b.URL+"/staff/queue"); err != nil || ans.Code != http.StatusOK || !strings.Contains(ans.Body, "Queue") {
		t.Fatalf("A's session on B's queue: %d %v", ans.Code, err)
	}

	// Filed, verified and approved through both, in turn.
	d := newDriver(t, db, mail, onB, a.URL, b.URL)
	for i, email := range customers {
		typ := []string{models.TypeAccess, models.TypeDeletion, models.TypeOptOut}[i%3]
		if ans, ok := d.file(&filing{Type: typ, Email: email, API: i%2 == 0}); !ok {
			t.Fatalf("file %s: %d %s", typ, ans.Code, ans.Body)
		}
	}
	ctx, stopDriver := context.WithCancel(context.Background())
	driverDone := make(chan struct{})
	go func() { d.run(ctx); close(driverDone) }()
	settle(t, db, d, 3*time.Minute)
	stopDriver()
	<-driverDone
	reqs := requestRows(t, db)

	// A download link works on either instance.
	for _, srv := range []*server{a, b} {
		checkDownloads(t, newClient(), mail, reqs, srv.URL)
	}
	for _, srv := range []*server{a, b} {
		if ans, err := get(newClient(), srv.URL+"/readyz"); err != nil || ans.Code != http.StatusOK {
			t.Errorf("%s /readyz: %d %v", srv.name, ans.Code, err)
		}
	}
	// Signing out on B ends the session on A too.
	if ans, err := postForm(onB, b.URL+"/staff/logout", nil); err != nil || ans.Code != http.StatusSeeOther {
		t.Fatalf("sign out on B: %d %v", ans.Code, err)
	}
	if ans, err := get(onA, a.URL+"/staff/queue"); err != nil || ans.Code == http.StatusOK {
		t.Errorf("A's queue after signing out on B: %d %v, want a redirect to sign in", ans.Code, err)
	}
	a.Stop()
	b.Stop()

	d.serverErrors()
	checkAccepted(t, reqs, d.accepted())
	js := checkJobsEnded(t, db)
	checkEmails(t, db, reqs, mail, nil)
	checkFulfilment(t, db, reqs)
	checkRanOnce(t, db, js)
	byInstance := map[string]int{}
	for _, srv := range []*server{a, b} {
		id := clientID(t, srv)
		for _, j := range js {
			if strings.Contains(j.AttemptedBy, id) {
				byInstance[srv.name]++
			}
		}
	}
	t.Logf("%d requests, %d jobs: %v", len(reqs), len(js), byInstance)
	if byInstance[a.name] == 0 || byInstance[b.name] == 0 || byInstance[a.name]+byInstance[b.name] != len(js) {
		t.Errorf("jobs worked per instance: %v of %d; both should work, each job on one", byInstance, len(js))
	}
	a.auditVerify()
}

// checkRanOnce proves no job ran twice and nothing was done twice: each job
// in one attempt, each email sent in one attempt, each source collected in
// one, and each request collected and fulfilled once in the audit trail.
func checkRanOnce(t *testing.T, db *models.DB, js []jobRow) {
	t.Helper()
	for _, j := range js {
		if j.Attempt != 1 {
			t.Errorf("job %d %s %s ran %d times", j.ID, j.Kind, j.Args, j.Attempt)
		}
	}
	for _, e := range outboxRows(t, db) {
		if e.Attempts != 1 {
			t.Errorf("email %d (%s for %s) took %d attempts", e.ID, e.Kind, e.RequestID, e.Attempts)
		}
	}
	var cs []models.Collection
	if err := db.Find(&cs).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Attempts != 1 || c.Status != models.CollectDone {
			t.Errorf("collection of %s for %s: %s after %d attempts", c.Source, c.RequestID, c.Status, c.Attempts)
		}
	}
	var dup []struct {
		RequestID, Action string
		N                 int
	}
	err := db.Raw(`SELECT request_id, action, count(*) AS n FROM audit_events
		WHERE action IN ('collect', 'collected', 'export_built', 'fulfil', 'approve') GROUP BY request_id, action HAVING count(*) > 1`).Scan(&dup).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range dup {
		t.Errorf("request %s: %q %d times in the audit trail", x.RequestID, x.Action, x.N)
	}
}

var clientIDRE = regexp.MustCompile(`River client started.*client_id=(\S+)`)

// clientID is the River client id the instance logged when its workers started.
func clientID(t *testing.T, s *server) string {
	t.Helper()
	m := clientIDRE.FindStringSubmatch(s.Logs.String())
	if m == nil {
		t.Fatalf("%s logged no River client id", s.name)
	}
	return m[1]
}
