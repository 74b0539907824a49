package mail_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// TestParseSMTPURL checks defaults, TLS modes, credentials and every
// kind of bad URL, and that Redacted never shows the password.
func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		url     string
		want    mail.SMTPSettings
		wantErr string
	}{
		{url: "smtp://mail.example.com", want: mail.SMTPSettings{Host: "mail.example.com", Port: 25, TLS: "starttls"}},
		{url: "smtp://mail.example.com:587", want: mail.SMTPSettings{Host: "mail.example.com", Port: 587, TLS: "starttls"}},
		{url: "smtp://localhost:1025?tls=none", want: mail.SMTPSettings{Host: "localhost", Port: 1025, TLS: "none"}},
		{url: "smtp://mail.example.com?tls=tls", want: mail.SMTPSettings{Host: "mail.example.com", Port: 465, TLS: "tls"}},
		{url: "smtps://mail.example.com", want: mail.SMTPSettings{Host: "mail.example.com", Port: 465, TLS: "tls"}},
		{url: "smtps://mail.example.com:2465", want: mail.SMTPSettings{Host: "mail.example.com", Port: 2465, TLS: "tls"}},
		{url: "smtp://apikey:s3cr%40t%2Fpw@smtp.example.com:587?tls=starttls",
			want: mail.SMTPSettings{Host: "smtp.example.com", Port: 587, Username: "apikey", Password: "s3cr@t/pw", TLS: "starttls"}},
		{url: "smtp://[::1]:2525?tls=none", want: mail.SMTPSettings{Host: "::1", Port: 2525, TLS: "none"}},
		{url: "http://mail.example.com", wantErr: "smtp://"},
		{url: "mail.example.com:25", wantErr: "smtp://"},
		{url: "smtp://", wantErr: "smtp://"},
		{url: "smtp://:25", wantErr: "smtp://"},
		{url: "smtp://mail.example.com:0", wantErr: "bad port"},
		{url: "smtp://mail.example.com:65536", wantErr: "bad port"},
		{url: "smtp://mail.example.com:abc", wantErr: "smtp://"},
		{url: "smtp://mail.example.com?tls=ssl", wantErr: "tls must be"},
		{url: "smtp://mail.example.com?tls=STARTTLS", wantErr: "tls must be"},
		{url: "smtp://mail.example.com?tls=none&timeout=5", wantErr: `unknown option "timeout"`},
		{url: "smtp://mail.example.com?auth=plain", wantErr: `unknown option "auth"`},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			got, err := mail.ParseSMTPURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q (got %+v)", err, tc.wantErr, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}

	s, err := mail.ParseSMTPURL("smtp://apikey:hunter2-secret@smtp.example.com:587")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Redacted(); strings.Contains(r, "hunter2") || !strings.Contains(r, "apikey") ||
		!strings.Contains(r, "smtp.example.com:587") || !strings.Contains(r, "tls=starttls") {
		t.Fatalf("Redacted() = %q", r)
	}
	if r := (mail.SMTPSettings{Host: "h", Port: 25, TLS: "none"}).Redacted(); r != "smtp://h:25?tls=none" {
		t.Fatalf("Redacted() without user = %q", r)
	}
}

// countingProxy forwards TCP connections to addr and counts them.
func countingProxy(t *testing.T, addr string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			up, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return ln.Addr().String(), &n
}

