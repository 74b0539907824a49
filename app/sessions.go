package app

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/kactoily/privacydesk/models"
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

// Commit saves the session under its hash, with the staff member it
// belongs to when the store can keep that (models.SessionStore), so a
// member's sessions can all be deleted at once.
func (h hashedStore) Commit(token string, b []byte, expiry time.Time) error {
	if sc, ok := h.inner.(staffCommitter); ok {
		return sc.CommitStaff(hashKey(token), b, expiry, sessionStaffID(b))
	}
	return h.inner.Commit(hashKey(token), b, expiry)
}

// staffCommitter is a store that records whose session it saves.
type staffCommitter interface {
	CommitStaff(token string, b []byte, expiry time.Time, staffID int64) error
}

var _ staffCommitter = (*models.SessionStore)(nil)

// sessionStaffID reads the signed-in staff member's id out of encoded
// session data (scs's default gob codec), or 0.
func sessionStaffID(b []byte) int64 {
	_, values, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return 0
	}
	id, _ := values[sessionStaffKey].(int64)
	return id
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
