package mail_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/mail"
)

// TestAttachmentsArriveByteForByteOverSMTPAndInEmlFiles sends one message
// with a JSON attachment through a real SMTP server and the .eml file
// mailer, twice each (a retry builds the message again): every copy keeps
// its text and HTML parts and the attachment's exact bytes, name and type.
func TestAttachmentsArriveByteForByteOverSMTPAndInEmlFiles(t *testing.T) {
	data := []byte("{\n  \"receipt\": {\"type\": \"access\"},\n  \"signature\": \"" + strings.Repeat("A", 86) + "==\"\n}\n")
	msg := message("alex@example.com", "With a receipt")
	msg.Attachments = []mail.Attachment{{Name: "receipt-PD-7K3M9-QXA2B.json", ContentType: "application/json", Data: data}}

	srv := smtptest.Start(t)
	s, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	sm := mail.NewSMTPMailer(s, nil)
	t.Cleanup(func() { sm.Close() })
	dir := t.TempDir()
	fm := &mail.FileMailer{Dir: dir}
	for range 2 {
		if err := sm.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		if err := fm.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitForNth(t, "alex@example.com", "With a receipt", 2)
	got := srv.Messages()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("%d .eml files (%v), want 2", len(entries), err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := smtptest.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		got = append(got, m)
	}
	for i, m := range got {
		a := m.Attachment("receipt-PD-7K3M9-QXA2B.json")
		if a == nil || len(m.Attachments) != 1 {
			t.Fatalf("copy %d: attachments %+v, want the receipt", i, m.Attachments)
		}
		if !bytes.Equal(a.Data, data) || a.ContentType != "application/json" {
			t.Errorf("copy %d: attachment %q (%s), want the bytes sent as application/json", i, a.Data, a.ContentType)
		}
		if !strings.Contains(m.Text, "confirmed.") || !strings.Contains(m.HTML, "<strong>") {
			t.Errorf("copy %d lost its text or HTML part: %q / %q", i, m.Text, m.HTML)
		}
	}
}