func mailerFor(t *testing.T, addr string) *mail.SMTPMailer {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	s, err := mail.ParseSMTPURL("smtp://" + net.JoinHostPort(host, port) + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.NewSMTPMailer(s, nil)
	t.Cleanup(func() { m.Close() })
	return m
}

func message(to, subject string) *mail.Message {
	return &mail.Message{
		From: "Kactoily Privacy <privacy@kactoily.example>", To: to, Subject: subject,
		Text: "Hello,\n\nYour request is confirmed.\n", HTML: "<p>Hello,</p><p>Your request is <strong>confirmed</strong>.</p>",
		MessageID: "<pd-test." + strings.ReplaceAll(subject, " ", "-") + "@privacydesk.example>",
		Date:      time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
	}
}

// TestSMTPMailerDeliversTextAndHTML proves a message reaches a real SMTP
// server with its UTF-8 subject, Message-ID and both parts intact.
func TestSMTPMailerDeliversTextAndHTML(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailerFor(t, srv.Addr)
	msg := message("alex@example.com", "Bestätigung Ihrer Anfrage – Jürgen ✓")
	msg.MessageID = "<PD-7K3M9-QXA2B.verify.1@privacydesk.example>"
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "alex@example.com", "Jürgen ✓")
	if got.Subject != msg.Subject || got.MessageID != msg.MessageID || got.From != "privacy@kactoily.example" {
		t.Fatalf("received subject %q id %q from %q", got.Subject, got.MessageID, got.From)
	}
	if !strings.Contains(got.Text, "Your request is confirmed.") || strings.Contains(got.Text, "<p>") {
		t.Fatalf("text part = %q", got.Text)
	}
	if !strings.Contains(got.HTML, "<strong>confirmed</strong>") {
		t.Fatalf("HTML part = %q", got.HTML)
	}
	if !strings.Contains(string(got.Raw), "Auto-Submitted: auto-generated") {
		t.Fatal("no Auto-Submitted header")
	}
}

