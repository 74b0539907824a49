// Package mail renders Privacy Desk's emails from templates and delivers them
// over SMTP (github.com/go-mail/mail) or, with no server set, as .eml files.
package mail

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/go-mail/mail"
)

// Message is one rendered email.
type Message struct {
	From      string
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string // "<id@host>", kept across retries so receivers can de-duplicate
	Date      time.Time
	// Attachments are files sent with the message, after its text and HTML.
	Attachments []Attachment
}

// Attachment is a file attached to a message, held in memory.
type Attachment struct {
	Name        string // the file name the receiver sees, such as receipt-PD-….json
	ContentType string // such as application/json
	Data        []byte
}

// Mailer delivers a rendered message. Send is safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// build turns m into a go-mail message with a text and an HTML alternative.
func (m *Message) build() *gomail.Message {
	g := gomail.NewMessage()
	g.SetHeader("From", m.From)
	g.SetHeader("To", m.To)
	g.SetHeader("Subject", m.Subject)
	if m.MessageID != "" {
		g.SetHeader("Message-ID", m.MessageID)
	}
	if !m.Date.IsZero() {
		g.SetDateHeader("Date", m.Date)
	}
	g.SetHeader("Auto-Submitted", "auto-generated")
	g.SetBody("text/plain", m.Text)
	if m.HTML != "" {
		g.AddAlternative("text/html", m.HTML)
	}
	for _, a := range m.Attachments {
		data := a.Data // a copy func, not a reader, so the message can be written more than once
		g.Attach(a.Name, gomail.SetCopyFunc(func(w io.Writer) error { _, err := w.Write(data); return err }),
			gomail.SetHeader(map[string][]string{"Content-Type": {mime.FormatMediaType(a.ContentType, map[string]string{"name": a.Name})}}))
	}
	return g
}

// WriteTo writes m as an RFC 5322 message (an .eml file's content).
func (m *Message) WriteTo(w io.Writer) (int64, error) { return m.build().WriteTo(w) }

// SMTPSettings is a parsed PRIVACYDESK_SMTP_URL.
type SMTPSettings struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // none, starttls or tls
}

// ParseSMTPURL parses smtp://user:pass@host:port?tls=none|starttls|tls.
// The default port is 25 (465 with tls=tls) and the default TLS is starttls.
func ParseSMTPURL(raw string) (SMTPSettings, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" && u.Scheme != "smtps" || u.Hostname() == "" {
		return SMTPSettings{}, fmt.Errorf("SMTP URL must look like smtp://user:pass@host:port?tls=starttls")
	}
	s := SMTPSettings{Host: u.Hostname(), TLS: "starttls"}
	if u.Scheme == "smtps" {
		s.TLS = "tls"
	}
	if t := u.Query().Get("tls"); t != "" {
		s.TLS = t
	}
	switch s.TLS {
	case "none", "starttls", "tls":
	default:
		return SMTPSettings{}, fmt.Errorf("SMTP URL: tls must be none, starttls or tls (got %q)", s.TLS)
	}
	for k := range u.Query() {
		if k != "tls" {
			return SMTPSettings{}, fmt.Errorf("SMTP URL: unknown option %q", k)
		}
	}
	s.Port = 25
	if s.TLS == "tls" {
		s.Port = 465
	}
	if p := u.Port(); p != "" {
		s.Port, err = strconv.Atoi(p)
		if err != nil || s.Port < 1 || s.Port > 65535 {
			return SMTPSettings{}, fmt.Errorf("SMTP URL: bad port %q", p)
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// Redacted returns the settings as a URL without the password, for logs.
func (s SMTPSettings) Redacted() string {
	user := ""
	if s.Username != "" {
		user = s.Username + ":…@"
	}
	return fmt.Sprintf("smtp://%s%s:%d?tls=%s", user, s.Host, s.Port, strings.ToLower(s.TLS))
}
