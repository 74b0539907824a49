package app_test

import (
	"context"
	"net/http"
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
	if _, _, err := a.Svc.Verify(ctx, tok); err != nil {
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
		}
		if n := auditCount(t, a, id, "download"); n != 0 {
			t.Fatalf("refused downloads were audited: %d", n)
		}

		for i := 1; i <= workflows.MaxDownloads; i++ {
			got := get(t, a, path)
			if got.Status != 200 || !strings.HasPrefix(got.Body, "PK") ||
				!strings.Contains(got.Header.Get("Content-Disposition"), "kactoily-data-"+id+".zip") {
				t.Fatalf("download %d: %d %q", i, got.Status, got.Header.Get("Content-Disposition"))
			}
		}
		if got := get(t, a, path); got.Status != http.StatusGone {
			t.Fatalf("download %d: got %d, want 410", workflows.MaxDownloads+1, got.Status)
		}
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
		n, err := a.Svc.PurgeExports(ctx)
		if err != nil || n != 2 {
			t.Fatalf("purge: %d, %v (want 2 exports deleted)", n, err)
		}
		if _, err := os.Stat(exp.Path); !os.IsNotExist(err) {
			t.Fatalf("expired export still on disk: %v", err)
		}
	})
}
