package app_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// raw sends a GET with the path exactly as written (no cleaning, no
// re-escaping), as an attacker's tool would.
func raw(t *testing.T, a *testapp.App, path string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // sent verbatim as the request target
	resp, err := a.Client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

var requestIDRE = regexp.MustCompile(`^PD-[0-9A-Z]{5}-[0-9A-Z]{5}$`)

// TestPathTraversalInIDsAndFileNamesFindsNothing puts traversal sequences
// where a request id goes, with a genuine token, on the download, status
// and staff pages, and under /static/: nothing but 404 (or a redirect back
// into the site), never a file from outside. Export files are named by the
// server alone, and the download's file name is built from the request id
// the token belongs to.
func TestPathTraversalInIDsAndFileNamesFindsNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits})
		if _, err := demo.Seed(context.Background(), a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id, download := completedAccess(t, a, root, demo.AlexMorganEmail, 1)
		dl := "/download?token=" + tokenOf(t, download)
		st := "/status?token=" + tokenOf(t, a.Mail.WaitFor(t, demo.AlexMorganEmail, "We have your privacy request "+id).Link("/status?token="))

		traversals := []string{
			"../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%252F..%252Fetc%252Fpasswd",
			"..", "%2e%2e", ".", id + "%2F..%2F..%2F" + id, `..%5C..%5Cwindows%5Cwin.ini`, id + "%00.zip", id + "%2F", "%2F" + id,
			"exports", "..%2Fexports%2F" + id,
		}
		leaked := []string{"root:x:0:0", "[fonts]", "PK\x03\x04", "module github.com/kactoily"}
		for _, tr := range traversals {
			for _, p := range []string{"/requests/" + tr + dl, "/requests/" + tr + st, "/staff/requests/" + tr, "/api/v1/requests/" + tr + "?" + strings.TrimPrefix(st, "/status?")} {
				var ans answer
				if strings.HasPrefix(p, "/staff/") {
					ans = admin.get(t, p)
				} else {
					ans = raw(t, a, p)
				}
				if ans.Status != http.StatusNotFound && !(ans.Status == http.StatusMovedPermanently || ans.Status == http.StatusTemporaryRedirect) {
					t.Errorf("GET %s: %d, want 404", p, ans.Status)
				}
				if loc := ans.Header.Get("Location"); loc != "" && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//")) {
					t.Errorf("GET %s redirects off the site to %q", p, loc)
				}
				lacks(t, ans.Body, leaked...)
			}
		}
		for _, p := range []string{
			"/static/../../go.mod", "/static/..%2F..%2Fgo.mod", "/static/%2e%2e/%2e%2e/go.mod", "/static/..%5C..%5Cgo.mod",
			"/static/../pages/staff_admin.html", "/static/%2e%2e%2fpages%2fstaff_admin.html", "/static//etc/passwd",
		} {
			ans := raw(t, a, p)
			if ans.Status == http.StatusOK {
				t.Errorf("GET %s: 200", p)
			}
			lacks(t, ans.Body, append(leaked, "{{define")...)
		}
		if n := auditCount(t, a, id, "download"); n != 0 {
			t.Fatalf("%d downloads counted for traversal attempts", n)
		}

		ok := downloadZip(t, a, download, nil)
		wantStatus(t, ok, http.StatusOK, "")
		if !requestIDRE.MatchString(id) || ok.Header.Get("Content-Disposition") != `attachment; filename="kactoily-data-`+id+`.zip"` {
			t.Errorf("Content-Disposition %q", ok.Header.Get("Content-Disposition"))
		}
		exp, err := models.LatestExport(context.Background(), a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(filepath.Dir(exp.Path)) != "exports" ||
			!regexp.MustCompile(`^`+id+`-[0-9a-f]{24}\.zip$`).MatchString(filepath.Base(exp.Path)) {
			t.Errorf("export stored at %s: want exports/<id>-<random>.zip", exp.Path)
		}
	})
}
