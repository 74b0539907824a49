package config_test

import (
	"io"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/config"
)

// TestMetricsAddrDefaultsToLoopbackAndIsChecked proves /metrics listens
// on the loopback interface unless configured, can be moved or turned off,
// and that a malformed address is refused naming the setting.
func TestMetricsAddrDefaultsToLoopbackAndIsChecked(t *testing.T) {
	cases := []struct {
		name    string
		env     string
		args    []string
		want    string
		wantErr string
	}{
		{"default", "", nil, "127.0.0.1:9464", ""},
		{"from the environment", "0.0.0.0:9100", nil, "0.0.0.0:9100", ""},
		{"flag wins", "0.0.0.0:9100", []string{"--metrics-addr", "[::1]:9200"}, "[::1]:9200", ""},
		{"turned off", "none", nil, "none", ""},
		{"port without colon", "9100", nil, "", "PRIVACYDESK_METRICS_ADDR"},
		{"empty flag", "", []string{"--metrics-addr="}, "", "PRIVACYDESK_METRICS_ADDR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"PRIVACYDESK_METRICS_ADDR": tc.env}
			c, err := config.LoadConfig("serve", tc.args, func(k string) string { return env[k] }, io.Discard, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.MetricsAddr != tc.want {
				t.Fatalf("MetricsAddr = %q, %v; want %q", c.MetricsAddr, err, tc.want)
			}
		})
	}
}

// TestTrustedProxiesSettingTakesCIDRsAndAddressesAndRefusesOthers proves a
// bare address becomes its /32 or /128, a CIDR is masked, and anything else
// is refused naming the setting.
func TestTrustedProxiesSettingTakesCIDRsAndAddressesAndRefusesOthers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  []string // nil with wantErr
		err   bool
	}{
		{"", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{" 10.1.2.3 , 192.168.0.0/16,fd00::/8 ", []string{"10.1.2.3/32", "192.168.0.0/16", "fd00::/8"}, false},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, false},
		{"2001:db8::1", []string{"2001:db8::1/128"}, false},
		{"lb.internal", nil, true},
		{"10.0.0.0/33", nil, true},
		{"10.0.0.0/8;10.1.0.0/16", nil, true},
	} {
		env := map[string]string{"PRIVACYDESK_TRUSTED_PROXIES": tc.value}
		cfg, err := config.LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard, nil)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "PRIVACYDESK_TRUSTED_PROXIES") {
				t.Errorf("%q: err = %v, want one naming PRIVACYDESK_TRUSTED_PROXIES", tc.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.value, err)
			continue
		}
		got, _ := cfg.TrustedProxyList()
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: trusted proxies %q, want %q", tc.value, got, tc.want)
		}
	}
	// The flag works too, and wins.
	cfg, err := config.LoadConfig("serve", []string{"--trusted-proxies", "172.16.0.0/12"}, func(string) string { return "" }, io.Discard, nil)
	if got, _ := cfg.TrustedProxyList(); err != nil || len(got) != 1 || got[0] != "172.16.0.0/12" {
		t.Fatalf("--trusted-proxies: %q, %v", got, err)
	}
}
