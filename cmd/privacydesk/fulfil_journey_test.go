package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// demoLogin returns the demo staff login of a role printed at start-up.
func demoLogin(t *testing.T, in *instance, role string) (email, password string) {
	t.Helper()
	m := regexp.MustCompile(`demo ` + role + ` login: (\S+) / (\S+)`).FindStringSubmatch(in.Out.String())
	if m == nil {
		t.Fatalf("no demo %s login printed:\n%s", role, in.Out.String())
	}
	return m[1], m[2]
}

// signIn returns a client with a staff session.
func signIn(t *testing.T, in *instance, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := noRedirect(&http.Client{Jar: jar, Timeout: 20 * time.Second})
	resp, _ := postForm(t, c, in.URL+"/staff/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/queue" {
		t.Fatalf("sign-in as %s: %d %s", email, resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}

// fileAndVerify files a request in the form, clicks the emailed link and
// returns the request id and a status token.
func fileAndVerify(t *testing.T, in *instance, typ, name, email string) (id, token string) {
	t.Helper()
	n := in.Mail.Count(email, "Confirm your privacy request") + 1
	resp, body := postForm(t, in.Client, in.URL+"/requests/new", url.Values{"type": {typ}, "name": {name}, "email": {email}})
	if resp.StatusCode != 200 {
		t.Fatalf("file %s: %d\n%s", typ, resp.StatusCode, body)
	}
	msg := in.Mail.WaitForNth(t, email, "Confirm your privacy request", n)
	id = regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, msg.Subject)
	resp = confirmWithProof(t, in.Client, msg.Link("/requests/verify?token="), proofFor(t, in, email))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	return id, mustQuery(t, in.URL+resp.Header.Get("Location"), "token")
}

// proofFor returns what the verification page of email's access or
// deletion request accepts besides the button: the demo customer's first
// order number, else first product serial; "" when it asks for nothing.
func proofFor(t *testing.T, in *instance, email string) string {
	t.Helper()
	p, err := store.DemoDatasets().IdentityProofs(context.Background(), openForTest(t, in.DBURL).DB, models.NormalizeEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(p.OrderNumbers) > 0:
		return p.OrderNumbers[0]
	case len(p.Serials) > 0:
		return p.Serials[0]
	}
	return ""
}

// waitStatus polls the JSON API until the request reaches status.
func waitStatus(t *testing.T, in *instance, id, token, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", in.URL+"/api/v1/requests/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := in.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Status string }
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if last = st.Status; last == status {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("request %s is %s, not %s, after 30s\n%s", id, last, status, in.Logs.String())
}

func staffPost(t *testing.T, c *http.Client, u string, v url.Values) int {
	t.Helper()
	resp, _ := postForm(t, c, u, v)
	return resp.StatusCode
}

// TestFulfilmentJourneyAccessAndDeletion takes an access request from the
// form to the downloaded ZIP, and a deletion from the form to the erasure
// summary and the third-party notices, through staff approval, on the
// demo store and every available database.
func TestFulfilmentJourneyAccessAndDeletion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		agentEmail, agentPass := demoLogin(t, in, "agent")
		adminEmail, adminPass := demoLogin(t, in, "admin")
		agent := signIn(t, in, agentEmail, agentPass)

		// Access: collected, previewed, approved by an agent, downloaded.
		id, tok := fileAndVerify(t, in, "access", "Jane Doe", demo.JaneDoeEmail)
		waitStatus(t, in, id, tok, "awaiting_approval")
		code, page := get(t, agent, in.URL+"/staff/requests/"+id)
		if code != 200 {
			t.Fatalf("request page: %d", code)
		}
		contains(t, page, "What we found")
		contains(t, page, "order lines")
		if c := staffPost(t, agent, in.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
			t.Fatalf("agent approve access: %d", c)
		}
		done := in.Mail.WaitFor(t, demo.JaneDoeEmail, "Your data from Kactoily is ready")
		link := done.Link("/download?token=")
		code, zipBody := downloadByButton(t, in.Client, link)
		if code != 200 {
			t.Fatalf("download: %d", code)
		}
		checkExport(t, []byte(zipBody), demo.JaneDoeEmail, demo.JaneDoeNetEmail)
		waitStatus(t, in, id, tok, "completed")

		// Deletion: the plan is shown, an agent may not approve, an admin does.
		id, tok = fileAndVerify(t, in, "deletion", "Jane Doe", demo.JaneDoeEmail)
		waitStatus(t, in, id, tok, "awaiting_approval")
		_, page = get(t, agent, in.URL+"/staff/requests/"+id)
		contains(t, page, "Erasure plan")
		contains(t, page, "anonymize")
		if c := staffPost(t, agent, in.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusForbidden {
			t.Fatalf("agent approve deletion: got %d, want 403", c)
		}
		admin := signIn(t, in, adminEmail, adminPass)
		if c := staffPost(t, admin, in.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
			t.Fatalf("admin approve deletion: %d", c)
		}
		summary := in.Mail.WaitFor(t, demo.JaneDoeEmail, "We have deleted your data")
		for _, want := range []string{"What we deleted", "your customer profile", "What we kept, and until when",
			"because tax law requires us to keep order records for 7 years", "Your Kactoily account is closed",
			"PayPal (payment processor)", "do-not-contact"} {
			if !strings.Contains(summary.Text, want) {
				t.Fatalf("deletion summary lacks %q:\n%s", want, summary.Text)
			}
		}
		for _, to := range []string{"privacy-requests@paypal.example", "dpo@parcelgo.example", "privacy@adreach.example", "privacy@metricshub.example"} {
			n := in.Mail.WaitFor(t, to, "Deletion request")
			if !strings.Contains(n.Text, demo.JaneDoeEmail) {
				t.Fatalf("notice to %s does not name the customer:\n%s", to, n.Text)
			}
		}
		_, page = get(t, admin, in.URL+"/staff/requests/"+id)
		contains(t, page, "Third parties told")
		contains(t, page, "Erasure result")

		// Afterwards a new access request finds only what retention kept, anonymized.
		id, tok = fileAndVerify(t, in, "access", "Jane Doe", demo.JaneDoeEmail)
		waitStatus(t, in, id, tok, "awaiting_approval")
		if c := staffPost(t, agent, in.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
			t.Fatalf("approve second access: %d", c)
		}
		again := in.Mail.WaitForNth(t, demo.JaneDoeEmail, "Your data from Kactoily is ready", 2)
		code, zipBody = downloadByButton(t, in.Client, again.Link("/download?token="))
		if code != 200 {
			t.Fatalf("second download: %d", code)
		}
		for name, body := range unzip(t, []byte(zipBody)) {
			if strings.HasPrefix(name, "data/") && (bytes.Contains(body, []byte(demo.JaneDoeEmail)) || bytes.Contains(body, []byte("Jane"))) {
				t.Fatalf("after erasure %s still holds Jane's data:\n%.500s", name, body)
			}
		}
		waitStatus(t, in, id, tok, "completed")
	})
}

