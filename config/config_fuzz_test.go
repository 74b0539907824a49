package config_test

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/models"
)

// configEnv lists the settings FuzzLoadConfig fills, in its argument order.
var configEnv = []string{
	"PRIVACYDESK_ADDR", "PRIVACYDESK_DATA_DIR", "PRIVACYDESK_DATABASE_URL", "PRIVACYDESK_STORE_DATABASE_URL",
	"PRIVACYDESK_BASE_URL", "PRIVACYDESK_SMTP_URL", "PRIVACYDESK_MAIL_FROM", "PRIVACYDESK_SUPPORT_EMAIL",
	"PRIVACYDESK_THIRD_PARTIES", "PRIVACYDESK_DEMO", "PRIVACYDESK_WORKERS",
}

// clearConfigError reports whether a LoadConfig error names what is wrong:
// the setting, or the flag the standard flag package complains about.
func clearConfigError(msg string) bool {
	return strings.HasPrefix(msg, "PRIVACYDESK_") || strings.HasPrefix(msg, "unexpected argument ") ||
		strings.Contains(msg, "flag") || strings.HasPrefix(msg, "invalid ")
}

// FuzzLoadConfig proves the settings parser never panics on any environment
// values and arguments, that every error names the setting or flag at
// fault, and that what it accepts is usable: an address to listen on, a
// database URL that parses, a base URL without a trailing slash.
func FuzzLoadConfig(f *testing.F) {
	seeds := [][12]string{
		{":8080", "./data", "", "", "", "", "Kactoily Privacy <privacy@kactoily.com>", "", "", "", "", ""},
		{"127.0.0.1:0", "/tmp/pd", "sqlite:/tmp/pd/x.db", "postgres://u:p@db/store", "https://privacy.example.com/", "smtp://u:p@mail:587?tls=starttls",
			"privacy@example.com", "team@example.com", "Ads Co|ads@example.com|opt_out,deletion;none", "true", "false", "--demo=false --addr :9090"},
		{"8080", "", "mysql://root:secret@db/x", "sqlite:", "ftp://x", "smtp://h?tls=maybe&x=1", "not an address", "@", "A|b|c", "yes", "0", "extra"},
		{"[::1]:http", "data", "sqlite:///abs/path.db", "sqlite:x.db?mode=ro", "http://h/#frag", "smtps://h:99999", "", "a@b.co", ";;", "1", "F", "-h"},
		{"", "", "postgresql://", "", "https://h?q=1", "smtp://%zz", "<a@b.co>", "", "X|a@b.co|", "", "", "--base-url"},
		{":0", "\x00", "sqlite:\n", "", "http://[::1", "smtp://[::1]:25", "\"Q\" <q@r.st>", "", "none", "", "", "---x -addr=:1 -- trailing"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11])
	}
	f.Fuzz(func(t *testing.T, addr, dataDir, dbURL, storeURL, baseURL, smtpURL, from, support, thirdParties, demo, workers, args string) {
		values := []string{addr, dataDir, dbURL, storeURL, baseURL, smtpURL, from, support, thirdParties, demo, workers}
		env := map[string]string{}
		for i, k := range configEnv {
			env[k] = values[i]
		}
		c, err := config.LoadConfig("serve", strings.Fields(args), func(k string) string { return env[k] }, io.Discard, nil)
		if err != nil {
			if msg := err.Error(); msg == "" || !clearConfigError(msg) {
				t.Fatalf("unclear error %q for env %q args %q", msg, env, args)
			}
			return
		}
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			t.Fatalf("accepted address %q: %v", c.Addr, err)
		}
		if _, _, err := models.ParseDatabaseURL(c.DatabaseURL); err != nil || c.DataDir == "" {
			t.Fatalf("accepted database URL %q, data dir %q: %v", c.DatabaseURL, c.DataDir, err)
		}
		if strings.HasSuffix(c.BaseURL, "/") {
			t.Fatalf("base URL %q keeps its trailing slash", c.BaseURL)
		}
		if _, err := c.ThirdPartyList(); err != nil {
			t.Fatalf("accepted third parties %q: %v", c.ThirdParties, err)
		}
	})
}
