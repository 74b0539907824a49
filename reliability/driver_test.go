package reliability

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// driver plays the customers and a privacy admin: it clicks every
// verification link that arrives and approves every request awaiting
// approval, again and again, whether or not the server is up just now.
// It reads the database to see where each request is.
type driver struct {
	t      *testing.T
	bases  []string // servers to spread the work over
	db     *models.DB
	mail   *smtptest.Server
	admin  *http.Client
	public *http.Client
	events chan string

	mu      sync.Mutex
	filed   []*filing
	clicked map[string]bool
	errs    []string
	turn    int
}

func newDriver(t *testing.T, db *models.DB, mail *smtptest.Server, admin *http.Client, bases ...string) *driver {
	return &driver{t: t, bases: bases, db: db, mail: mail, admin: admin, public: newClient(),
		events: make(chan string, 256), clicked: map[string]bool{}}
}

// base returns the next server in turn.
func (d *driver) base() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.turn++
	return d.bases[d.turn%len(d.bases)]
}

// run steps until ctx ends.
func (d *driver) run(ctx context.Context) {
	for ctx.Err() == nil {
		d.step()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// step moves every request one step on where it waits for a person.
func (d *driver) step() {
	var reqs []reqRow
	if err := d.db.Raw("SELECT id, type, status, email FROM requests ORDER BY created_at, id").Scan(&reqs).Error; err != nil {
		return // the database may be busy recovering; next time
	}
	for _, r := range reqs {
		switch r.Status {
		case models.StatusPendingVerification:
			d.mu.Lock()
			done := d.clicked[r.ID]
			d.mu.Unlock()
			link := d.verifyLink(r.ID)
			if done || link == "" {
				continue
			}
			// A store customer's page also asks for an order number or serial.
			proof, ok := d.proofFor(r.Email)
			if !ok {
				continue
			}
			a, err := pressButton(d.public, link, "/requests/verify", url.Values{"proof": {proof}})
			if err != nil {
				continue
			}
			d.check("verify "+r.ID, a)
			if a.Code == http.StatusSeeOther || a.Code == http.StatusGone {
				d.mu.Lock()
				d.clicked[r.ID] = true
				d.mu.Unlock()
			}
			if a.Code == http.StatusSeeOther {
				d.event("verified " + r.Type)
			}
		case models.StatusAwaitingApproval:
			a, err := postForm(d.admin, d.base()+"/staff/requests/"+r.ID+"/approve", nil)
			if err != nil {
				continue
			}
			d.check("approve "+r.ID, a)
			if a.Code == http.StatusSeeOther {
				d.event("approved " + r.Type)
			}
		}
	}
}

// proofFor is what the customer of email enters on the verification page:
// one of their order numbers or serials ("" if the page asks for none);
// false if the database is busy, so a blank answer is not counted wrong.
func (d *driver) proofFor(email string) (string, bool) {
	p, err := store.DemoDatasets().IdentityProofs(context.Background(), d.db.DB, email)
	switch {
	case err != nil:
		return "", false
	case len(p.OrderNumbers) > 0:
		return p.OrderNumbers[0], true
	case len(p.Serials) > 0:
		return p.Serials[0], true
	}
	return "", true
}

// verifyLink returns the link of the newest verification email of a request.
func (d *driver) verifyLink(id string) string {
	msgs := d.mail.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.HasSuffix(msgs[i].Subject, "Confirm your privacy request "+id) {
			return linkTo(msgs[i].Text, "/requests/verify?token=")
		}
	}
	return ""
}

// file files a request and remembers it if the server accepted it.
func (d *driver) file(f *filing) (answer, bool) {
	a, ok, err := file(d.public, d.base(), f)
	if err != nil {
		return a, false
	}
	d.check("file "+f.Type, a)
	if ok {
		d.mu.Lock()
		d.filed = append(d.filed, f)
		d.mu.Unlock()
		d.event("filed " + f.Type)
	}
	return a, ok
}

// check records an answer no request should ever get: a server error.
func (d *driver) check(what string, a answer) {
	if a.Code >= 500 {
		d.mu.Lock()
		d.errs = append(d.errs, fmt.Sprintf("%s: %d %s", what, a.Code, tail(a.Body, 300)))
		d.mu.Unlock()
	}
}

func (d *driver) event(e string) {
	select {
	case d.events <- e:
	default:
	}
}

// dropEvents forgets what happened so far.
func (d *driver) dropEvents() {
	for {
		select {
		case <-d.events:
		default:
			return
		}
	}
}

// waitEvent waits up to timeout for an event starting with prefix.
func (d *driver) waitEvent(prefix string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case e := <-d.events:
			if strings.HasPrefix(e, prefix) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// accepted returns the requests the servers accepted.
func (d *driver) accepted() []*filing {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*filing(nil), d.filed...)
}

// serverErrors fails the test for every 5xx answer seen.
func (d *driver) serverErrors() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.errs {
		d.t.Errorf("server error: %s", e)
	}
}

// demoCustomers returns n demo store customers' emails, those with the most
// orders first (their erasures take longest, so a kill is likelier to land
// inside one).
func demoCustomers(t *testing.T, db *models.DB, n int) []string {
	t.Helper()
	var emails []string
	err := db.Raw(`SELECT c.email FROM store_customers c
		ORDER BY (SELECT count(*) FROM store_orders o WHERE o.customer_id = c.id) DESC, c.id LIMIT ?`, n).Scan(&emails).Error
	if err != nil || len(emails) < n {
		t.Fatalf("demo customers: %d of %d, %v", len(emails), n, err)
	}
	return emails
}
