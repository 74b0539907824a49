// Package config reads Privacy Desk's settings from PRIVACYDESK_* environment
// variables and command-line flags, and refuses a malformed one by name.
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	pdmail "github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/workflows"
)

// Config is every setting, each from a PRIVACYDESK_* environment variable
// and a matching flag (the flag wins).
type Config struct {
	Addr             string
	MetricsAddr      string // where /metrics listens, apart from the site; "none": nowhere
	DataDir          string
	DatabaseURL      string
	StoreDatabaseURL string
	Datasets         string // dataset files or folders of *.yaml, comma-separated (default: the built-in demo store's)
	BaseURL          string
	SMTPURL          string
	MailFrom         string
	SupportEmail     string
	Org              string // the organization file (default: Kactoily's, built in)
	ThirdParties     string // Name|email|types;… (default: the organization file's)
	TrustedProxies   string // CIDRs or IPs, comma-separated, whose X-Forwarded-For is believed (default: none)
	RequestRetention string // how long closed requests keep personal data, e.g. 24m (default 24 months)
	Demo             bool
	AutoMigrate      bool // apply migrations at start-up; off for multi-instance rollouts
	Workers          bool // run background jobs in this instance

	DRPBusinessID    string // this business's Data Rights Protocol id (empty: no DRP endpoints)
	DRPActions       string // supported DRP actions, comma-separated
	DRPVerifications string // supported DRP verifications, comma-separated
	DRPTrustAgent    bool   // trust an agent's email verification
	DRPInternalHooks bool   // let status callbacks reach private addresses (testing only)
	DRPRatePerIP     string // DRP calls per client IP per hour (default 1200)
	DRPRatePerAgent  string // DRP calls per agent token per hour (default 600)
	IntakeRatePerIP  string // filings (form and API together) per client IP per hour (default 20)
}

// DefaultMetricsAddr is where /metrics listens unless configured: the
// loopback interface only, so only the machine itself can read it.
const DefaultMetricsAddr = "127.0.0.1:9464"

// setting describes one option: flag name, environment variable, help.
type setting struct {
	flag, env, help string
	str             *string
	boolean         *bool
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "PRIVACYDESK_ADDR", "address to listen on", &c.Addr, nil},
		{"metrics-addr", "PRIVACYDESK_METRICS_ADDR", "address /metrics listens on, apart from the site (\"none\": not served)", &c.MetricsAddr, nil},
		{"data-dir", "PRIVACYDESK_DATA_DIR", "folder for the SQLite file, .eml files and exports", &c.DataDir, nil},
		{"database-url", "PRIVACYDESK_DATABASE_URL", "sqlite:PATH or postgres://… (default sqlite:DATA_DIR/privacydesk.db)", &c.DatabaseURL, nil},
		{"store-database-url", "PRIVACYDESK_STORE_DATABASE_URL", "the store's database: sqlite:PATH, postgres://… or mysql://… (default: the app's own)", &c.StoreDatabaseURL, nil},
		{"datasets", "PRIVACYDESK_DATASETS", "dataset files describing the store's tables, or folders of *.yaml files, comma-separated (default: the built-in demo store's)", &c.Datasets, nil},
		{"base-url", "PRIVACYDESK_BASE_URL", "public URL that starts every emailed link (default http://localhost:PORT)", &c.BaseURL, nil},
		{"smtp-url", "PRIVACYDESK_SMTP_URL", "smtp://user:pass@host:port?tls=none|starttls|tls (default: write .eml files)", &c.SMTPURL, nil},
		{"mail-from", "PRIVACYDESK_MAIL_FROM", "From address of every email (default: \"<name> Privacy <privacy_email>\" of the organization file)", &c.MailFrom, nil},
		{"support-email", "PRIVACYDESK_SUPPORT_EMAIL", "address told of each newly verified request (default: privacy_email of the organization file)", &c.SupportEmail, nil},
		{"org", "PRIVACYDESK_ORG", "the organization file: its name, contact, privacy policy, Art. 15 statements and third parties (default: Kactoily's, built in)", &c.Org, nil},
		{"third-parties", "PRIVACYDESK_THIRD_PARTIES", "recipients told of deletions and opt-outs: Name|email|deletion,opt_out[|what they hold];… (a scope such as sale_sharing instead of opt_out: only those opt-outs; \"none\" for nobody)", &c.ThirdParties, nil},
		{"trusted-proxies", "PRIVACYDESK_TRUSTED_PROXIES", "load balancers or proxies whose X-Forwarded-For names the client: CIDRs or IPs, comma-separated (default: none)", &c.TrustedProxies, nil},
		{"request-retention", "PRIVACYDESK_REQUEST_RETENTION", "how long a closed request keeps the requester's personal data: 24m (months), 2y, 730d or 17520h (default 24m)", &c.RequestRetention, nil},
		{"demo", "PRIVACYDESK_DEMO", "seed a demo store when the database is empty", nil, &c.Demo},
		{"auto-migrate", "PRIVACYDESK_AUTO_MIGRATE", "apply database migrations at start-up", nil, &c.AutoMigrate},
		{"workers", "PRIVACYDESK_WORKERS", "run background jobs in this instance", nil, &c.Workers},
		{"drp-business-id", "PRIVACYDESK_DRP_BUSINESS_ID", "this business's id in the Data Rights Protocol directory (default: none, the /v1 DRP endpoints are off)", &c.DRPBusinessID, nil},
		{"drp-actions", "PRIVACYDESK_DRP_ACTIONS", "DRP actions accepted from agents, comma-separated (default access,deletion,sale:opt-out,sale:opt-in)", &c.DRPActions, nil},
		{"drp-verifications", "PRIVACYDESK_DRP_VERIFICATIONS", "DRP verifications supported, comma-separated: email, phone_number, address (default email)", &c.DRPVerifications, nil},
		{"drp-trust-agent-verification", "PRIVACYDESK_DRP_TRUST_AGENT_VERIFICATION", "treat an email an agent marked verified as confirmed, without emailing the person (default off)", nil, &c.DRPTrustAgent},
		{"drp-internal-callbacks", "PRIVACYDESK_DRP_INTERNAL_CALLBACKS", "let DRP status callbacks reach loopback and private addresses (testing only; default off)", nil, &c.DRPInternalHooks},
		{"drp-rate-per-ip", "PRIVACYDESK_DRP_RATE_PER_IP", "DRP endpoint calls allowed per client IP per hour (default 1200)", &c.DRPRatePerIP, nil},
		{"drp-rate-per-agent", "PRIVACYDESK_DRP_RATE_PER_AGENT", "DRP endpoint calls allowed per agent bearer token per hour (default 600)", &c.DRPRatePerAgent, nil},
		{"intake-rate-per-ip", "PRIVACYDESK_INTAKE_RATE_PER_IP", "filings (the form and POST /api/v1/requests together) allowed per client IP per hour (default 20)", &c.IntakeRatePerIP, nil},
	}
}

