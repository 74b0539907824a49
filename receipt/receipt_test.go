package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var hmacKey = bytes.Repeat([]byte{7}, 32)

func sample() Fields {
	return Fields{Format: Format, RequestID: "PD-AB3CD-EF4GH", Type: "access", ReceivedAt: "2026-03-02T10:00:00Z",
		DueAt: "2026-04-01T10:00:00Z", IssuedAt: "2026-03-02T10:05:00Z", Issuer: "https://privacy.kactoily.example",
		EmailHMAC: EmailHMAC(hmacKey, "PD-AB3CD-EF4GH", "ana@example.com")}
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// TestSignedReceiptVerifiesAfterReformattingAndOnlyWithItsKey proves a
// receipt verifies as issued, re-indented and with its members reordered,
// and fails with another key.
func TestSignedReceiptVerifiesAfterReformattingAndOnlyWithItsKey(t *testing.T) {
	key := newKey(t)
	file, err := Sign(key, sample())
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(file, &generic); err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(generic) // members sorted, no whitespace: another layout of the same receipt
	reordered := []byte(`{"signature":` + string(mustJSON(t, generic["signature"])) + `, "key_id": "` + KeyID(pub(key)) +
		`",` + "\n\t" + `"receipt": ` + string(mustJSON(t, generic["receipt"])) + "}")
	for name, b := range map[string][]byte{"as issued": file, "compact": compact, "reordered and re-spaced": reordered} {
		r, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: parse: %v\n%s", name, err, b)
		}
		if err := r.Verify(pub(key)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if r.Fields != sample() || r.KeyID != KeyID(pub(key)) {
			t.Errorf("%s: fields %+v, key id %q", name, r.Fields, r.KeyID)
		}
	}
	r, _ := Parse(file)
	if err := r.Verify(pub(newKey(t))); !errors.Is(err, ErrBadSignature) {
		t.Errorf("another key: %v, want ErrBadSignature", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryChangedByteOfTheReceiptFailsItsCheck flips each byte of every
// field value and of the signature in turn: each copy is refused, either
// as malformed or by its signature.
func TestEveryChangedByteOfTheReceiptFailsItsCheck(t *testing.T) {
	key := newKey(t)
	file, err := Sign(key, sample())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Parse(file)
	sig := base64.StdEncoding.EncodeToString(r.Signature)
	start := bytes.Index(file, []byte(`"receipt"`))
	sigAt := bytes.Index(file, []byte(sig))
	checked := 0
	for i := start; i < len(file); i++ {
		c := file[i]
		inValue := i > sigAt && i < sigAt+len(sig)
		if !inValue {
			// Bytes inside a receipt value: after `": "` on a receipt line.
			line := file[bytes.LastIndexByte(file[:i], '\n')+1 : i]
			inValue = bytes.Contains(line, []byte(`": "`)) && !bytes.Contains(line, []byte(`"key_id"`)) &&
				c != '"' && c != ',' && c != '\n' && i < sigAt
		}
		if !inValue {
			continue
		}
		changed := bytes.Clone(file)
		changed[i] = flip(c)
		got, err := Parse(changed)
		if err == nil {
			err = got.Verify(pub(key))
		}
		if err == nil {
			t.Errorf("byte %d changed from %q to %q: the receipt still verifies", i, c, changed[i])
		}
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d bytes changed; the test did not reach the fields and signature", checked)
	}
}

// flip changes a byte to another printable one of the same kind, so the
// copy still parses where it can and the signature has to catch it.
func flip(c byte) byte {
	switch {
	case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
		return c + 1
	case c == '9':
		return '0'
	case c == 'z':
		return 'a'
	case c == 'Z':
		return 'A'
	}
	return 'x'
}

// TestParseRefusesWhatIsNotExactlyAReceipt covers the strict reading.
func TestParseRefusesWhatIsNotExactlyAReceipt(t *testing.T) {
	key := newKey(t)
	file, _ := Sign(key, sample())
	good := string(file)
	for name, in := range map[string]string{
		"empty":         "",
		"not JSON":      "hello",
		"extra member":  strings.Replace(good, `"key_id"`, `"note": "x", "key_id"`, 1),
		"extra field":   strings.Replace(good, `"due_at"`, `"name": "Ana", "due_at"`, 1),
		"missing field": strings.Replace(good, `"type": "access"`, `"x": "access"`, 1),
		"number field":  strings.Replace(good, `"type": "access"`, `"type": 1`, 1),
		"other format":  strings.Replace(good, Format, "privacydesk-receipt/2", 1),
		"control char":  strings.Replace(good, `"type": "access"`, `"type": "acc\u0001ess"`, 1),
		"bad time":      strings.Replace(good, `"received_at": "2026-03-02T10:00:00Z"`, `"received_at": "yesterday"`, 1),
		"trailing data": good + "{}",
		"too large":     good + strings.Repeat(" ", MaxSize),
		"short sig":     strings.Replace(good, `"signature": "`, `"signature": "AAAA`, 1),
	} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestEmailHashMatchesOnlyTheAddressUnderTheKey shows the hash needs the
// key, binds the request id, and matches only the right address.
func TestEmailHashMatchesOnlyTheAddressUnderTheKey(t *testing.T) {
	file, _ := Sign(newKey(t), sample())
	r, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if !r.EmailMatches(hmacKey, "ana@example.com") {
		t.Error("the right address does not match")
	}
	if r.EmailMatches(hmacKey, "bob@example.com") || r.EmailMatches(bytes.Repeat([]byte{8}, 32), "ana@example.com") {
		t.Error("a wrong address or key matches")
	}
	if EmailHMAC(hmacKey, "PD-OTHER-00000", "ana@example.com") == r.Fields.EmailHMAC {
		t.Error("the hash does not depend on the request id: two receipts of one person could be linked")
	}
	if strings.Contains(string(file), "ana") {
		t.Error("the receipt contains the address")
	}
}

// TestPublicKeyDocumentRoundTrips checks the published key's id and size.
func TestPublicKeyDocumentRoundTrips(t *testing.T) {
	k := pub(newKey(t))
	doc := NewPublicKey(k)
	got, err := doc.Key()
	if err != nil || !got.Equal(k) || doc.Algorithm != "Ed25519" || len(doc.KeyID) != 16 {
		t.Fatalf("round trip: %v %+v", err, doc)
	}
	doc.KeyID = "0000000000000000"
	if _, err := doc.Key(); err == nil {
		t.Error("a key id that does not name the key was accepted")
	}
}

// TestParseRefusesDuplicateAndMiscasedMembers proves a file that names a
// member twice, or in another case, is refused. encoding/json keeps the
// last of duplicates and matches names regardless of case, so without this
// a genuine receipt could carry a forged "receipt" object before it (or a
// second "request_id") that a person or another JSON reader takes for the
// signed one, while this check reports the file valid.
func TestParseRefusesDuplicateAndMiscasedMembers(t *testing.T) {
	key := newKey(t)
	file, _ := Sign(key, sample())
	var env map[string]json.RawMessage
	if err := json.Unmarshal(file, &env); err != nil {
		t.Fatal(err)
	}
	real := string(env["receipt"])
	forged := strings.Replace(real, "PD-AB3CD-EF4GH", "PD-ZZZZZ-ZZZZZ", 1)
	rest := `"key_id":` + string(env["key_id"]) + `,"signature":` + string(env["signature"])
	inner := strings.Replace(real, `"request_id": "PD-AB3CD-EF4GH"`, `"request_id": "PD-ZZZZZ-ZZZZZ", "request_id": "PD-AB3CD-EF4GH"`, 1)
	if inner == real {
		t.Fatal("the sample receipt's request_id was not found to duplicate")
	}
	for name, f := range map[string]string{
		"receipt twice":       `{"receipt":` + forged + `,"receipt":` + real + `,` + rest + `}`,
		"receipt miscased":    `{"receipt":` + forged + `,"Receipt":` + real + `,` + rest + `}`,
		"signature miscased":  `{"receipt":` + real + `,"key_id":` + string(env["key_id"]) + `,"SIGNATURE":` + string(env["signature"]) + `}`,
		"request_id twice":    `{"receipt":` + inner + `,` + rest + `}`,
		"request_id miscased": `{"receipt":` + strings.Replace(inner, `"request_id": "PD-AB3CD`, `"REQUEST_ID": "PD-AB3CD`, 1) + `,` + rest + `}`,
		"signature twice":     `{"receipt":` + real + `,` + rest + `,"signature":` + string(env["signature"]) + `}`,
	} {
		if _, err := Parse([]byte(f)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := Parse([]byte(`{"receipt":` + real + `,` + rest + `}`)); err != nil {
		t.Fatalf("the untouched receipt, re-assembled: %v", err)
	}
}
