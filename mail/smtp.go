package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync"
	"time"

	gomail "github.com/go-mail/mail"
)

// idleReuse is how long an open SMTP connection is reused between messages.
const idleReuse = 20 * time.Second

// SMTPMailer sends through an SMTP server, reusing one connection while
// messages keep coming.
type SMTPMailer struct {
	dialer *gomail.Dialer

	mu       sync.Mutex
	conn     gomail.SendCloser
	lastUsed time.Time
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTPMailer returns a Mailer for the server in s. tlsConfig may be nil.
func NewSMTPMailer(s SMTPSettings, tlsConfig *tls.Config) *SMTPMailer {
	d := gomail.NewDialer(s.Host, s.Port, s.Username, s.Password)
	d.Timeout = 10 * time.Second
	d.RetryFailure = false // a retry here could send twice; the job retries instead
	switch s.TLS {
	case "tls":
		d.SSL = true
	case "starttls":
		d.StartTLSPolicy = gomail.MandatoryStartTLS
	default:
		d.StartTLSPolicy = gomail.NoStartTLS
	}
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	d.TLSConfig = tlsConfig
	return &SMTPMailer{dialer: d}
}

// Send delivers m. A connection left idle too long is replaced first; a
// failed send closes the connection so the next one starts clean.
func (s *SMTPMailer) Send(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && time.Since(s.lastUsed) > idleReuse {
		s.conn.Close()
		s.conn = nil
	}
	if s.conn == nil {
		c, err := s.dialer.Dial()
		if err != nil {
			return fmt.Errorf("connect to SMTP server: %w", err)
		}
		s.conn = c
	}
	if err := gomail.Send(s.conn, m.build()); err != nil {
		s.conn.Close()
		s.conn = nil
		return fmt.Errorf("send email: %w", err)
	}
	s.lastUsed = time.Now()
	return nil
}

// Close ends the open connection, if any.
func (s *SMTPMailer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
