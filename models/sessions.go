package models

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"
)

// SessionStore keeps staff sessions (scs) in the sessions table with the
// staff member each belongs to, so all of a member's sessions can be
// deleted in one indexed statement. The token it is given is already a
// hash (the app never hands it a cookie). Expired rows are deleted every
// cleanup interval until StopCleanup.
type SessionStore struct {
	db   *DB
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// NewSessionStore returns a store on db that deletes expired sessions every
// cleanup (none if cleanup is 0).
func NewSessionStore(db *DB, cleanup time.Duration) *SessionStore {
	s := &SessionStore{db: db, stop: make(chan struct{})}
	if cleanup > 0 {
		s.wg.Add(1)
		go s.cleanup(cleanup)
	}
	return s
}

func (s *SessionStore) sqlite() bool { return s.db.Dialect == DialectSQLite }

// Find returns an unexpired session's data.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	q := "SELECT data FROM sessions WHERE token = $1 AND expiry > now()"
	if s.sqlite() {
		q = "SELECT data FROM sessions WHERE token = $1 AND expiry > julianday('now')"
	}
	var b []byte
	err := s.db.SQL.QueryRow(q, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Commit saves a session that belongs to no staff member.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitStaff(token, b, expiry, 0)
}

// CommitStaff saves a session, with the staff member it belongs to (0: none).
func (s *SessionStore) CommitStaff(token string, b []byte, expiry time.Time, staffID int64) error {
	var staff any
	if staffID != 0 {
		staff = staffID
	}
	q := `INSERT INTO sessions (token, data, expiry, staff_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, staff_id = excluded.staff_id`
	var exp any = expiry.UTC()
	if s.sqlite() {
		q = `INSERT INTO sessions (token, data, expiry, staff_id) VALUES ($1, $2, julianday($3), $4)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, staff_id = excluded.staff_id`
		exp = expiry.UTC().Format("2006-01-02T15:04:05.999")
	}
	_, err := s.db.SQL.Exec(q, token, b, exp, staff)
	return err
}

// Delete removes a session; an unknown one is no error.
func (s *SessionStore) Delete(token string) error {
	_, err := s.db.SQL.Exec("DELETE FROM sessions WHERE token = $1", token)
	return err
}

// StopCleanup ends the cleanup goroutine and waits for it.
func (s *SessionStore) StopCleanup() {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
}

func (s *SessionStore) cleanup(every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			q := "DELETE FROM sessions WHERE expiry < now()"
			if s.sqlite() {
				q = "DELETE FROM sessions WHERE expiry < julianday('now')"
			}
			_, _ = s.db.SQL.Exec(q)
		}
	}
}

// DeleteStaffSessions deletes every session of a staff member, inside tx
// when the caller changes the account in the same transaction.
func DeleteStaffSessions(ctx context.Context, tx *gorm.DB, staffID int64) (int64, error) {
	res := tx.WithContext(ctx).Exec("DELETE FROM sessions WHERE staff_id = ?", staffID)
	return res.RowsAffected, res.Error
}
