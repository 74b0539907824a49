package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// completedAccess drives an access request for email to completion through
// the workflows (verify from the real email, collection jobs, approval,
// export job) and returns its id and the emailed download path.
func completedAccess(t *testing.T, a *testapp.App, admin *models.StaffUser, email string, nth int) (string, string) {
	t.Helper()
	ctx := context.Background()
	r, err := a.Svc.Submit(ctx, workflows.NewRequest{Type: models.TypeAccess, Email: email, Name: "Test Person"})
	if err != nil {
		t.Fatal(err)
	}
	msg := a.Mail.WaitForNth(t, email, "Confirm your privacy request", nth)
	tok := msg.Link("verify?token=")[strings.Index(msg.Link("verify?token="), "token=")+6:]
	if _, _, err := a.Svc.Verify(ctx, tok, a.IdentityProof(t, email)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur, err := models.FindRequest(ctx, a.DB.DB, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Status == models.StatusAwaitingApproval {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("request stuck in %s", cur.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.Svc.Approve(ctx, admin, r.ID); err != nil {
		t.Fatal(err)
	}
	done := a.Mail.WaitForNth(t, email, "Your data from Kactoily is ready", nth)
	link := done.Link("/download?token=")
	if link == "" {
		t.Fatalf("completion email has no download link:\n%s", done.Text)
	}
	return r.ID, strings.TrimPrefix(link, a.URL())
}

// downloadZip presses the download page's button: a POST with the token in the body.
func downloadZip(t *testing.T, a *testapp.App, path string, h http.Header) answer {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, a, http.MethodPost, u.Path, "application/x-www-form-urlencoded",
		url.Values{"token": {u.Query().Get("token")}}.Encode(), h)
}

// waitAudit waits until the request has n events of the action.
func waitAudit(t *testing.T, a *testapp.App, id, action string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for auditCount(t, a, id, action) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events within 10s, want %d", auditCount(t, a, id, action), action, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func auditCount(t *testing.T, a *testapp.App, id, action string) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Model(&models.AuditEvent{}).Where("request_id = ? AND action = ?", id, action).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDownloadLinkLimits proves a download link works for its own request
// only, at most five times, until it expires, that each download is in the
// audit trail, and that the purge job deletes expired files.
func TestDownloadLinkLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "admin@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		id, path := completedAccess(t, a, admin, demo.AlexMorganEmail, 1)
		otherID, otherPath := completedAccess(t, a, admin, demo.JaneDoeEmail, 1)

		// Another request's id with this token, and a forged token.
		forged := path[:len(path)-5] + "AAAAA"
		for _, p := range []string{
			strings.Replace(path, id, otherID, 1),
			strings.Replace(otherPath, otherID, id, 1),
			forged,
			"/requests/" + id + "/download",
		} {
			if got := get(t, a, p); got.Status != http.StatusNotFound {
				t.Fatalf("GET %s: got %d, want 404", p, got.Status)
			}
			if got := downloadZip(t, a, p, nil); got.Status != http.StatusNotFound || strings.HasPrefix(got.Body, "PK") {
				t.Fatalf("POST %s: got %d, want 404", p, got.Status)
			}
		}
		if n := auditCount(t, a, id, "download"); n != 0 {
			t.Fatalf("refused downloads were audited: %d", n)
		}

		for i := 1; i <= workflows.MaxDownloads; i++ {
			got := downloadZip(t, a, path, nil)
			if got.Status != 200 || !strings.HasPrefix(got.Body, "PK") || got.Header.Get("Cache-Control") != "no-store" ||
				!strings.Contains(got.Header.Get("Content-Disposition"), "kactoily-data-"+id+".zip") {
				t.Fatalf("download %d: %d %q", i, got.Status, got.Header.Get("Content-Disposition"))
			}
		}
		if got := downloadZip(t, a, path, nil); got.Status != http.StatusGone {
			t.Fatalf("download %d: got %d, want 410", workflows.MaxDownloads+1, got.Status)
		}
		used := get(t, a, path)
		if used.Status != http.StatusGone {
			t.Fatalf("page of a used-up link: %d, want 410", used.Status)
		}
		contains(t, used.Body, "used 5 times", "status page", "fresh download link", `href="/requests/lookup"`)
		waitAudit(t, a, id, "download", workflows.MaxDownloads)
		if n := auditCount(t, a, id, "download"); n != workflows.MaxDownloads {
			t.Fatalf("audited downloads = %d, want %d", n, workflows.MaxDownloads)
		}

		// Expiry: the other link is unused but seven days have passed.
		exp, err := models.LatestExport(ctx, a.DB.DB, otherID)
		if err != nil {
			t.Fatal(err)
		}
		if info, err := os.Stat(exp.Path); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("export file %s: %v, mode %v (want 0600)", exp.Path, err, info.Mode().Perm())
		}
		a.Clock.Advance(workflows.ExportLife)
		if got := get(t, a, otherPath); got.Status != http.StatusGone {
			t.Fatalf("expired link: got %d, want 410", got.Status)
		}
		if got := downloadZip(t, a, otherPath, nil); got.Status != http.StatusGone {
			t.Fatalf("expired link's button: got %d, want 410", got.Status)
		}
		n, err := a.Svc.PurgeExports(ctx)
		if err != nil || n != 2 {
			t.Fatalf("purge: %d, %v (want 2 exports deleted)", n, err)
		}
		if _, err := os.Stat(exp.Path); !os.IsNotExist(err) {
			t.Fatalf("expired export still on disk: %v", err)
		}
	})
}

