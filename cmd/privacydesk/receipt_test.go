package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/receipt"
)

// TestReceiptVerifyChecksTheEmailedReceipt files and confirms a request on
// a running server, takes the receipt attached to the receipt email as it
// arrived over SMTP, and runs `receipt verify` on it: it is valid, with
// the right email (any case) too; a wrong email, one changed byte in the
// payload or in the signature, and a signature by another key each make it
// fail, saying which check did not hold.
func TestReceiptVerifyChecksTheEmailedReceipt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		email := "receipt.holder@example.com"
		resp, body := postForm(t, in.Client, in.URL+"/requests/new", url.Values{"type": {"deletion"}, "name": {"Holder"}, "email": {email}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
		}
		verify := in.Mail.WaitFor(t, email, "Confirm your privacy request")
		id := regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, verify.Subject)
		if r := confirmByButton(t, in.Client, verify.Link("/requests/verify?token=")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %d", r.StatusCode)
		}
		att := in.Mail.WaitFor(t, email, "We have your privacy request "+id).Attachment("receipt-" + id + ".json")
		if att == nil {
			t.Fatal("the receipt email has no receipt attachment")
		}
		in.stop()

		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		r, err := receipt.Parse(att.Data)
		if err != nil {
			t.Fatal(err)
		}
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		forged, err := receipt.Sign(other, r.Fields)
		if err != nil {
			t.Fatal(err)
		}
		good := write("good.json", att.Data)
		for _, c := range []struct {
			name  string
			args  []string
			ok    bool
			wants []string
		}{
			{"as emailed", []string{good}, true, []string{"receipt VALID", "request " + id + " (deletion)", "signature: holds", "email: not checked"}},
			{"right email", []string{good, "--email", " Receipt.Holder@Example.com"}, true, []string{"receipt VALID", "email: matches"}},
			{"wrong email", []string{good, "--email", "someone@example.com"}, false, []string{"email: DOES NOT MATCH", "receipt INVALID"}},
			{"changed payload", []string{write("payload.json", bytes.Replace(att.Data, []byte(`"deletion"`), []byte(`"deletiom"`), 1)), "--email", email},
				false, []string{"signature: DOES NOT HOLD", "email: not checked", "receipt INVALID"}},
			{"changed signature", []string{write("sig.json", flipAfter(t, att.Data, `"signature": "`)), "--email", email},
				false, []string{"signature: DOES NOT HOLD", "receipt INVALID"}},
			{"another key", []string{write("forged.json", forged)}, false, []string{"signed with another key", "receipt INVALID"}},
			{"not a receipt", []string{write("junk.json", []byte("{}"))}, false, []string{"well formed: no", "receipt INVALID"}},
		} {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"receipt", "verify"}, c.args...), envFunc(in.env), &out, io.Discard)
			if (err == nil) != c.ok {
				t.Errorf("%s: error %v, want ok=%v\n%s", c.name, err, c.ok, out.String())
			}
			for _, w := range c.wants {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s: output lacks %q:\n%s", c.name, w, out.String())
				}
			}
		}

		stdin = bytes.NewReader(att.Data)
		t.Cleanup(func() { stdin = os.Stdin })
		var out bytes.Buffer
		if err := run(context.Background(), []string{"receipt", "verify", "-", "--email", email}, envFunc(in.env), &out, io.Discard); err != nil {
			t.Errorf("from standard input: %v\n%s", err, out.String())
		}
		if err := run(context.Background(), []string{"receipt", "verify"}, envFunc(in.env), io.Discard, io.Discard); err == nil {
			t.Error("receipt verify without a file succeeded")
		}
	})
}

// flipAfter changes the byte 5 places after marker in a copy of b to
// another base64 digit, so the copy still parses and only the signature
// check can catch it.
func flipAfter(t *testing.T, b []byte, marker string) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(marker)) + len(marker) + 5
	if i < len(marker)+5 {
		t.Fatalf("no %q", marker)
	}
	c := bytes.Clone(b)
	if c[i] == 'A' {
		c[i] = 'B'
	} else {
		c[i] = 'A'
	}
	return c
}
