package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// bootWithoutSMTP starts the server as bootWith does, but with no SMTP
// server configured, so every email is written as an .eml file under the
// data folder, as on a fresh install.
func bootWithoutSMTP(t *testing.T, dialect string, extraArgs ...string) *instance {
	t.Helper()
	dbURL := testdb.URL(t, dialect)
	env := map[string]string{
		"PRIVACYDESK_DATA_DIR":      filepath.Join(t.TempDir(), "data"),
		"PRIVACYDESK_DATABASE_URL":  dbURL,
		"PRIVACYDESK_SUPPORT_EMAIL": "privacy-team@kactoily.example",
	}
	return startServer(t, env, extraArgs...)
}

// waitEml waits for the nth .eml file in dir whose subject contains subject.
func waitEml(t *testing.T, dir, subject string, n int) *smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		var found []*smtptest.Message
		for _, f := range files { // names start with the time written, so Glob's order is the order sent
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := smtptest.Parse(raw)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if strings.Contains(m.Subject, subject) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			return found[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email #%d about %q in %s within 30s (%d files)", n, subject, dir, len(files))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantMode fails unless path has exactly the permission bits.
func wantMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != mode {
		t.Errorf("%s: mode %v, want %v", path, got, mode)
	}
}

// TestNoSecretInTheDatabaseOrTheLogsAndPrivateFiles boots the real server
// (mail as .eml files), takes an access request through verification,
// status, staff sign-in, approval and download, then stops it and searches
// every byte of the database and everything logged for each token, the
// staff passwords and the session cookie. The demo logins are printed on
// standard output once, by design, and never logged. The .eml files and
// the export are readable by the owner only.
func TestNoSecretInTheDatabaseOrTheLogsAndPrivateFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := bootWithoutSMTP(t, dialect, "--demo")
		mailDir := filepath.Join(in.env["PRIVACYDESK_DATA_DIR"], "mail")
		adminEmail, adminPass := demoLogin(t, in, "admin")
		_, agentPass := demoLogin(t, in, "agent")
		email := demo.AlexMorganEmail
		secrets := map[string]string{"admin password": adminPass, "agent password": agentPass}

		resp, body := postForm(t, in.Client, in.URL+"/requests/new", url.Values{"type": {"access"}, "name": {"Alex Morgan"}, "email": {email}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("file: %d\n%s", resp.StatusCode, body)
		}
		confirm := waitEml(t, mailDir, "Confirm your privacy request", 1)
		id := regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, confirm.Subject)
		verifyLink := confirm.Link("/requests/verify?token=")
		secrets["verification token"] = mustQuery(t, verifyLink, "token")
		secrets["status token in the confirmation email"] = mustQuery(t, confirm.Link("/status?token="), "token")
		r := confirmWithProof(t, in.Client, verifyLink, proofFor(t, in, email))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("verify: %d", r.StatusCode)
		}
		statusToken := mustQuery(t, in.URL+r.Header.Get("Location"), "token")
		secrets["status token after verification"] = statusToken
		if code, _ := get(t, in.Client, in.URL+r.Header.Get("Location")); code != http.StatusOK {
			t.Fatalf("status page: %d", code)
		}
		secrets["status token in the receipt"] = mustQuery(t, waitEml(t, mailDir, "We have your privacy request "+id, 1).Link("/status?token="), "token")

		admin := signIn(t, in, adminEmail, adminPass)
		u, _ := url.Parse(in.URL)
		for _, c := range admin.Jar.Cookies(u) {
			if c.Name == "pd_session" {
				secrets["session cookie"] = c.Value
			}
		}
		if secrets["session cookie"] == "" {
			t.Fatal("no session cookie after sign-in")
		}
		waitStatus(t, in, id, statusToken, "awaiting_approval")
		if c := staffPost(t, admin, in.URL+"/staff/requests/"+id+"/approve", nil); c != http.StatusSeeOther {
			t.Fatalf("approve: %d", c)
		}
		ready := waitEml(t, mailDir, "Your data from Kactoily is ready", 1)
		download := ready.Link("/download?token=")
		secrets["download token"] = mustQuery(t, download, "token")
		if code, zip := downloadByButton(t, in.Client, download); code != http.StatusOK || !strings.HasPrefix(zip, "PK") {
			t.Fatalf("download: %d", code)
		}
		waitStatus(t, in, id, statusToken, "completed")
		in.stop()

		for what, secret := range secrets {
			if len(secret) < 16 {
				t.Fatalf("%s %q is too short to search for", what, secret)
			}
			assertNotStored(t, dialect, in.DBURL, secret)
			if strings.Contains(in.Logs.String(), secret) {
				t.Errorf("the %s is in the log", what)
			}
			if out := in.Out.String(); strings.Contains(out, secret) != strings.HasSuffix(what, "password") {
				t.Errorf("the %s: on standard output %v, want only the demo passwords there", what, strings.Contains(out, secret))
			}
		}
		if strings.Contains(in.Logs.String(), email) {
			t.Error("the customer's email address is in the log")
		}

		if logged := in.Logs.String(); !strings.Contains(logged, "staff signed in") || !strings.Contains(logged, "email written") {
			t.Fatalf("the log lacks the sign-in and the emails, so searching it proves nothing:\n%s", logged)
		}
		wantMode(t, in.env["PRIVACYDESK_DATA_DIR"], 0o700)
		wantMode(t, mailDir, 0o700)
		emls, _ := filepath.Glob(filepath.Join(mailDir, "*"))
		if len(emls) < 4 {
			t.Fatalf("%d files in %s", len(emls), mailDir)
		}
		for _, f := range emls {
			wantMode(t, f, 0o600)
		}
		exportDir := filepath.Join(in.env["PRIVACYDESK_DATA_DIR"], "exports")
		wantMode(t, exportDir, 0o700)
		zips, _ := filepath.Glob(filepath.Join(exportDir, "*"))
		if len(zips) != 1 || !strings.HasSuffix(zips[0], ".zip") {
			t.Fatalf("export folder holds %v, want one ZIP and no build leftovers", zips)
		}
		wantMode(t, zips[0], 0o600)
	})
}
