// Package smtptest runs a real SMTP server inside a test and keeps every
// message it receives, parsed, for the test to read.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received email.
type Message struct {
	From, To  string
	Subject   string
	MessageID string
	Text      string
	HTML      string
	Raw       []byte
	// Attachments are the message's attached files, in order.
	Attachments []Attachment
}

// Links returns the http(s) links in the plain-text part.
func (m *Message) Links() []string {
	return linkRE.FindAllString(m.Text, -1)
}

// Link returns the first link containing substr, or "".
func (m *Message) Link(substr string) string {
	for _, l := range m.Links() {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Server is an in-process SMTP server.
type Server struct {
	Addr   string
	srv    *smtp.Server
	mu     sync.Mutex
	msgs   []*Message
	notify chan struct{}
	refuse atomic.Bool
}

// Start runs a server on a free loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{notify: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(&backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// URL is the PRIVACYDESK_SMTP_URL for this server.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// Refuse makes the server reject every message (450) until set back to false.
func (s *Server) Refuse(on bool) { s.refuse.Store(on) }

// Messages returns a copy of what has arrived so far.
func (s *Server) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.msgs...)
}

// WaitFor waits until a message to the address whose subject contains
// subject arrives, and returns the newest such message.
func (s *Server) WaitFor(t testing.TB, to, subject string) *Message {
	t.Helper()
	return s.WaitForNth(t, to, subject, 1)
}

// WaitForNth waits until n messages to the address whose subject contains
// subject have arrived, and returns the nth (counting from 1).
func (s *Server) WaitForNth(t testing.TB, to, subject string, n int) *Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var found []*Message
		for _, m := range s.Messages() {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			if n == 1 {
				return found[len(found)-1]
			}
			return found[n-1]
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range s.Messages() {
				got = append(got, m.To+": "+m.Subject)
			}
			t.Fatalf("no email #%d to %s about %q within 20s; received: %q", n, to, subject, got)
		}
		select {
		case <-s.notify:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Count returns how many messages went to the address with subject containing subject.
func (s *Server) Count(to, subject string) int {
	n := 0
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

type backend struct{ s *Server }

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *Server
	from, to string
}

func (ss *session) AuthPlain(string, string) error { return nil }
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.refuse.Load() {
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "try again later"}
	}
	ss.from = from
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error { ss.to = to; return nil }
func (ss *session) Reset()                                    { ss.from, ss.to = "", "" }
func (ss *session) Logout() error                             { return nil }

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	m.From, m.To = ss.from, ss.to
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.notify <- struct{}{}:
	default:
	}
	return nil
}

// Parse reads a raw RFC 5322 message with text and HTML parts, nested in
// multipart/alternative or multipart/mixed, and its attachments.
func Parse(raw []byte) (*Message, error) {
	pm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(pm.Header.Get("Subject"))
	m := &Message{Subject: subject, MessageID: pm.Header.Get("Message-ID"), Raw: raw}
	h := textproto.MIMEHeader(pm.Header)
	return m, m.readPart(h, pm.Body, 0)
}

// readPart reads one MIME part into m: a multipart one part by part.
func (m *Message) readPart(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > 5 {
		return errors.New("multipart nested too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.readPart(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := decodePart(body, h.Get("Content-Transfer-Encoding"))
	if err != nil {
		return err
	}
	if disp, dp, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		m.Attachments = append(m.Attachments, Attachment{Name: dp["filename"], ContentType: mt, Data: data})
		return nil
	}
	switch mt {
	case "text/plain":
		m.Text = string(data)
	case "text/html":
		m.HTML = string(data)
	}
	return nil
}

// Attachment is a file attached to a received message, decoded.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Attachment returns the attachment named name, or nil.
func (m *Message) Attachment(name string) *Attachment {
	for i := range m.Attachments {
		if m.Attachments[i].Name == name {
			return &m.Attachments[i]
		}
	}
	return nil
}

func decodePart(r io.Reader, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	return io.ReadAll(r)
}
