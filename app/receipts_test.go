package app_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/receipt"
)

// filedReceipt files an access request, confirms it by its emailed link,
// and returns the id and the receipt attached to the receipt email as it
// arrived at the SMTP server.
func filedReceipt(t *testing.T, a *testapp.App, email string) (string, []byte) {
	t.Helper()
	id := fileAccess(t, a, email, "Ana")
	tok := tokenOf(t, verifyEmail(t, a, email, id).Link("/requests/verify"))
	if ans := confirmVerify(t, a, tok, nil); ans.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", ans.Status, ans.Body)
	}
	m := a.Mail.WaitFor(t, email, "We have your privacy request "+id)
	att := m.Attachment("receipt-" + id + ".json")
	if att == nil || att.ContentType != "application/json" {
		t.Fatalf("receipt email has no receipt-%s.json attachment: %+v", id, m.Attachments)
	}
	if !strings.Contains(m.Text, a.URL()+links.VerifyReceipt) {
		t.Errorf("receipt email does not say where to check the receipt:\n%s", m.Text)
	}
	if strings.Contains(strings.ToLower(string(att.Data)), strings.ToLower(email)) {
		t.Errorf("the receipt contains the address:\n%s", att.Data)
	}
	return id, att.Data
}

// postReceipt posts the check form as a browser does (multipart, same
// origin): file is uploaded when not nil, pasted goes in the text area.
func postReceipt(t *testing.T, a *testapp.App, file []byte, pasted, email string, h http.Header) answer {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("receipt", pasted)
	_ = w.WriteField("email", email)
	if file != nil {
		fw, _ := w.CreateFormFile("file", "receipt.json")
		fw.Write(file)
	}
	w.Close()
	if h == nil {
		h = hdr("Sec-Fetch-Site", "same-origin")
	}
	return send(t, a, http.MethodPost, links.VerifyReceipt, w.FormDataContentType(), b.String(), h)
}

// changeByteAfter returns a copy of b with the byte n places after the
// first occurrence of marker changed.
func changeByteAfter(t *testing.T, b []byte, marker string, n int) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		t.Fatalf("no %q in the receipt", marker)
	}
	c := bytes.Clone(b)
	if c[i+len(marker)+n] == '1' {
		c[i+len(marker)+n] = '2'
	} else {
		c[i+len(marker)+n] = '1'
	}
	return c
}

// TestReceiptFromARealFilingVerifiesOnThePageAndChangedOnesDoNot files and
// confirms a request, takes the receipt attached to the email as received
// over SMTP, and checks it on /receipts/verify: uploaded and pasted it is
// valid, with its fields shown; with the right email (any case) it is the
// requester's and with a wrong one it is not; one changed byte in the
// payload or the signature, or a signature by another key, is invalid and
// then no email is compared. The published key names and verifies it.
func TestReceiptFromARealFilingVerifiesOnThePageAndChangedOnesDoNot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		email := "ana.receipt@example.com"
		id, file := filedReceipt(t, a, email)

		r, err := receipt.Parse(file)
		if err != nil {
			t.Fatalf("the emailed receipt does not parse: %v\n%s", err, file)
		}
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		forged, err := receipt.Sign(other, r.Fields)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name         string
			file         []byte
			pasted       string
			email        string
			want, unwant []string
		}{
			{"uploaded", file, "", "", []string{"Valid receipt.", id, "Access", "No email address was given", "Email address: not checked"}, nil},
			{"pasted", nil, string(file), "", []string{"Valid receipt.", id}, nil},
			{"right email", file, "", "  Ana.Receipt@Example.com ", []string{"Valid receipt.", "issued for the email address you gave", "Email address: matches"}, nil},
			{"wrong email", file, "", "bob@example.com", []string{"Not a valid receipt.", "not the one the request was filed with", "does not match"}, []string{"Valid receipt."}},
			{"changed due date", changeByteAfter(t, file, `"due_at": "20`, 1), "", email, []string{"Not a valid receipt.", "does not hold", "What the file claims (not confirmed)", "Email address: not checked"}, []string{"Valid receipt."}},
			{"changed signature", changeByteAfter(t, file, `"signature": "`, 5), "", email, []string{"Not a valid receipt.", "does not hold", "Email address: not checked"}, []string{"Valid receipt."}},
			{"another key", forged, "", email, []string{"Not a valid receipt.", "signed with another key", "Email address: not checked"}, []string{"Valid receipt."}},
			{"not a receipt", []byte(`{"receipt":{}}`), "", email, []string{"Not a valid receipt.", "not a well-formed receipt", "Well-formed receipt (no)"}, []string{"Valid receipt."}},
		} {
			ans := postReceipt(t, a, c.file, c.pasted, c.email, nil)
			if ans.Status != http.StatusOK {
				t.Fatalf("%s: %d\n%s", c.name, ans.Status, ans.Body)
			}
			contains(t, ans.Body, c.want...)
			lacks(t, ans.Body, c.unwant...)
			if !strings.EqualFold(strings.TrimSpace(c.email), email) { // the form echoes only what was typed
				lacks(t, ans.Body, email)
			}
			if ans.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", c.name, ans.Header.Get("Cache-Control"))
			}
		}

		key := get(t, a, links.ReceiptKey)
		var doc receipt.PublicKey
		if key.Status != http.StatusOK || json.Unmarshal([]byte(key.Body), &doc) != nil {
			t.Fatalf("%s: %d %s", links.ReceiptKey, key.Status, key.Body)
		}
		pub, err := doc.Key()
		if err != nil || doc.KeyID != r.KeyID || r.Verify(pub) != nil {
			t.Fatalf("the published key (%+v, %v) does not name and verify the receipt (key id %s)", doc, err, r.KeyID)
		}
	})
}

