package workflows

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kactoily/privacydesk/models"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes, one lane). One
// hash then takes one core for a few tens of milliseconds, and at most
// SignInsAtOnce of them run together (see signInGate), so the memory of
// sign-ins is bounded by SignInsAtOnce × 19 MiB. Hashes made with other
// parameters (the 64 MiB, 3-pass ones of earlier versions) still verify:
// the PHC string carries its own parameters, and a successful sign-in
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

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
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

// CheckPassword reports whether password matches an argon2id PHC hash,
// with the parameters the hash itself names.
func CheckPassword(hash, password string) bool {
	h, ok := parsePHC(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), h.salt, h.t, h.mem, h.p, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// NeedsRehash reports whether a hash was made with other parameters than
// HashPassword uses now.
func NeedsRehash(hash string) bool {
	h, ok := parsePHC(hash)
	return !ok || h.mem != argonMemory || h.t != argonTime || h.p != argonThreads || len(h.key) != argonKeyLen
}

// dummyHash is checked against when an email is unknown, so a sign-in
// takes as long for a stranger as for a staff member.
var dummyHash = sync.OnceValue(func() string { return HashPassword("not a real password") })

// GeneratePassword returns a random password of 20 URL-safe characters.
func GeneratePassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Sign-ins checking a password at once, by default one per CPU; each may
// have waitPerSlot others waiting for it, none longer than maxSignInWait.
const (
	waitPerSlot   = 8
	maxSignInWait = 3 * time.Second
)

// errSignInBusy answers a sign-in beyond the gate's bound.
var errSignInBusy = &models.Error{Code: models.EUnavailable, RetryAfter: 2 * time.Second,
	Message: "Sign-in is busy right now. Please try again in a few seconds."}

// signInGate bounds the password checks running at once (each holds its
// argon2id memory while it runs, 19 MiB) and the sign-ins waiting for one;
// a sign-in beyond both is refused at once as busy, so neither memory nor
// latency grows with the number of callers.
type signInGate struct {
	slots, queue chan struct{}
	wait         time.Duration // the longest a sign-in waits for a turn
}

func newSignInGate(n int, wait time.Duration) *signInGate {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	if wait <= 0 {
		wait = maxSignInWait
	}
	return &signInGate{slots: make(chan struct{}, n), queue: make(chan struct{}, waitPerSlot*n), wait: wait}
}

// enter waits for a turn and returns the function that ends it.
// Errors: EUnavailable when the queue is full or the wait too long.
func (g *signInGate) enter(ctx context.Context) (func(), error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return nil, errSignInBusy
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
		return nil, errSignInBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
