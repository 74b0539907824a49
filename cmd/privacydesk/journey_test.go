package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// confirmByButton opens an emailed verification link as a person would: it
// GETs the link's page (which changes nothing), checks its "Confirm my
// request" button, and presses it (a POST of the token in the form's body);
// it returns the answer, redirects not followed.
func confirmByButton(t *testing.T, c *http.Client, link string) *http.Response {
	t.Helper()
	return confirmWithProof(t, c, link, "")
}

// confirmWithProof is confirmByButton for a store customer, whose page
// also asks for an order number or serial (see proofFor): it enters proof.
func confirmWithProof(t *testing.T, c *http.Client, link, proof string) *http.Response {
	t.Helper()
	code, page := get(t, c, link)
	if code != http.StatusOK || !strings.Contains(page, `action="/requests/verify"`) || !strings.Contains(page, "Confirm my request</button>") {
		t.Fatalf("verification link page: %d, want 200 with the confirm button\n%s", code, page)
	}
	if asks := strings.Contains(page, `name="proof"`); asks != (proof != "") {
		t.Fatalf("verification link page asks for an order number or serial: %v, want %v", asks, proof != "")
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect(c).PostForm(u.Scheme+"://"+u.Host+"/requests/verify", url.Values{"token": {u.Query().Get("token")}, "proof": {proof}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// downloadByButton opens an emailed download link's page and presses its
// button; it returns the status and the body (the ZIP).
func downloadByButton(t *testing.T, c *http.Client, link string) (int, string) {
	t.Helper()
	code, page := get(t, c, link)
	if code != http.StatusOK || !strings.Contains(page, "Download my data (ZIP)</button>") {
		t.Fatalf("download link page: %d, want 200 with the download button\n%s", code, page)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := postForm(t, c, u.Scheme+"://"+u.Host+u.Path, url.Values{"token": {u.Query().Get("token")}})
	return resp.StatusCode, body
}

// TestCustomerJourneyAccessRequest files an access request in the form,
// verifies it from the real email, and follows it on the status page and
// the JSON API, on every available database.
func TestCustomerJourneyAccessRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		email := "alex.morgan@example.com"

		code, body := get(t, in.Client, in.URL+"/")
		if code != 200 {
			t.Fatalf("privacy center: %d", code)
		}
		contains(t, body, "Your data, your choice")
		code, body = get(t, in.Client, in.URL+"/privacy-policy")
		if code != 200 {
			t.Fatalf("policy: %d", code)
		}
		contains(t, body, "Retention of Personal Information")

		resp, body := postForm(t, in.Client, in.URL+"/requests/new", url.Values{
			"type": {"access"}, "name": {"Alex Morgan"}, "email": {"  Alex.Morgan@Example.com "}, "details": {"Orders since 2024"},
		})
		if resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/requests/received") {
			t.Fatalf("submit: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
		}
		contains(t, body, "Check your email")

		verify := in.Mail.WaitFor(t, email, "Confirm your privacy request")
		link := verify.Link("/requests/verify?token=")
		if link == "" || !strings.HasPrefix(link, in.URL) {
			t.Fatalf("verification email has no link to %s:\n%s", in.URL, verify.Text)
		}
		if !strings.Contains(verify.HTML, "Confirm my request") {
			t.Fatalf("verification email has no HTML part with a button:\n%s", verify.HTML)
		}
		id := regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, verify.Subject)

		confirmed := confirmWithProof(t, in.Client, link, proofFor(t, in, email))
		if confirmed.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm button: %d", confirmed.StatusCode)
		}
		code, body = get(t, in.Client, in.URL+confirmed.Header.Get("Location"))
		if code != 200 {
			t.Fatalf("status page after confirming: %d\n%s", code, body)
		}
		contains(t, body, "Request "+id)
		contains(t, body, "your email is confirmed")
		contains(t, body, "Email confirmed; request sent to our privacy team")
		contains(t, body, "Request received; waiting for you to confirm your email")

		receipt := in.Mail.WaitFor(t, email, "We have your privacy request "+id)
		if !strings.Contains(receipt.Text, "We will answer by:") || receipt.Link("/status?token=") == "" {
			t.Fatalf("receipt lacks due date or status link:\n%s", receipt.Text)
		}
		staff := in.Mail.WaitFor(t, "privacy-team@kactoily.example", id)
		if !strings.Contains(staff.Text, "/staff/requests/"+id) {
			t.Fatalf("staff email lacks the request link:\n%s", staff.Text)
		}

		// The link works once; afterwards it says so and points to the receipt.
		code, body = get(t, in.Client, link)
		if code != http.StatusGone {
			t.Fatalf("reused verify link: got %d, want 410\n%s", code, body)
		}
		contains(t, body, "Already confirmed")
		contains(t, body, "receipt email")

		// The status page from the receipt, and the same through the API.
		statusLink := receipt.Link("/status?token=")
		code, body = get(t, in.Client, statusLink)
		if code != 200 {
			t.Fatalf("status page: %d", code)
		}
		contains(t, body, "confirmed")
		tok := mustQuery(t, statusLink, "token")
		req, _ := http.NewRequest("GET", in.URL+"/api/v1/requests/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := in.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			ID, Type, Status string
			DueAt            *string `json:"due_at"`
			History          []struct{ Status, Action string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
			t.Fatalf("api status: %d %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		// Collection starts at once, so the request may already have moved on.
		if st.ID != id || st.Type != "access" || st.DueAt == nil || len(st.History) < 2 ||
			st.History[0].Action != "submit" || st.History[1].Status != "verified" ||
			!strings.Contains("verified in_progress awaiting_approval", st.Status) {
			t.Fatalf("api status = %+v", st)
		}

		// No token was ever stored in clear.
		in.stop()
		for _, secret := range []string{mustQuery(t, link, "token"), tok, mustQuery(t, verify.Link("/status?token="), "token")} {
			assertNotStored(t, dialect, in.DBURL, secret)
		}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify"}, envFunc(in.env), &out, io.Discard); err != nil {
			t.Fatalf("audit verify: %v\n%s", err, out.String())
		}
		contains(t, out.String(), "audit trail intact")
	})
}

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func mustQuery(t *testing.T, link, key string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(key)
	if v == "" {
		t.Fatalf("link %s has no %s", link, key)
	}
	return v
}

// assertNotStored searches the whole database for a secret: every byte of a
// SQLite file (and its WAL), or every row of every table on PostgreSQL.
func assertNotStored(t *testing.T, dialect, dbURL, secret string) {
	t.Helper()
	if dialect == models.DialectSQLite {
		path := strings.TrimPrefix(dbURL, "sqlite:")
		files, _ := filepath.Glob(path + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("token found in clear in %s", f)
			}
		}
		if len(files) == 0 {
			t.Fatalf("no database file at %s", path)
		}
		return
	}
	db, err := models.Open(context.Background(), dbURL, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	if err := db.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables).Error; err != nil || len(tables) < 5 {
		t.Fatalf("list tables: %v %v", tables, err)
	}
	for _, table := range tables {
		var n int64
		q := "SELECT count(*) FROM " + table + " t WHERE t::text LIKE ?"
		if err := db.Raw(q, "%"+secret+"%").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Fatalf("token found in clear in table %s", table)
		}
	}
}
