package reliability

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// smtpProxy stands between the server and the SMTP server. Down closes it
// and every connection through it, so nothing listens on its port
// (connection refused) until Up.
type smtpProxy struct {
	t      *testing.T
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *smtpProxy {
	p := &smtpProxy{t: t, addr: freeAddr(t), target: target, conns: map[net.Conn]bool{}}
	p.Up()
	t.Cleanup(p.Down)
	return p
}

// URL is the PRIVACYDESK_SMTP_URL that goes through the proxy.
func (p *smtpProxy) URL() string { return "smtp://" + p.addr + "?tls=none" }

func (p *smtpProxy) Up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *smtpProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *smtpProxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// outage is how long the mail server is away: half of it answering 450 to
// every message, half not listening at all. It is longer than River's
// default backoff would bridge within a minute (1 + 16 + 81 seconds).
const outage = 24 * time.Second

// TestSMTPOutageIntakeAndStaffWorkGoOnAndEveryEmailArrivesOnceAfter takes
// the mail server away while customers file requests (form and API) and
// confirm their emails and staff approve: every answer is 2xx or 3xx and the
// requests are fulfilled; no email gets through. When the server is back,
// every email queued during the outage arrives within a minute, exactly
// once, and the requests filed during the outage go on to completion.
func TestSMTPOutageIntakeAndStaffWorkGoOnAndEveryEmailArrivesOnceAfter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		mail := smtptest.Start(t)
		proxy := startProxy(t, mail.Addr)
		srv := newServer(t, "privacydesk", settings{DBURL: testdb.URL(t, dialect), DataDir: t.TempDir(), SMTPURL: proxy.URL(), Demo: true})
		srv.Start()
		db := openDB(t, srv.cfg.DBURL)
		customers := demoCustomers(t, db, 10)
		adminEmail, adminPass := srv.demoLogin("admin")
		admin := signIn(t, srv.URL, adminEmail, adminPass)
		d := newDriver(t, db, mail, admin, srv.URL)

		// Before: two requests filed, their verification emails delivered, not yet clicked.
		before := []*filing{{Type: models.TypeAccess, Email: customers[0], API: true}, {Type: models.TypeDeletion, Email: customers[1]}}
		for _, f := range before {
			if a, ok := d.file(f); !ok {
				t.Fatalf("file %s: %d %s", f.Type, a.Code, a.Body)
			}
			mail.WaitFor(t, f.Email, "Confirm your privacy request")
		}

		mail.Refuse(true)
		time.Sleep(200 * time.Millisecond) // a message already past MAIL FROM may still land
		delivered := len(mail.Messages())
		began := time.Now()
		ctx, stopDriver := context.WithCancel(context.Background())
		driverDone := make(chan struct{})
		go func() { d.run(ctx); close(driverDone) }()
		defer func() { stopDriver(); <-driverDone }()

		// During: intake through both channels, opt-outs done at once, staff pages.
		var during []*filing
		for i, typ := range []string{models.TypeAccess, models.TypeDeletion, models.TypeOptOut, models.TypeOptOut, models.TypeAccess} {
			f := &filing{Type: typ, Email: customers[2+i], API: i%2 == 0}
			if a, ok := d.file(f); !ok {
				t.Errorf("filing %s during the outage: %d %.300s", typ, a.Code, a.Body)
			}
			during = append(during, f)
		}
		for _, page := range []string{"/staff/queue", "/staff/queue?hidden=true&type=deletion", "/staff/reports"} {
			if a, err := get(admin, srv.URL+page); err != nil || a.Code != http.StatusOK {
				t.Errorf("%s during the outage: %d %v", page, a.Code, err)
			}
		}
		// The requests verified during the outage are collected, approved and fulfilled.
		waitCompleted(t, db, before, outage/2)
		time.Sleep(time.Until(began.Add(outage / 2)))
		proxy.Down() // now nothing listens at all
		time.Sleep(time.Until(began.Add(outage)))
		waitCompleted(t, db, before, time.Second)

		if n := len(mail.Messages()); n != delivered {
			t.Errorf("%d messages arrived while the mail server was away", n-delivered)
		}
		queued, retried := 0, 0
		for _, e := range outboxRows(t, db) {
			if e.Status != models.EmailSent {
				queued++
				if e.Attempts >= 2 {
					retried++
				}
			}
		}
		if queued < 10 || retried == 0 {
			t.Errorf("%d emails waiting, %d of them tried twice or more; the outage should hold back many, retried", queued, retried)
		}
		t.Logf("outage over after %v: %d emails waiting, %d tried twice or more", time.Since(began).Round(time.Second), queued, retried)

		mail.Refuse(false)
		proxy.Up()
		back := time.Now()
		waitSent(t, db, time.Minute)
		t.Logf("every email waiting was delivered %v after the mail server came back", time.Since(back).Round(100*time.Millisecond))

		// The requests filed during the outage now get their links and go on.
		settle(t, db, d, 2*time.Minute)
		time.Sleep(time.Second)
		stopDriver()
		<-driverDone
		srv.Stop()

		reqs := requestRows(t, db)
		d.serverErrors()
		checkAccepted(t, reqs, d.accepted())
		js := checkJobsEnded(t, db)
		rep := checkEmails(t, db, reqs, mail, rescuedSends(js))
		checkFulfilment(t, db, reqs)
		srv.auditVerify()
		if len(reqs) != len(before)+len(during) || rep.Duplicates != 0 {
			t.Errorf("%d requests (want %d), %d duplicate emails", len(reqs), len(before)+len(during), rep.Duplicates)
		}
	})
}

// waitCompleted waits until the requests are completed.
func waitCompleted(t *testing.T, db *models.DB, fs []*filing, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		status := map[string]string{}
		for _, r := range requestRows(t, db) {
			status[r.Email] = r.Status
		}
		var open []string
		for _, f := range fs {
			if s := status[f.Email]; s != models.StatusCompleted {
				open = append(open, f.Type+" "+s)
			}
		}
		if len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests not completed within %v: %v", timeout, open)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitSent waits until every email in the outbox is sent.
func waitSent(t *testing.T, db *models.DB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var unsent []outboxRow
		for _, e := range outboxRows(t, db) {
			if e.Status != models.EmailSent {
				unsent = append(unsent, e)
			}
		}
		if len(unsent) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d emails still unsent %v after the mail server came back, e.g. %+v", len(unsent), timeout, unsent[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
}
