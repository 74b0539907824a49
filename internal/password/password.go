// Package password hashes and checks staff passwords with argon2id in the
// PHC string format, and generates new ones.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes, one lane). One
// hash then takes one core for a few tens of milliseconds and 19 MiB; the
// caller bounds how many run together (workflows' sign-in gate). Hashes
// made with other parameters (the 64 MiB, 3-pass ones of earlier versions)
// still verify: the PHC string carries its own parameters, and a sign-in
// rehashes them with these.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	// maxArgonMemory refuses a stored hash asking for more than 256 MiB,
	// so a corrupted row cannot make one sign-in exhaust memory.
	maxArgonMemory = 256 * 1024
)

// Hash returns an argon2id hash of password in the PHC string format.
func Hash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// phc is a parsed argon2id PHC string.
type phc struct {
	mem, t    uint32
	p         uint8
	salt, key []byte
}

// parsePHC parses an argon2id PHC string; other versions, zero costs and
// memory beyond maxArgonMemory do not parse.
func parsePHC(hash string) (phc, bool) {
	var h phc
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return h, false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.mem, &h.t, &h.p); err != nil {
		return h, false
	}
	if h.mem == 0 || h.mem > maxArgonMemory || h.t == 0 || h.p == 0 {
		return h, false
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	h.key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(h.key) == 0 {
		return h, false
	}
	return h, true
}

// Check reports whether password matches an argon2id PHC hash, with the
// parameters the hash itself names; a malformed hash matches nothing.
func Check(hash, password string) bool {
	h, ok := parsePHC(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), h.salt, h.t, h.mem, h.p, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// NeedsRehash reports whether a hash was made with other parameters than
// Hash uses now (or is not an argon2id PHC string).
func NeedsRehash(hash string) bool {
	h, ok := parsePHC(hash)
	return !ok || h.mem != argonMemory || h.t != argonTime || h.p != argonThreads || len(h.key) != argonKeyLen
}

// Generate returns a random password of 20 URL-safe characters.
func Generate() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