// TestReceiptPageRefusesCrossSiteEmptyAndOversizedInputAndLimitsEmailGuesses
// shows the check page's edges: a cross-site post is refused, an empty or
// oversized receipt gets a field error, and one receipt answers at most ten
// email comparisons per window from everyone together, so its holder cannot
// run a list of addresses through it (and forged receipts naming its
// request do not use up its owner's comparisons).
func TestReceiptPageRefusesCrossSiteEmptyAndOversizedInputAndLimitsEmailGuesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, noCollect)
		email := "limit.receipt@example.com"
		_, file := filedReceipt(t, a, email)

		if ans := postReceipt(t, a, file, "", "", hdr("Sec-Fetch-Site", "cross-site")); ans.Status != http.StatusForbidden {
			t.Errorf("cross-site post: %d, want 403", ans.Status)
		}
		if ans := postReceipt(t, a, nil, "  ", "", nil); ans.Status != http.StatusUnprocessableEntity || !strings.Contains(ans.Body, "Paste the receipt") {
			t.Errorf("empty: %d, want 422 asking for the receipt\n%s", ans.Status, ans.Body)
		}
		big := append(bytes.Clone(file), bytes.Repeat([]byte(" "), receipt.MaxSize)...)
		if ans := postReceipt(t, a, big, "", "", nil); ans.Status != http.StatusUnprocessableEntity || !strings.Contains(ans.Body, "at most 4 KiB") {
			t.Errorf("oversized upload: %d, want 422\n%s", ans.Status, ans.Body)
		}
		if ans := get(t, a, links.VerifyReceipt); ans.Status != http.StatusOK || !strings.Contains(ans.Body, `enctype="multipart/form-data"`) {
			t.Errorf("form: %d\n%s", ans.Status, ans.Body)
		}
		// Forged receipts naming the same request do not spend its budget.
		r, err := receipt.Parse(file)
		if err != nil {
			t.Fatal(err)
		}
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		forged, err := receipt.Sign(other, r.Fields)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if ans := postReceipt(t, a, forged, "", "x@example.com", nil); ans.Status != http.StatusOK || !strings.Contains(ans.Body, "another key") {
				t.Fatalf("forged: %d\n%s", ans.Status, ans.Body)
			}
		}
		for i := range 10 {
			ans := postReceipt(t, a, file, "", "guess"+string(rune('a'+i))+"@example.com", nil)
			if ans.Status != http.StatusOK || !strings.Contains(ans.Body, "does not match") {
				t.Fatalf("guess %d: %d\n%s", i, ans.Status, ans.Body)
			}
		}
		ans := postReceipt(t, a, file, "", email, nil)
		if ans.Status != http.StatusTooManyRequests || strings.Contains(ans.Body, "matches") {
			t.Errorf("11th email against one receipt: %d, want 429 without an answer\n%s", ans.Status, ans.Body)
		}
		if ans := postReceipt(t, a, file, "", "", nil); ans.Status != http.StatusOK || !strings.Contains(ans.Body, "Valid receipt.") {
			t.Errorf("a check without an email is not limited by the guesses: %d", ans.Status)
		}
	})
}
