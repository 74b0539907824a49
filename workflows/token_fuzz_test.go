package workflows_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/workflows"
)

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzParseToken proves ParseToken never panics, accepts only the shape of
// a token we issue (32 random bytes, base64url without padding, surrounding
// space trimmed), and that HashToken always gives the 64-hex-digit SHA-256
// the database stores, the same each time and never the token itself.
func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		"", " ", "abc", strings.Repeat("A", 43), " " + strings.Repeat("A", 43) + "\n", strings.Repeat("A", 44),
		strings.Repeat("_", 43), strings.Repeat("+", 43), strings.Repeat("=", 43), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%",
		"' OR 1=1--", "\x00\xff", strings.Repeat("é", 43),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := workflows.ParseToken(s)
		if tok != strings.TrimSpace(s) {
			t.Fatalf("ParseToken(%q) = %q, want the input trimmed", s, tok)
		}
		if ok {
			b, err := base64.RawURLEncoding.DecodeString(tok)
			if len(tok) != 43 || err != nil || len(b) != 32 {
				t.Fatalf("ParseToken(%q) accepted %q: %d bytes, %v", s, tok, len(b), err)
			}
		}
		h := workflows.HashToken(tok)
		if !hexHash.MatchString(h) || h != workflows.HashToken(tok) || (len(tok) >= 16 && strings.Contains(h, tok)) {
			t.Fatalf("HashToken(%q) = %q", tok, h)
		}
	})
}
