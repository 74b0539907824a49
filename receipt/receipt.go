// Package receipt is the signed request receipt: its canonical JSON form,
// how it is signed with an Ed25519 key and how a copy is checked. It
// imports nothing of the project, so anyone can check a receipt with it.
//
// A receipt file is an envelope:
//
//	{"receipt":{…fields…},"key_id":"…","signature":"…"}
//
// The signature (standard base64) is Ed25519 over the canonical form of
// the receipt object alone: its members sorted by name, no whitespace,
// each value a string of printable ASCII other than `"` and `\`, written
// without escapes. That is the object's RFC 8785 (JCS) serialization, so
// re-indenting the file or re-ordering its members keeps it valid. key_id
// names the key; it is a hint for choosing one and is not signed.
package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is the receipt's "format" field: what the fields mean and how the
// email hash is made. It also keeps a receipt's signed bytes apart from
// anything else the same key signs.
const Format = "privacydesk-receipt/1"

// Algorithm names the signature algorithm, as the public key document says.
const Algorithm = "Ed25519"

// MaxSize bounds a receipt file; a real one is well under 1 KiB.
const MaxSize = 4 << 10

// Fields are what a receipt states, each serialized as a string.
type Fields struct {
	Format     string `json:"format"`      // Format
	RequestID  string `json:"request_id"`  // the request's id
	Type       string `json:"type"`        // access, deletion, opt_out or correction
	ReceivedAt string `json:"received_at"` // when the request was filed, RFC 3339 UTC
	DueAt      string `json:"due_at"`      // when it is due, RFC 3339 UTC ("" when it has no due date)
	IssuedAt   string `json:"issued_at"`   // when the receipt was signed, RFC 3339 UTC
	Issuer     string `json:"issuer"`      // the privacy center's base URL
	EmailHMAC  string `json:"email_hmac"`  // EmailHMAC of the requester's address, hex
}

// names are the receipt object's member names in canonical (sorted) order.
var names = []string{"due_at", "email_hmac", "format", "issued_at", "issuer", "received_at", "request_id", "type"}

func (f *Fields) byName() map[string]*string {
	return map[string]*string{"due_at": &f.DueAt, "email_hmac": &f.EmailHMAC, "format": &f.Format,
		"issued_at": &f.IssuedAt, "issuer": &f.Issuer, "received_at": &f.ReceivedAt,
		"request_id": &f.RequestID, "type": &f.Type}
}

// Receipt is a parsed receipt file.
type Receipt struct {
	Fields    Fields
	KeyID     string
	Signature []byte
}

// envelope is the file's JSON shape.
type envelope struct {
	Receipt   map[string]string `json:"receipt"`
	KeyID     string            `json:"key_id"`
	Signature string            `json:"signature"`
}

// Time formats a time as receipts state it: RFC 3339, UTC, whole seconds.
func Time(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// EmailHMAC is the receipt's hash of a requester's address: HMAC-SHA256
// under the instance's secret key of the request id and the address
// (already normalized: trimmed, lower case). Without the key nobody can
// test guesses against it, and the id in it makes two receipts of one
// person unlinkable.
func EmailHMAC(key []byte, requestID, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(Format + "\x00email\x00" + requestID + "\x00" + email))
	return hex.EncodeToString(m.Sum(nil))
}

// Canonical returns the bytes a signature covers, or an error when a field
// holds a character the canonical form does not allow.
func (f Fields) Canonical() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	m := f.byName()
	for i, n := range names {
		v := *m[n]
		for _, c := range []byte(v) {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return nil, fmt.Errorf("receipt field %s holds a character receipts do not allow", n)
			}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + n + `":"` + v + `"`)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Sign signs f with key and returns the receipt file, indented for people
// to read, ending in a newline.
func Sign(key ed25519.PrivateKey, f Fields) ([]byte, error) {
	msg, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	env := envelope{Receipt: map[string]string{}, KeyID: KeyID(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))}
	for n, p := range f.byName() {
		env.Receipt[n] = *p
	}
	out, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ErrMalformed wraps every reason Parse refuses a file.
var ErrMalformed = errors.New("not a well-formed receipt")

