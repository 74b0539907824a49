package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"net/smtp"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// Email: messages per second through mail.SMTPMailer to the in-process SMTP
// server (internal/smtptest, which parses and keeps every message), against
// a bare net/smtp loop sending the same message, already serialized, over
// one connection to the same kind of server.

const (
	emailGoal     = 0.8
	emailPerRound = 3000
	emailRounds   = 5
)

// verifyMessage is the verification email as the app renders it.
func verifyMessage(tb testing.TB) *mail.Message {
	tb.Helper()
	r, err := mail.NewRenderer(templates.FS)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	req := &models.Request{ID: "PD-7K2QM-9XW4T", Type: models.TypeAccess, Status: models.StatusPendingVerification,
		Email: "load.1@example.org", Name: "Load Tester", CreatedAt: now}
	subject, text, html, err := r.Render(workflows.EmailVerify, workflows.EmailData{Store: "Kactoily",
		BaseURL: "https://privacy.kactoily.com", Request: req, Type: req.Type, Status: req.Status,
		VerifyURL: "https://privacy.kactoily.com/verify/" + string(bytes.Repeat([]byte("A"), 43)),
		StatusURL: "https://privacy.kactoily.com/status/" + req.ID, LinkHours: 24, ResponseDs: 30})
	if err != nil {
		tb.Fatal(err)
	}
	return &mail.Message{From: "Kactoily Privacy <privacy@kactoily.example>", To: req.Email, Subject: subject,
		Text: text, HTML: html, MessageID: "<bench.1@kactoily.example>", Date: now}
}

// sendMailer sends n messages through a fresh SMTPMailer.
func sendMailer(tb testing.TB, srv *smtptest.Server, m *mail.Message, n int) time.Duration {
	tb.Helper()
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		tb.Fatal(err)
	}
	mailer := mail.NewSMTPMailer(settings, nil)
	defer mailer.Close()
	ctx := context.Background()
	start := time.Now()
	for range n {
		if err := mailer.Send(ctx, m); err != nil {
			tb.Fatal(err)
		}
	}
	return time.Since(start)
}

// sendBare sends raw n times with net/smtp over one connection.
func sendBare(tb testing.TB, srv *smtptest.Server, from, to string, raw []byte, n int) time.Duration {
	tb.Helper()
	start := time.Now()
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		tb.Fatal(err)
	}
	for range n {
		if err := c.Mail(from); err != nil {
			tb.Fatal(err)
		}
		if err := c.Rcpt(to); err != nil {
			tb.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(raw); err != nil {
			tb.Fatal(err)
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// TestEmailReport prints the email table and the email target line.
func TestEmailReport(t *testing.T) {
	reportOnly(t)
	m := verifyMessage(t)
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	from, to := "privacy@kactoily.example", m.To
	// Warm both up on a server of their own.
	warm := smtptest.Start(t)
	sendMailer(t, warm, m, 100)
	sendBare(t, warm, from, to, raw.Bytes(), 100)
	var appRates, bareRates []float64
	for k := range emailRounds {
		for j := range 2 {
			srv := smtptest.Start(t) // a fresh server each round: it keeps every message
			if (k+j)%2 == 0 {
				bareRates = append(bareRates, emailPerRound/sendBare(t, srv, from, to, raw.Bytes(), emailPerRound).Seconds())
			} else {
				appRates = append(appRates, emailPerRound/sendMailer(t, srv, m, emailPerRound).Seconds())
			}
			if got := len(srv.Messages()); got != emailPerRound {
				t.Fatalf("the server received %d messages, want %d", got, emailPerRound)
			}
		}
	}
	ratio := median(appRates) / median(bareRates)
	say("\n### Email: the verification email (%d bytes), %d per round, %d rounds, one connection\n", raw.Len(), emailPerRound, emailRounds)
	say("| sender | messages/s (median) | per round |")
	say("|---|--:|---|")
	say("| bare net/smtp loop, message serialized once (ceiling) | %.0f | %s |", median(bareRates), fmtRates(bareRates))
	say("| mail.SMTPMailer (go-mail: builds the MIME message each time) | %.0f | %s |", median(appRates), fmtRates(appRates))
	say("| **ratio** | **%.2fx** | |", ratio)
	say("")
	target("email", fmt.Sprintf("%.2fx", ratio), fmt.Sprintf(">=%.1fx", emailGoal), ratio >= emailGoal)
}

func fmtRates(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f", x)
	}
	return s
}

// BenchmarkEmail sends one message per op through each sender.
func BenchmarkEmail(b *testing.B) {
	m := verifyMessage(b)
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		b.Fatal(err)
	}
	b.Run("bare", func(b *testing.B) {
		sendBare(b, smtptest.Start(b), "privacy@kactoily.example", m.To, raw.Bytes(), b.N)
	})
	b.Run("mailer", func(b *testing.B) {
		sendMailer(b, smtptest.Start(b), m, b.N)
	})
}
