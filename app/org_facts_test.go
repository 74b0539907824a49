package app_test

import (
	"archive/zip"
	"context"
	"html"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// supportPlaceholderRE is the export page's sentence about the support
// source's placeholder for staff names: that word is the store dataset's
// (store.AgentPlaceholder), not the organization file's.
var supportPlaceholderRE = regexp.MustCompile(`Names of our support staff[^<]*`)

// noKactoily fails the test if what shows anything of Kactoily.
func noKactoily(t *testing.T, what, body string) {
	t.Helper()
	if i := strings.Index(strings.ToLower(body), "kactoily"); i >= 0 {
		t.Errorf("%s mentions Kactoily: …%s…", what, body[max(0, i-80):min(len(body), i+80)])
	}
}

// TestAnotherOrganizationsFileReplacesKactoilyEverywhere proves, through
// the real server, that a second organization file (a bicycle shop) is
// what every page, email and export states: the policy page's text, date,
// title, logo letter and footer, and the other public pages' and the
// status page's; the person's emails and a partner's
// notice, sent to the file's third parties only; the export's title, its
// Art. 15 statements and the ZIP's name. None of it says Kactoily.
func TestAnotherOrganizationsFileReplacesKactoilyEverywhere(t *testing.T) {
	t.Parallel()
	facts, err := org.Load(filepath.Join("..", "testdata", "org", "brightwater.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a := testapp.New(t, models.DialectSQLite, testapp.Options{Org: facts})
	ctx := context.Background()

	for _, path := range []string{"/", "/privacy-policy", "/requests/new", "/requests/lookup"} {
		p := get(t, a, path)
		wantStatus(t, p, 200, "")
		noKactoily(t, path, p.Body)
		contains(t, p.Body, `· Brightwater Bikes Privacy Center</title>`, `<span class="logo" aria-hidden="true">B</span> Brightwater Bikes`,
			`brightwater-bikes.example · bicycles, parts and repairs in Hamburg. Questions about your data? Write to `+
				`<a href="mailto:datenschutz@brightwater-bikes.example">datenschutz@brightwater-bikes.example</a> or to Brightwater Bikes GmbH, Hafenstraße 4, 20457 Hamburg, Germany.`)
	}
	policy := get(t, a, "/privacy-policy")
	contains(t, policy.Body, `Last updated <time datetime="2025-03-14">14 Mar 2025</time>`, `<a href="#what-we-keep">What We Keep</a>`,
		`<h2 id="how-long-we-keep-it">How Long We Keep It</h2>`, "<p>We keep repair records for three years after your last visit, then delete them.</p>")

	// An opt-out from a shop customer: the person's confirmation, and a
	// notice to the file's advertising partner, not to Kactoily's.
	now := a.Clock.Now()
	if err := a.DB.Create(&store.Customer{Email: "rosa@example.com", FirstName: "Rosa", LastName: "Rad", CreatedAt: now, UpdatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	optOut, _ := created(t, postJSON(t, a, `{"type":"opt_out","email":"rosa@example.com","name":"Rosa","scopes":["sale_sharing"]}`, nil))
	done := a.Mail.WaitFor(t, "rosa@example.com", "Your opt-out is in effect")
	notice := a.Mail.WaitFor(t, "optout@rideads.example", optOut)
	for _, m := range []struct {
		what, subject, text, html string
	}{{"opt-out confirmation", done.Subject, done.Text, done.HTML}, {"partner notice", notice.Subject, notice.Text, notice.HTML}} {
		noKactoily(t, m.what, m.subject+m.text+m.html)
		contains(t, m.text, "— Brightwater Bikes Privacy Team")
		contains(t, m.html, "Brightwater Bikes Privacy Center")
	}
	contains(t, notice.Text, "To RideAds (advertising partner),", "A Brightwater Bikes customer", "advertising identifiers from our website")

	// An access request: the completion email, and the export's statements.
	a.AddStaff(t, "boss@brightwater-bikes.example", "Boss", models.RoleAdmin)
	admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "boss@brightwater-bikes.example")
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Svc.Submit(ctx, workflows.NewRequest{Type: models.TypeAccess, Email: "rosa@example.com", Name: "Rosa"})
	if err != nil {
		t.Fatal(err)
	}
	confirm := verifyEmail(t, a, "rosa@example.com", r.ID)
	noKactoily(t, "verification email", confirm.Subject+confirm.Text+confirm.HTML)
	status := get(t, a, pathOf(t, a, confirm.Link("/status?token=")))
	wantStatus(t, status, 200, "")
	noKactoily(t, "status page", status.Body)
	contains(t, status.Body, `<a href="mailto:datenschutz@brightwater-bikes.example">`)
	if _, _, err := a.Svc.Verify(ctx, tokenOf(t, confirm.Link("verify?token=")), a.IdentityProof(t, "rosa@example.com")); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, a, r.ID, models.StatusAwaitingApproval)
	if _, err := a.Svc.Approve(ctx, admin, r.ID); err != nil {
		t.Fatal(err)
	}
	ready := a.Mail.WaitFor(t, "rosa@example.com", "Your data from Brightwater Bikes is ready")
	noKactoily(t, "completion email", ready.Subject+ready.Text+ready.HTML)
	zipAns := downloadZip(t, a, strings.TrimPrefix(ready.Link("/download?token="), a.URL()), nil)
	wantStatus(t, zipAns, 200, "")
	contains(t, zipAns.Header.Get("Content-Disposition"), "brightwater-bikes-data-"+r.ID+".zip")
	files := unzip(t, zipAns.Body)
	page := string(files["index.html"])
	contains(t, page, "<title>Your data at Brightwater Bikes ("+r.ID+")</title>")
	noKactoily(t, "index.html", supportPlaceholderRE.ReplaceAllString(page, ""))
	text := visibleText(page)
	s := facts.Statements
	for _, list := range [][]string{s.Purposes, s.Categories, s.Recipients, s.Retention, s.Sources, s.AutomatedDecisions, s.Transfers} {
		for _, want := range list {
			if !strings.Contains(text, html.UnescapeString(want)) {
				t.Errorf("index.html lacks the statement %q", want)
			}
		}
	}
	if a.Mail.Count("privacy@adreach.example", "") != 0 || a.Mail.Count("privacy@spokepay.example", optOut) != 0 {
		t.Errorf("a notice went to a recipient the file does not name for opt-outs")
	}
}

// unzip returns the files of a ZIP by name.
func unzip(t *testing.T, body string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// waitForStatus waits until request id reaches status.
func waitForStatus(t *testing.T, a *testapp.App, id, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur, err := models.FindRequest(context.Background(), a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s stuck in %s, want %s", id, cur.Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
