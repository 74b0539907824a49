package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/internal/wooshop"
	"github.com/kactoily/privacydesk/models"
)

// wooInstance is a real server whose store is the WooCommerce-shaped shop
// (internal/wooshop), described only by its dataset file.
type wooInstance struct {
	*instance
	Store *models.DB // the shop's database, for the test's own checks
	Admin *http.Client
}

// bootWoo creates the shop on a fresh store database of storeDialect,
// starts `privacydesk serve` on it with the shop's dataset file (Privacy
// Desk's own database: a SQLite file), and signs an admin in.
func bootWoo(t *testing.T, storeDialect string) *wooInstance {
	t.Helper()
	storeURL := testdb.StoreURL(t, storeDialect)
	st, err := models.OpenStore(context.Background(), storeURL, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	wooshop.Create(t, st, time.Now())
	smtp := smtptest.Start(t)
	in := startServer(t, map[string]string{
		"PRIVACYDESK_DATA_DIR":           t.TempDir(),
		"PRIVACYDESK_DATABASE_URL":       testdb.URL(t, models.DialectSQLite),
		"PRIVACYDESK_STORE_DATABASE_URL": storeURL,
		"PRIVACYDESK_DATASETS":           wooshop.DatasetPath(),
		"PRIVACYDESK_SMTP_URL":           smtp.URL(),
		"PRIVACYDESK_SUPPORT_EMAIL":      "privacy-team@shop.example",
		"PRIVACYDESK_JOB_POLL":           "50ms",
	})
	in.Mail = smtp
	var out bytes.Buffer
	if err := run(context.Background(), []string{"staff", "add", "--email", "ada@shop.example", "--name", "Ada Admin", "--role", "admin"}, envFunc(in.env), &out, io.Discard); err != nil {
		t.Fatalf("staff add: %v", err)
	}
	pw := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("staff add printed no password:\n%s", out.String())
	}
	return &wooInstance{instance: in, Store: st, Admin: signIn(t, in, "ada@shop.example", pw[1])}
}

// fileWoo files a request for email in the public form, confirms it from
// the emailed link, entering the order number when the page asks for one
// (it must, for a person with orders), and returns the request id and a
// status token.
func (w *wooInstance) fileWoo(t *testing.T, typ, name, email string, order int) (id, token string) {
	t.Helper()
	to := models.NormalizeEmail(email)
	n := w.Mail.Count(to, "Confirm your privacy request") + 1
	resp, body := postForm(t, w.Client, w.URL+"/requests/new", url.Values{"type": {typ}, "name": {name}, "email": {email}})
	if resp.StatusCode != 200 {
		t.Fatalf("file %s: %d\n%s", typ, resp.StatusCode, body)
	}
	msg := w.Mail.WaitForNth(t, to, "Confirm your privacy request", n)
	id = regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, msg.Subject)
	resp = confirmWithProof(t, w.Client, msg.Link("/requests/verify?token="), fmt.Sprint(order))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify with order number %d: %d", order, resp.StatusCode)
	}
	return id, mustQuery(t, w.URL+resp.Header.Get("Location"), "token")
}

// accessExport takes an access request for email to its download and
// returns the ZIP's files.
func (w *wooInstance) accessExport(t *testing.T, name, email string, order int) map[string][]byte {
	t.Helper()
	to := models.NormalizeEmail(email)
	n := w.Mail.Count(to, "is ready") + 1
	id, tok := w.fileWoo(t, "access", name, email, order)
	waitStatus(t, w.instance, id, tok, "awaiting_approval")
	if c := staffPost(t, w.Admin, w.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
		t.Fatalf("approve access: %d", c)
	}
	done := w.Mail.WaitForNth(t, to, "is ready", n)
	code, zipBody := downloadByButton(t, w.Client, done.Link("/download?token="))
	if code != 200 {
		t.Fatalf("download: %d", code)
	}
	waitStatus(t, w.instance, id, tok, "completed")
	return unzip(t, []byte(zipBody))
}

// TestWooCommerceStoreAccessAndDeletionEndToEnd runs access and deletion
// requests through the real server for customers of a WooCommerce-shaped
// shop, on MariaDB and on SQLite as the store database: the export holds
// the user meta fields, the guest orders found by email and the support
// note with the agent's name redacted, and never a password hash, a
// session token or another customer's data; deletion leaves the shop's
// tables as the dataset file says, and `datasets check` passes on it.
func TestWooCommerceStoreAccessAndDeletionEndToEnd(t *testing.T) {
	for _, storeDialect := range []string{models.DialectSQLite, models.DialectMySQL} {
		t.Run(storeDialect, func(t *testing.T) {
			w := bootWoo(t, storeDialect)

			files := w.accessExport(t, "Dana Whitfield", "  Dana.Whitfield@EXAMPLE.com ", wooshop.DanaRecentOrder)
			checkWooExport(t, files)

			guest := w.accessExport(t, "Gus Guest", wooshop.GusEmail, wooshop.GusRecentOrder)
			checkGuestExport(t, guest)

			id, tok := w.fileWoo(t, "deletion", "Dana Whitfield", wooshop.DanaEmail, wooshop.DanaGuestOrder)
			waitStatus(t, w.instance, id, tok, "awaiting_approval")
			_, page := get(t, w.Admin, w.URL+"/staff/requests/"+id)
			contains(t, page, "Erasure plan")
			if c := staffPost(t, w.Admin, w.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
				t.Fatalf("approve deletion: %d", c)
			}
			summary := w.Mail.WaitFor(t, wooshop.DanaEmail, "We have deleted your data")
			for _, want := range []string{"1 order more than 7 years old", "9 customer field records", "1 support note record",
				"2 orders: kept until", "3 order address records: kept until", "The country of a kept order stays for VAT", "account is closed"} {
				if !strings.Contains(summary.Text, want) {
					t.Errorf("deletion summary lacks %q:\n%s", want, summary.Text)
				}
			}
			waitStatus(t, w.instance, id, tok, "completed")
			checkWooErased(t, w.Store)

			var out, errOut bytes.Buffer
			if err := run(context.Background(), []string{"datasets", "check", "--email", wooshop.OliviaEmail}, envFunc(w.env), &out, &errOut); err != nil {
				t.Fatalf("datasets check on the shop's file: %v\n%s%s", err, out.String(), errOut.String())
			}
		})
	}
}