// Parse reads a receipt file strictly: one JSON object with exactly the
// envelope's members, each once and spelled in its own case, the receipt
// with exactly the fields of Format, each a string, the times RFC 3339 and
// the signature base64 of the right size.
// Every refusal wraps ErrMalformed.
func Parse(data []byte) (*Receipt, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	if len(data) > MaxSize {
		return nil, bad("larger than %d bytes", MaxSize)
	}
	if err := exactMembers(data); err != nil {
		return nil, bad("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return nil, bad("%v", err)
	}
	if dec.More() {
		return nil, bad("something follows the JSON object")
	}
	if env.Receipt == nil || env.Signature == "" {
		return nil, bad(`it needs "receipt" and "signature"`)
	}
	r := &Receipt{KeyID: env.KeyID}
	m := r.Fields.byName()
	for n, v := range env.Receipt {
		p, ok := m[n]
		if !ok {
			return nil, bad("unknown receipt field %q", n)
		}
		*p = v
	}
	for _, n := range names {
		if _, ok := env.Receipt[n]; !ok {
			return nil, bad("receipt field %q is missing", n)
		}
	}
	if r.Fields.Format != Format {
		return nil, bad("format is %q, want %q", r.Fields.Format, Format)
	}
	for _, t := range []struct{ name, v string }{{"received_at", r.Fields.ReceivedAt}, {"issued_at", r.Fields.IssuedAt}, {"due_at", r.Fields.DueAt}} {
		if _, err := time.Parse(time.RFC3339, t.v); err != nil && !(t.name == "due_at" && t.v == "") {
			return nil, bad("%s is not an RFC 3339 time", t.name)
		}
	}
	if h, err := hex.DecodeString(r.Fields.EmailHMAC); err != nil || len(h) != sha256.Size {
		return nil, bad("email_hmac is not 64 hex digits")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(env.Signature) // strict: unused bits must be zero, so one signature has one spelling
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, bad("signature is not canonical base64 of %d bytes", ed25519.SignatureSize)
	}
	r.Signature = sig
	if _, err := r.Fields.Canonical(); err != nil {
		return nil, bad("%v", err)
	}
	return r, nil
}

// exactMembers refuses JSON in which an object names a member twice, or
// the envelope names one other than exactly "receipt", "key_id" and
// "signature". encoding/json keeps the last of duplicates and matches
// names regardless of case, so without this one file could show a person
// (or another JSON reader) a forged "receipt" before the one checked.
func exactMembers(data []byte) error {
	type frame struct {
		seen          map[string]bool // nil for an array
		wantKey, root bool
	}
	var st []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(st) > 0 {
			top = st[len(st)-1]
		}
		if top != nil && top.seen != nil && top.wantKey {
			if tok == json.Delim('}') {
				st = st[:len(st)-1]
				if len(st) > 0 {
					st[len(st)-1].wantKey = true
				}
				continue
			}
			k, _ := tok.(string)
			if top.seen[k] {
				return fmt.Errorf("member %q appears twice", k)
			}
			if top.root && k != "receipt" && k != "key_id" && k != "signature" {
				return fmt.Errorf("unknown member %q", k)
			}
			top.seen[k], top.wantKey = true, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			st = append(st, &frame{seen: map[string]bool{}, wantKey: true, root: len(st) == 0})
			continue
		case json.Delim('['):
			st = append(st, &frame{})
			continue
		case json.Delim(']'):
			st = st[:len(st)-1]
		}
		if len(st) > 0 { // a value ended: its object's next token is a name
			st[len(st)-1].wantKey = true
		}
	}
}

// ErrBadSignature is Verify's answer when the signature does not hold.
var ErrBadSignature = errors.New("the signature does not verify: the receipt was changed or not signed with this key")

// Verify checks the signature with pub: ErrBadSignature when it does not hold.
func (r *Receipt) Verify(pub ed25519.PublicKey) error {
	msg, err := r.Fields.Canonical()
	if err != nil {
		return err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, msg, r.Signature) {
		return ErrBadSignature
	}
	return nil
}

// EmailMatches reports whether email (normalized) is the one the receipt's
// hash was made of, under key; the comparison takes constant time.
func (r *Receipt) EmailMatches(key []byte, email string) bool {
	want, _ := hex.DecodeString(r.Fields.EmailHMAC)
	got, _ := hex.DecodeString(EmailHMAC(key, r.Fields.RequestID, email))
	return hmac.Equal(want, got)
}

// PublicKey is the document published at links.ReceiptKey.
type PublicKey struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"` // standard base64 of the 32-byte key
}

// NewPublicKey describes pub.
func NewPublicKey(pub ed25519.PublicKey) PublicKey {
	return PublicKey{KeyID: KeyID(pub), Algorithm: Algorithm, PublicKey: base64.StdEncoding.EncodeToString(pub)}
}

// Key decodes the document's key, checking its algorithm, size and id.
func (p PublicKey) Key() (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p.PublicKey))
	if err != nil || len(b) != ed25519.PublicKeySize || !strings.EqualFold(p.Algorithm, Algorithm) {
		return nil, fmt.Errorf("not an %s public key of %d bytes in base64", Algorithm, ed25519.PublicKeySize)
	}
	if p.KeyID != "" && p.KeyID != KeyID(b) {
		return nil, fmt.Errorf("key_id %q does not name this key (its id is %s)", p.KeyID, KeyID(b))
	}
	return b, nil
}
