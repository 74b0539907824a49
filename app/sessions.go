package app

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// hashedStore keeps sessions in another store under the SHA-256 of their
// token, so the database never holds a usable session cookie.
type hashedStore struct{ inner scs.Store }

var _ scs.Store = hashedStore{}

func hashKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (h hashedStore) Find(token string) ([]byte, bool, error) { return h.inner.Find(hashKey(token)) }
func (h hashedStore) Delete(token string) error               { return h.inner.Delete(hashKey(token)) }
func (h hashedStore) Commit(token string, b []byte, expiry time.Time) error {
	return h.inner.Commit(hashKey(token), b, expiry)
}

// Staff session lifetimes.
const (
	sessionIdle     = 30 * time.Minute
	sessionLifetime = 12 * time.Hour
)

func newSessions(store scs.Store, secure bool) *scs.SessionManager {
	sm := scs.New()
	if store != nil {
		sm.Store = hashedStore{store}
	}
	sm.IdleTimeout = sessionIdle
	sm.Lifetime = sessionLifetime
	sm.Cookie.Name = "pd_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/"
	return sm
}
