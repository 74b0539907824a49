package workflows

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/kactoily/privacydesk/models"
)

// tokenBytes is the entropy of every emailed token.
const tokenBytes = 32

// newToken returns a random URL-safe token and the SHA-256 hash stored for it.
func newToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token, the only form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedToken reports whether s could be a token we issued, so malformed
// input is refused before any database lookup.
func wellFormedToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	// The decoder skips \r and \n, so check what it decoded, not just the length read.
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == tokenBytes
}

// ParseToken trims a token taken from a URL or header and checks its shape.
func ParseToken(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, wellFormedToken(s)
}

// emailHash is the salted hash of a normalized email kept on the suppression list.
func emailHash(salt []byte, email string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(models.NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil))
}

// newRequestID returns a short random public id such as "PD-7K3M9-QXA2B":
// 50 bits from an alphabet without look-alike characters.
func newRequestID() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // Crockford base32
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	var sb strings.Builder
	sb.WriteString("PD-")
	for i, c := range b {
		if i == 5 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%32])
	}
	return sb.String()
}
