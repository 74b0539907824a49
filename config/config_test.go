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

// TestDRPRateSettingsTakeWholeNumbersAndRefuseOthers proves the DRP limits
// are read from the environment and the flags, and a bad value is refused
// naming its setting.
func TestDRPRateSettingsTakeWholeNumbersAndRefuseOthers(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PRIVACYDESK_DRP_RATE_PER_IP": "50", "PRIVACYDESK_DRP_RATE_PER_AGENT": " 7 "}
	cfg, err := config.LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard, nil)
	if ip, agent, rerr := cfg.DRPRates(); err != nil || rerr != nil || ip != 50 || agent != 7 {
		t.Fatalf("DRP rates %d/%d, %v %v; want 50/7", ip, agent, err, rerr)
	}
	cfg, err = config.LoadConfig("serve", []string{"--drp-rate-per-agent", "9"}, func(string) string { return "" }, io.Discard, nil)
	if ip, agent, _ := cfg.DRPRates(); err != nil || ip != 0 || agent != 9 {
		t.Fatalf("--drp-rate-per-agent: %d/%d, %v; want 0 (default)/9", ip, agent, err)
	}
	for env, v := range map[string]string{"PRIVACYDESK_DRP_RATE_PER_IP": "lots", "PRIVACYDESK_DRP_RATE_PER_AGENT": "0"} {
		_, err := config.LoadConfig("serve", nil, func(k string) string {
			if k == env {
				return v
			}
			return ""
		}, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=%q: err = %v, want one naming the setting", env, v, err)
		}
	}
}

// TestIntakeRateSettingTakesAWholeNumberAndRefusesOthers proves the per-IP
// intake limit defaults to 0 (the app's default of 20), is read from the
// environment and the flag (which wins), and a bad value is refused naming
// the setting.
func TestIntakeRateSettingTakesAWholeNumberAndRefusesOthers(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	cfg, err := config.LoadConfig("serve", nil, none, io.Discard, nil)
	if n, rerr := cfg.IntakeRate(); err != nil || rerr != nil || n != 0 {
		t.Fatalf("unset intake rate: %d, %v %v; want 0 (the default)", n, err, rerr)
	}
	env := map[string]string{"PRIVACYDESK_INTAKE_RATE_PER_IP": " 500 "}
	cfg, err = config.LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard, nil)
	if n, _ := cfg.IntakeRate(); err != nil || n != 500 {
		t.Fatalf("PRIVACYDESK_INTAKE_RATE_PER_IP=500: %d, %v", n, err)
	}
	cfg, err = config.LoadConfig("serve", []string{"--intake-rate-per-ip", "1000000"}, func(k string) string { return env[k] }, io.Discard, nil)
	if n, _ := cfg.IntakeRate(); err != nil || n != 1_000_000 {
		t.Fatalf("--intake-rate-per-ip 1000000 over the environment's 500: %d, %v", n, err)
	}
	for _, v := range []string{"lots", "0", "-3", "1000001", "2.5"} {
		_, err := config.LoadConfig("serve", nil, func(k string) string {
			if k == "PRIVACYDESK_INTAKE_RATE_PER_IP" {
				return v
			}
			return ""
		}, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), "PRIVACYDESK_INTAKE_RATE_PER_IP") {
			t.Errorf("PRIVACYDESK_INTAKE_RATE_PER_IP=%q: err = %v, want one naming the setting", v, err)
		}
	}
}

// TestDRPActionsSettingTakesBothSpellingsAndRefusesOthers proves the
// accepted DRP actions default to all four, read either spelling of the
// sale actions, and refuse an action Privacy Desk cannot carry out.
func TestDRPActionsSettingTakesBothSpellingsAndRefusesOthers(t *testing.T) {
	t.Parallel()
	load := func(v string) (config.Config, error) {
		return config.LoadConfig("serve", nil, func(k string) string {
			if k == "PRIVACYDESK_DRP_ACTIONS" {
				return v
			}
			return ""
		}, io.Discard, nil)
	}
	for v, want := range map[string]string{
		"":                                 "access,deletion,sale:opt-out,sale:opt-in",
		"sale:opt_in, sale:opt_out,access": "sale:opt-in,sale:opt-out,access",
		"sale:opt-in,sale:opt_in":          "sale:opt-in",
	} {
		cfg, err := load(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		d, _ := cfg.DRP()
		if got := strings.Join(d.Actions, ","); got != want {
			t.Errorf("%q: actions %s, want %s", v, got, want)
		}
	}
	if _, err := load("access,access:categories"); err == nil || !strings.Contains(err.Error(), "PRIVACYDESK_DRP_ACTIONS") {
		t.Fatalf("unsupported action: err = %v, want one naming PRIVACYDESK_DRP_ACTIONS", err)
	}
}