// TestDownloadPageAndRangeRequestsUseNothingOnlyWholeDownloadsCount proves
// the emailed link opens a page with a button and costs nothing however
// often a scanner opens it (GET, HEAD, prefetch, Range: bytes=0-0); the
// button always sends the whole file, even when asked for one byte; and a
// download the client breaks off gives its use back.
func TestDownloadPageAndRangeRequestsUseNothingOnlyWholeDownloadsCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "admin@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		id, path := completedAccess(t, a, admin, demo.AlexMorganEmail, 1)
		token := tokenOf(t, path)

		for i := 0; i < 2*workflows.MaxDownloads; i++ {
			for name, h := range map[string]http.Header{
				"plain": nil, "one byte": hdr("Range", "bytes=0-0"), "prefetch": hdr("Sec-Purpose", "prefetch", "Range", "bytes=0-0"),
			} {
				page := get(t, a, path)
				if name != "plain" {
					page = send(t, a, http.MethodGet, path, "", "", h)
				}
				if page.Status != http.StatusOK || strings.HasPrefix(page.Body, "PK") {
					t.Fatalf("%s GET of the link: %d, want the page", name, page.Status)
				}
			}
			send(t, a, http.MethodHead, path, "", "", hdr("Range", "bytes=0-0"))
		}
		page := get(t, a, path)
		contains(t, page.Body, "Download your data", id, `<form method="post" action="/requests/`+id+`/download"`,
			`<input type="hidden" name="token" value="`+token+`">`, "Download my data (ZIP)", "<dt>Downloads left on this link</dt><dd><strong>5</strong>")
		if page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("download page headers: %v", page.Header)
		}
		if n := tokenUses(t, a, token); n != 0 {
			t.Fatalf("opening the link used it %d times", n)
		}
		if n := auditCount(t, a, id, "download"); n != 0 {
			t.Fatalf("opening the link counted %d downloads", n)
		}

		exp, err := models.LatestExport(ctx, a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(exp.Path)
		if err != nil {
			t.Fatal(err)
		}
		one := downloadZip(t, a, path, hdr("Range", "bytes=0-0"))
		if one.Status != http.StatusOK || int64(len(one.Body)) != info.Size() || one.Header.Get("Content-Range") != "" {
			t.Fatalf("button with Range: %d, %d of %d bytes, Content-Range %q: want the whole file",
				one.Status, len(one.Body), info.Size(), one.Header.Get("Content-Range"))
		}
		if n := tokenUses(t, a, token); n != 1 {
			t.Fatalf("after one whole download: %d uses, want 1", n)
		}

		// A send that fails (the client went away) is no download.
		broken := errors.New("client went away")
		if err := a.Svc.Download(ctx, id, token, func(*models.Export) error { return broken }); !errors.Is(err, broken) {
			t.Fatalf("broken-off download: %v", err)
		}
		if n := tokenUses(t, a, token); n != 1 {
			t.Fatalf("a broken-off download kept its use: %d uses, want 1", n)
		}
		waitAudit(t, a, id, "download", 1) // written as the last byte goes
		if n := auditCount(t, a, id, "download"); n != 1 {
			t.Fatalf("audited downloads = %d, want 1", n)
		}
		contains(t, get(t, a, path).Body, "<dt>Downloads left on this link</dt><dd><strong>4</strong>")
	})
}