// checkExport opens the ZIP and checks it holds the owner's records, parses,
// explains itself, and holds nothing of the other customer.
func checkExport(t *testing.T, b []byte, owner, other string) {
	t.Helper()
	files := unzip(t, b)
	for _, name := range []string{"index.html", "data/account.json", "data/orders.json", "data/warranty.json", "data/support.json", "data/activity.json", "csv/customer.csv", "csv/order.csv"} {
		if _, ok := files[name]; !ok {
			t.Fatalf("export lacks %s; has %v", name, keys(files))
		}
	}
	for name, body := range files {
		switch {
		case strings.HasSuffix(name, ".json"):
			var v struct {
				Source  string
				Records []json.RawMessage
			}
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("%s does not parse: %v", name, err)
			}
		case strings.HasSuffix(name, ".csv"):
			if _, err := csv.NewReader(bytes.NewReader(body)).ReadAll(); err != nil {
				t.Fatalf("%s does not parse: %v", name, err)
			}
		}
		if bytes.Contains(body, []byte(other)) {
			t.Fatalf("%s contains the other customer's email %s", name, other)
		}
	}
	if !bytes.Contains(files["data/account.json"], []byte(owner)) {
		t.Fatalf("account.json lacks the owner's email")
	}
	for _, want := range []string{"Why we hold it", "Who receives it", "How long we keep it"} {
		if !bytes.Contains(files["index.html"], []byte(want)) {
			t.Fatalf("index.html lacks %q", want)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// unzip returns every file of a ZIP by name.
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("export is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}
