package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/models"
)

// TestServeRefusesAnInvalidOrganizationFileNamingFileAndLine proves serve
// stops before opening any database when the organization file has a
// mistake, and says which setting, file, line and field.
func TestServeRefusesAnInvalidOrganizationFileNamingFileAndLine(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("..", "..", "testdata", "org", "brightwater.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "brightwater.yaml")
	text := strings.Replace(string(good), "  privacy_email:", "  privacy_mail:", 1)
	if err := os.WriteFile(bad, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(text[:strings.Index(text, "privacy_mail:")], "\n")
	dataDir := t.TempDir()
	env := map[string]string{"PRIVACYDESK_DATA_DIR": dataDir, "PRIVACYDESK_ORG": bad}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "none"}, envFunc(env), io.Discard, io.Discard)
	want := "PRIVACYDESK_ORG: " + bad + ":" + strconv.Itoa(line) + ": contact.privacy_mail: unknown field"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("serve: %v, want an error starting %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "privacydesk.db")); !os.IsNotExist(err) {
		t.Errorf("serve created its database before refusing the file: %v", err)
	}
}

// TestServeShowsTheOrganizationFileGivenByFlag proves --org replaces the
// built-in Kactoily facts on the running server's pages.
func TestServeShowsTheOrganizationFileGivenByFlag(t *testing.T) {
	in := boot(t, models.DialectSQLite, "--org", filepath.Join("..", "..", "testdata", "org", "brightwater.yaml"))
	code, body := get(t, in.Client, in.URL+"/privacy-policy")
	if code != 200 {
		t.Fatalf("policy page: %d", code)
	}
	contains(t, body, `Last updated <time datetime="2025-03-14">14 Mar 2025</time>`)
	contains(t, body, "<title>Privacy Policy · Brightwater Bikes Privacy Center</title>")
	if strings.Contains(body, "Kactoily") {
		t.Errorf("the policy page still mentions Kactoily:\n%s", body)
	}
}