// TestStatusPageShowsTheDownloadBoxAndSendsFreshLinksToTheConfirmedAddress
// proves a completed access request's status page shows until when its data
// can be downloaded and how many downloads are left, and that its button
// emails a working fresh link to the confirmed address only, at most three
// times a day, for the holder of this request's status token only.
func TestStatusPageShowsTheDownloadBoxAndSendsFreshLinksToTheConfirmedAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: roomy.Limits})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "admin@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}
		id, path := completedAccess(t, a, admin, demo.AlexMorganEmail, 1)
		done := a.Mail.WaitFor(t, demo.AlexMorganEmail, "Your data from Kactoily is ready")
		statusToken := tokenOf(t, done.Link("/status?token="))
		statusURL := "/requests/" + id + "/status?token=" + url.QueryEscape(statusToken)
		exp, err := models.LatestExport(ctx, a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}

		if got := downloadZip(t, a, path, nil); got.Status != http.StatusOK {
			t.Fatalf("download: %d", got.Status)
		}
		page := get(t, a, statusURL)
		contains(t, page.Body, `<section class="download-box"`, "Download your data",
			"<dt>Available until</dt><dd><strong>"+exp.ExpiresAt.UTC().Format("2 Jan 2006")+"</strong>",
			`<strong class="uses-left">4</strong> of 5`, `action="/requests/`+id+`/download-link"`, "Email me a fresh download link")
		lacks(t, page.Body, "We will answer by", "/download?token=")

		fresh := func(token string) answer {
			return postForm(t, a, "/requests/"+id+"/download-link", url.Values{"token": {token}}, nil)
		}
		before := snapshot(t, a)
		for name, tok := range map[string]string{"download token": tokenOf(t, path), "forged": forgedToken(), "none": ""} {
			if ans := fresh(tok); ans.Status != http.StatusNotFound {
				t.Errorf("fresh link with %s: %d, want 404", name, ans.Status)
			}
		}
		assertUnchanged(t, a, before)

		for i := 2; i <= 4; i++ {
			ans := fresh(statusToken)
			if ans.Status != http.StatusSeeOther || !strings.HasPrefix(ans.Header.Get("Location"), "/requests/"+id+"/status?token=") {
				t.Fatalf("fresh link %d: %d to %q", i, ans.Status, ans.Header.Get("Location"))
			}
			waitMailCount(t, a, demo.AlexMorganEmail, "Your data from Kactoily is ready", i)
		}
		contains(t, get(t, a, statusURL+"&linksent=1").Body, "We have emailed a fresh download link", "A fresh download link was emailed")
		before = snapshot(t, a)
		limited := fresh(statusToken)
		if limited.Status != http.StatusTooManyRequests || limited.Header.Get("Retry-After") == "" {
			t.Fatalf("fourth fresh link in a day: %d, want 429 with Retry-After", limited.Status)
		}
		assertUnchanged(t, a, before)

		latest := a.Mail.WaitForNth(t, demo.AlexMorganEmail, "Your data from Kactoily is ready", 4)
		if !strings.Contains(latest.Text, "fresh download link you asked for") {
			t.Errorf("fresh link email:\n%s", latest.Text)
		}
		freshPath := pathOf(t, a, latest.Link("/download?token="))
		if got := downloadZip(t, a, freshPath, nil); got.Status != http.StatusOK || !strings.HasPrefix(got.Body, "PK") {
			t.Fatalf("fresh link download: %d", got.Status)
		}
		contains(t, get(t, a, statusURL).Body, `<strong class="uses-left">4</strong> of 5`)
		var others int64
		if err := a.DB.Model(&models.Email{}).Where("request_id = ? AND kind = ? AND to_addr <> ?", id, "completed", demo.AlexMorganEmail).
			Count(&others).Error; err != nil || others != 0 {
			t.Fatalf("fresh links mailed elsewhere: %d, %v", others, err)
		}

		// A request with nothing to download has no box and no fresh link.
		pending := fileAccess(t, a, "ana@example.com", "Ana")
		tok := tokenOf(t, verifyEmail(t, a, "ana@example.com", pending).Link("/status?token="))
		lacks(t, get(t, a, "/requests/"+pending+"/status?token="+url.QueryEscape(tok)).Body, "download-box")
		if ans := postForm(t, a, "/requests/"+pending+"/download-link", url.Values{"token": {tok}}, nil); ans.Status != http.StatusConflict {
			t.Errorf("fresh link for a pending request: %d, want 409", ans.Status)
		}
		// After the export expires the box says so and offers a new request.
		a.Clock.Advance(workflows.ExportLife)
		contains(t, get(t, a, statusURL).Body, "Your export has expired", `href="/requests/new?type=access"`)
		if ans := fresh(statusToken); ans.Status != http.StatusConflict {
			t.Errorf("fresh link after expiry: %d", ans.Status)
		}
	})
}