// TestSMTPMailerReusesOneConnection proves 20 messages in a row all arrive
// over a single SMTP connection.
func TestSMTPMailerReusesOneConnection(t *testing.T) {
	srv := smtptest.Start(t)
	addr, conns := countingProxy(t, srv.Addr)
	m := mailerFor(t, addr)
	for i := range 20 {
		if err := m.Send(context.Background(), message("alex@example.com", fmt.Sprintf("Message %02d", i))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	for i := range 20 {
		srv.WaitFor(t, "alex@example.com", fmt.Sprintf("Message %02d", i))
	}
	if n := len(srv.Messages()); n != 20 {
		t.Fatalf("%d messages arrived, want 20", n)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 messages, want 1", n)
	}
}

// TestSMTPMailerRecoversAfterRefusal proves a refused message is an error
// and that the next one after the server recovers goes through.
func TestSMTPMailerRecoversAfterRefusal(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailerFor(t, srv.Addr)
	ctx := context.Background()
	if err := m.Send(ctx, message("a@example.com", "Before")); err != nil {
		t.Fatal(err)
	}
	srv.Refuse(true)
	if err := m.Send(ctx, message("a@example.com", "Refused")); err == nil {
		t.Fatal("Send succeeded while the server refused")
	}
	srv.Refuse(false)
	if err := m.Send(ctx, message("a@example.com", "After")); err != nil {
		t.Fatalf("send after the server recovered: %v", err)
	}
	srv.WaitFor(t, "a@example.com", "After")
	if n := srv.Count("a@example.com", "Refused"); n != 0 {
		t.Fatalf("refused message arrived %d times", n)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Send(cancelled, message("a@example.com", "Cancelled")); err == nil {
		t.Fatal("Send with a cancelled context succeeded")
	}
}

// TestFileMailerWritesPrivateEmlFiles proves each message becomes one
// complete .eml file readable only by the owner, in a private folder.
func TestFileMailerWritesPrivateEmlFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "mail")
	f := &mail.FileMailer{Dir: dir}
	subjects := []string{"First", "Second ✓", "Third"}
	for _, s := range subjects {
		if err := f.Send(context.Background(), message("alex@example.com", s)); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("mail folder: %v %v, want 0700", info.Mode(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != len(subjects) {
		t.Fatalf("%d files (%v), want %d", len(entries), err, len(subjects))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasSuffix(e.Name(), ".eml") || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v %v, want a 0600 .eml file", e.Name(), info.Mode(), err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := smtptest.Parse(raw)
		if err != nil {
			t.Fatalf("%s does not parse: %v", e.Name(), err)
		}
		if !strings.Contains(m.Text, "confirmed.") || !strings.Contains(m.HTML, "<strong>") || m.MessageID == "" {
			t.Fatalf("%s lacks a part: %+v", e.Name(), m)
		}
		seen[m.Subject] = true
	}
	for _, s := range subjects {
		if !seen[s] {
			t.Errorf("no file for %q (saw %v)", s, seen)
		}
	}
}

func sampleData(name string) workflows.EmailData {
	due := time.Date(2026, 4, 1, 13, 0, 0, 0, time.UTC)
	r := &models.Request{
		ID: "PD-7K3M9-QXA2B", Type: models.TypeAccess, Status: models.StatusVerified, Email: "alex@example.com",
		Name: name, Scopes: "marketing_email analytics", DueAt: &due, DenialReason: "We could not confirm the account.",
		CreatedAt: due.AddDate(0, 0, -30),
	}
	base := "https://privacy.kactoily.example"
	return workflows.EmailData{
		Store: "Kactoily", BaseURL: base, Request: r, Type: "Access to my data", Status: "confirmed",
		Scopes: []string{"Marketing email", "Analytics"}, Details: map[string]any{"reason": "Records checked.", "days": 30},
		StatusURL: base + "/requests/PD-7K3M9-QXA2B/status?token=abc", VerifyURL: base + "/requests/verify?token=def",
		ResendURL: base + "/requests/resend", NewURL: base + "/requests/new",
		StaffURL: base + "/staff/requests/PD-7K3M9-QXA2B", LinkHours: 24, ResponseDs: 30,
		Appeal: &models.Appeal{RequestID: r.ID, Status: models.AppealOverturned, Reason: name + " disagrees.",
			DeniedBy: "quinn@kactoily.example", FiledAt: due, DueAt: due.AddDate(0, 0, 45), DecidedAt: &due,
			Answer: "We looked again and will carry out your request."},
	}
}

// TestRendererRendersEveryEmailKindSafely proves every email template
// renders with real data, and that a hostile name is escaped in the HTML
// part but kept as typed in the plain-text part.
func TestRendererRendersEveryEmailKindSafely(t *testing.T) {
	r, err := mail.NewRenderer(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(templates.FS, "emails/*.txt")
	if err != nil || len(files) < 8 {
		t.Fatalf("email templates: %v %v", files, err)
	}
	const evil = `<script>alert(1)</script>`
	showsName := 0
	for _, f := range files {
		kind := strings.TrimSuffix(path.Base(f), ".txt")
		t.Run(kind, func(t *testing.T) {
			if !r.Has(kind) {
				t.Fatalf("renderer has no %s", kind)
			}
			subject, text, html, err := r.Render(kind, sampleData(evil))
			if err != nil {
				t.Fatal(err)
			}
			if subject == "" || strings.ContainsAny(subject, "\r\n") || strings.TrimSpace(text) == "" {
				t.Fatalf("subject %q text %q", subject, text)
			}
			for _, part := range []string{subject, text, html} {
				if strings.Contains(part, "<no value>") {
					t.Fatalf("a template reads a missing value:\n%s", part)
				}
			}
			if !strings.HasPrefix(html, "<!doctype html>") || !strings.Contains(html, "</html>") {
				t.Fatalf("HTML part is not a whole document:\n%s", html)
			}
			if strings.Contains(html, evil) {
				t.Fatalf("HTML part contains the name unescaped:\n%s", html)
			}
			if strings.Contains(text, evil) {
				showsName++
				if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
					t.Fatalf("HTML part lacks the escaped name:\n%s", html)
				}
			}
		})
	}
	if showsName < 5 {
		t.Fatalf("only %d kinds show the requester's name in text; the escaping check proved little", showsName)
	}
	if _, _, _, err := r.Render("no_such_kind", sampleData("x")); err == nil {
		t.Fatal("rendering an unknown kind succeeded")
	}
}