// LoadConfig reads the environment (through getenv), then the flags in args.
// It returns a clear error for a malformed value.
// extra, if not nil, adds a command's own flags.
func LoadConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, error) {
	c := Config{
		Addr: ":8080", DataDir: "./data", AutoMigrate: true, Workers: true,
	}
	c.MetricsAddr = DefaultMetricsAddr
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range c.settings() {
		v, set := getenv(s.env), getenv(s.env) != ""
		help := fmt.Sprintf("%s (env %s)", s.help, s.env)
		if s.str != nil {
			if set {
				*s.str = v
			}
			fs.StringVar(s.str, s.flag, *s.str, help)
			continue
		}
		if set {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("%s must be true or false (got %q)", s.env, v)
			}
			*s.boolean = b
		}
		fs.BoolVar(s.boolean, s.flag, *s.boolean, help)
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.normalize()
}

func (c *Config) normalize() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("PRIVACYDESK_ADDR must be host:port or :port (got %q)", c.Addr)
	}
	if c.MetricsAddr != "none" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("PRIVACYDESK_METRICS_ADDR must be host:port, :port or none (got %q)", c.MetricsAddr)
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("PRIVACYDESK_DATA_DIR must not be empty")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "privacydesk.db")
	}
	if _, _, err := models.ParseDatabaseURL(c.DatabaseURL); err != nil {
		return fmt.Errorf("PRIVACYDESK_DATABASE_URL: %s", models.ErrorMessage(err))
	}
	if c.StoreDatabaseURL != "" {
		if _, _, err := models.ParseStoreDatabaseURL(c.StoreDatabaseURL); err != nil {
			return fmt.Errorf("PRIVACYDESK_STORE_DATABASE_URL: %s", models.ErrorMessage(err))
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("PRIVACYDESK_BASE_URL must be an absolute http(s) URL like https://privacy.example.com (got %q)", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if _, err := c.TrustedProxyList(); err != nil {
		return fmt.Errorf("PRIVACYDESK_TRUSTED_PROXIES: %w", err)
	}
	if _, err := c.ThirdPartyList(); err != nil {
		return fmt.Errorf("PRIVACYDESK_THIRD_PARTIES: %w", err)
	}
	if _, err := workflows.ParseRetention(c.RequestRetention); err != nil {
		return fmt.Errorf("PRIVACYDESK_REQUEST_RETENTION: %w", err)
	}
	if _, err := c.DRP(); err != nil {
		return err
	}
	if _, _, err := c.DRPRates(); err != nil {
		return err
	}
	if _, err := c.IntakeRate(); err != nil {
		return err
	}
	if c.SMTPURL != "" {
		if _, err := pdmail.ParseSMTPURL(c.SMTPURL); err != nil {
			return fmt.Errorf("PRIVACYDESK_SMTP_URL: %w", err)
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); c.MailFrom != "" && err != nil {
		return fmt.Errorf("PRIVACYDESK_MAIL_FROM must be an address like \"Name <privacy@example.com>\" (got %q)", c.MailFrom)
	}
	if c.SupportEmail != "" {
		if _, err := mail.ParseAddress(c.SupportEmail); err != nil {
			return fmt.Errorf("PRIVACYDESK_SUPPORT_EMAIL must be an email address (got %q)", c.SupportEmail)
		}
	}
	return nil
}

// BaseURLFor returns the configured base URL, or one built from the
// address actually listened on.
func (c *Config) BaseURLFor(listen net.Addr) string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	port := "8080"
	if ta, ok := listen.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	return "http://localhost:" + port
}

// ThirdPartyList returns the third-party recipients the setting names
// (none when it is empty or "none": when empty, the organization file's apply).
func (c *Config) ThirdPartyList() ([]org.ThirdParty, error) {
	switch strings.TrimSpace(c.ThirdParties) {
	case "", "none":
		return nil, nil
	}
	return workflows.ParseThirdParties(c.ThirdParties)
}

// TrustedProxyList returns the trusted proxies as CIDRs (a bare IP becomes
// a /32 or /128); none when the setting is empty.
func (c *Config) TrustedProxyList() ([]string, error) {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if ip, err := netip.ParseAddr(p); err == nil {
			p = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		pre, err := netip.ParsePrefix(p)
		if err != nil || pre.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8 or an IP address", p)
		}
		out = append(out, pre.Masked().String())
	}
	return out, nil
}

// Retention returns how long closed requests keep personal data.
func (c *Config) Retention() workflows.Retention {
	r, _ := workflows.ParseRetention(c.RequestRetention) // checked by LoadConfig
	return r
}

// DatasetPaths returns the configured dataset files and folders; none
// means the built-in demo store's file.
func (c *Config) DatasetPaths() []string {
	var out []string
	for _, p := range strings.Split(c.Datasets, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DRP returns the Data Rights Protocol settings.
func (c *Config) DRP() (workflows.DRPSettings, error) {
	d := workflows.DRPSettings{BusinessID: strings.TrimSpace(c.DRPBusinessID), TrustAgentVerification: c.DRPTrustAgent, InternalCallbacks: c.DRPInternalHooks}
	var err error
	if d.Actions, err = workflows.ParseDRPActions(c.DRPActions); err != nil {
		return d, fmt.Errorf("PRIVACYDESK_DRP_ACTIONS: %w", err)
	}
	if d.Verifications, err = workflows.ParseDRPVerifications(c.DRPVerifications); err != nil {
		return d, fmt.Errorf("PRIVACYDESK_DRP_VERIFICATIONS: %w", err)
	}
	return d, nil
}

// DRPRates returns the hourly limits of the DRP endpoints per client IP
// and per agent token; 0 means the default.
func (c *Config) DRPRates() (perIP, perAgent int, err error) {
	if perIP, err = hourlyLimit("PRIVACYDESK_DRP_RATE_PER_IP", "calls", c.DRPRatePerIP); err != nil {
		return 0, 0, err
	}
	perAgent, err = hourlyLimit("PRIVACYDESK_DRP_RATE_PER_AGENT", "calls", c.DRPRatePerAgent)
	return perIP, perAgent, err
}

// IntakeRate returns how many filings one client IP may make an hour; 0
// means the default.
func (c *Config) IntakeRate() (int, error) {
	return hourlyLimit("PRIVACYDESK_INTAKE_RATE_PER_IP", "filings", c.IntakeRatePerIP)
}

// hourlyLimit reads a rate setting: empty is 0 (the default), else a whole
// number from 1 to 1000000; the error names env and what it counts.
func hourlyLimit(env, what, v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, fmt.Errorf("%s must be a whole number of %s per hour from 1 to 1000000 (got %q)", env, what, v)
	}
	return n, nil
}
