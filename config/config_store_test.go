package config_test

import (
	"io"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/config"
)

func TestConfigTakesMySQLOnlyAsTheStoreDatabase(t *testing.T) {
	load := func(env map[string]string) (config.Config, error) {
		return config.LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard, nil)
	}
	c, err := load(map[string]string{"PRIVACYDESK_STORE_DATABASE_URL": "mysql://shop:pw@db.internal:3306/wordpress?tls=skip-verify"})
	if err != nil {
		t.Fatalf("MySQL store refused: %v", err)
	}
	if c.StoreDatabaseURL != "mysql://shop:pw@db.internal:3306/wordpress?tls=skip-verify" {
		t.Errorf("store URL %q changed", c.StoreDatabaseURL)
	}
	cases := []struct{ env, url, want string }{
		{"PRIVACYDESK_DATABASE_URL", "mysql://root@127.0.0.1:3306/test", "PRIVACYDESK_DATABASE_URL: MySQL/MariaDB can be only the store's database"},
		{"PRIVACYDESK_STORE_DATABASE_URL", "mysql://shop:pw@db.internal/", "PRIVACYDESK_STORE_DATABASE_URL: database URL \"mysql://…@db.internal/\" must name one database"},
		{"PRIVACYDESK_STORE_DATABASE_URL", "mysql://shop:pw@db.internal/wp?parseTime=false", "parseTime is set by Privacy Desk"},
	}
	for _, tc := range cases {
		_, err := load(map[string]string{tc.env: tc.url})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: err %v, want %q", tc.env, tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), ":pw@") {
			t.Errorf("error %q shows the password", err)
		}
	}
}
