package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Request types a data subject can file.
const (
	TypeAccess     = "access"
	TypeDeletion   = "deletion"
	TypeOptOut     = "opt_out"
	TypeCorrection = "correction" // GDPR Art. 16, CCPA §1798.106
	// TypeOptIn ends an earlier opt-out of sale/sharing (CCPA §7028). Only
	// an authorized agent files one (DRP sale:opt-in), and the person
	// confirms it by email: the second step the regulation asks for.
	TypeOptIn = "opt_in"
)

// Request statuses; workflows owns the transitions between them.
const (
	StatusPendingVerification = "pending_verification"
	StatusVerified            = "verified"
	StatusInProgress          = "in_progress"
	StatusAwaitingApproval    = "awaiting_approval"
	StatusFulfilling          = "fulfilling"
	StatusCompleted           = "completed"
	StatusDenied              = "denied"
	StatusCancelled           = "cancelled"
	StatusExpired             = "expired"
)

// Opt-out scopes.
const (
	ScopeMarketingEmail = "marketing_email"
	ScopeSaleSharing    = "sale_sharing"
	ScopeAnalytics      = "analytics"
)

// RequestTypes (what a person or staff can file), AllRequestTypes (those
// and the agent-only opt-in) and OptOutScopes list the valid values in
// display order.
var (
	RequestTypes    = []string{TypeAccess, TypeDeletion, TypeOptOut, TypeCorrection}
	AllRequestTypes = []string{TypeAccess, TypeDeletion, TypeOptOut, TypeCorrection, TypeOptIn}
	OptOutScopes    = []string{ScopeMarketingEmail, ScopeSaleSharing, ScopeAnalytics}
)

// Request is one data-subject request. Its status only changes through
// workflows' transition function.
type Request struct {
	ID           string `gorm:"primaryKey;size:32"`
	Type         string `gorm:"size:16;not null"`
	Status       string `gorm:"size:32;not null"`
	Email        string `gorm:"size:320;not null"` // normalized (trimmed, lower case)
	Name         string `gorm:"size:200;not null"`
	Details      string `gorm:"not null"`
	Scopes       string `gorm:"size:200;not null"` // opt-out scopes, space separated
	GPC          bool   `gorm:"column:gpc;not null"`
	Channel      string `gorm:"size:16;not null"` // web, api or staff
	DenialReason string `gorm:"not null"`
	ExpiresAt    *time.Time
	VerifiedAt   *time.Time
	DueAt        *time.Time
	ClosedAt     *time.Time
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`

	// Staff side.
	AssigneeID        *int64
	Queue             string     `gorm:"size:16;not null"` // open, pending or closed: which part of the queue
	QueueAt           *time.Time // the due date, or the nominal one before verification; the queue's sort key
	ExtendedAt        *time.Time
	ExtensionReason   string `gorm:"not null"`
	IdentityConfirmed string `gorm:"not null"` // why staff confirmed identity without email verification
	FiledBy           *int64 // staff member who filed it on the requester's behalf

	Region       string     `gorm:"size:8;not null"`            // us-ca, eu or other: whose law sets the deadlines
	Lang         string     `gorm:"size:8;not null;default:en"` // the language it was filed in: its emails are written in it
	CancelReason string     `gorm:"not null"`                   // why staff cancelled it
	PurgedAt     *time.Time // when the retention period removed its personal data

	VerifyAttempts int        `gorm:"not null"`                // wrong order numbers or serials given on the verification page
	VerifyLocked   *time.Time `gorm:"column:verify_locked_at"` // when the last allowed wrong one locked verification
}

// Regions a requester can state; each picks the law whose deadlines apply.
const (
	RegionCalifornia = "us-ca" // CCPA
	RegionEU         = "eu"    // GDPR (EU, EEA and the UK)
	RegionOther      = "other"
)

// Regions lists the valid regions in display order.
var Regions = []string{RegionCalifornia, RegionEU, RegionOther}

// Queues a request can sit in.
const (
	QueueOpen    = "open"
	QueuePending = "pending"
	QueueClosed  = "closed"
)

// QueueFor returns the part of the queue a status belongs to.
func QueueFor(status string) string {
	switch status {
	case StatusPendingVerification:
		return QueuePending
	case StatusVerified, StatusInProgress, StatusAwaitingApproval, StatusFulfilling:
		return QueueOpen
	}
	return QueueClosed
}

// TableName keeps the table name short and stable.
func (Request) TableName() string { return "requests" }

// ScopeList returns the opt-out scopes as a slice.
func (r *Request) ScopeList() []string { return strings.Fields(r.Scopes) }

// Open reports whether the request still awaits an outcome.
func (r *Request) Open() bool {
	switch r.Status {
	case StatusCompleted, StatusDenied, StatusCancelled, StatusExpired:
		return false
	}
	return true
}

// FindRequest returns the request with id, or ErrNotFound.
func FindRequest(ctx context.Context, db *gorm.DB, id string) (*Request, error) {
	var r Request
	err := db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRequestStatus moves a request from one status to another only if it
// is still in the from status, so two concurrent changes cannot both apply.
// It returns a conflict error when the request has moved on meanwhile.
func UpdateRequestStatus(ctx context.Context, tx *gorm.DB, r *Request, from string, set map[string]any) error {
	res := tx.WithContext(ctx).Model(&Request{}).Where("id = ? AND status = ?", r.ID, from).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return Errorf(EConflict, "This request has changed meanwhile; reload and try again.")
	}
	return nil
}

// CountRecentRequests counts requests for an email and type created since t.
// On PostgreSQL it first takes a lock on the email until the transaction
// ends, so concurrent filings for one address count one after the other and
// cannot all slip under a limit together (SQLite runs one write transaction
// at a time anyway).
func CountRecentRequests(ctx context.Context, db *gorm.DB, email, typ string, since time.Time) (int64, error) {
	if db.Dialector.Name() == DialectPostgres {
		if err := db.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(7294002, hashtext(?))", email).Error; err != nil {
			return 0, fmt.Errorf("lock filings for an email: %w", err)
		}
	}
	var n int64
	err := db.WithContext(ctx).Model(&Request{}).
		Where("email = ? AND type = ? AND created_at >= ?", email, typ, since).Count(&n).Error
	return n, err
}

// FilingKey names the requests of one address and one type.
type FilingKey struct{ Email, Type string }

// LockFilings is CountRecentRequests's lock for many addresses at once, taken
// in the order of the lock keys so that transactions locking overlapping
// sets cannot deadlock. Only PostgreSQL needs it.
func LockFilings(ctx context.Context, db *gorm.DB, emails []string) error {
	if db.Dialector.Name() != DialectPostgres || len(emails) == 0 {
		return nil
	}
	args := make([]any, len(emails))
	for i, e := range emails {
		args[i] = e
	}
	q := "SELECT count(pg_advisory_xact_lock(7294002, k)) FROM (SELECT DISTINCT hashtext(e) AS k FROM unnest(ARRAY[" +
		strings.TrimSuffix(strings.Repeat("?::text,", len(emails)), ",") + "]) AS e ORDER BY k) AS keys"
	if err := db.WithContext(ctx).Exec(q, args...).Error; err != nil {
		return fmt.Errorf("lock filings for %d emails: %w", len(emails), err)
	}
	return nil
}

// CountRecentFilings is CountRecentRequests for many addresses in one
// query: the requests of each address and type created since since.
func CountRecentFilings(ctx context.Context, db *gorm.DB, emails []string, since time.Time) (map[FilingKey]int64, error) {
	var rows []struct {
		Email, Type string
		N           int64
	}
	err := db.WithContext(ctx).Model(&Request{}).Select("email, type, count(*) AS n").
		Where("email IN ? AND created_at >= ?", emails, since).Group("email, type").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count recent filings: %w", err)
	}
	counts := make(map[FilingKey]int64, len(rows))
	for _, r := range rows {
		counts[FilingKey{r.Email, r.Type}] = r.N
	}
	return counts, nil
}

// PendingFilings is PendingRequestsOfType for many addresses in one query:
// each address's unexpired requests awaiting verification, by type, newest
// first.
func PendingFilings(ctx context.Context, db *gorm.DB, emails []string, now time.Time) (map[FilingKey][]Request, error) {
	// Without statistics (SQLite never has them, PostgreSQL not until
	// autovacuum first analyzes a growing table) both planners would rather
	// walk every waiting request by the status index than look up a few
	// dozen addresses: `status || ''` takes status out of their choice of
	// index, so they look up the addresses.
	var rs []Request
	err := db.WithContext(ctx).
		Where("email IN ? AND status || '' = ? AND expires_at > ?", emails, StatusPendingVerification, now).
		Order("created_at DESC").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("find waiting filings: %w", err)
	}
	pending := map[FilingKey][]Request{}
	for _, r := range rs {
		k := FilingKey{r.Email, r.Type}
		pending[k] = append(pending[k], r)
	}
	return pending, nil
}

// PendingRequestsForEmail returns the unexpired requests of an email still
// awaiting verification, newest first, at most limit.
func PendingRequestsForEmail(ctx context.Context, db *gorm.DB, email string, now time.Time, limit int) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).
		Where("email = ? AND status = ? AND expires_at > ?", email, StatusPendingVerification, now).
		Order("created_at DESC").Limit(limit).Find(&rs).Error
	return rs, err
}

// ExpiredUnverified returns up to limit requests whose verification window
// has passed; a locked one (wrong answers) stays for staff to settle.
func ExpiredUnverified(ctx context.Context, db *gorm.DB, now time.Time, limit int) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).
		Where("status = ? AND expires_at <= ? AND verify_locked_at IS NULL", StatusPendingVerification, now).
		Order("expires_at").Limit(limit).Find(&rs).Error
	return rs, err
}

// PendingRequestsOfType is PendingRequestsForEmail for one request type.
func PendingRequestsOfType(ctx context.Context, db *gorm.DB, email, typ string, now time.Time, limit int) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).
		Where("email = ? AND type = ? AND status = ? AND expires_at > ?", email, typ, StatusPendingVerification, now).
		Order("created_at DESC").Limit(limit).Find(&rs).Error
	return rs, err
}

// RequestsForEmail returns an email's requests, newest first, at most limit.
func RequestsForEmail(ctx context.Context, db *gorm.DB, email string, limit int) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).Where("email = ?", email).Order("created_at DESC").Limit(limit).Find(&rs).Error
	return rs, err
}

// VerifyLockedFor reports whether any request of email waiting for its
// confirmation is locked by wrong answers, and how many wrong answers its
// waiting requests hold in all: the tries belong to the address, so filing
// again buys no more guesses.
func VerifyLockedFor(ctx context.Context, db *gorm.DB, email string) (locked bool, attempts int, err error) {
	var row struct {
		Locked   int64
		Attempts int
	}
	err = db.WithContext(ctx).Model(&Request{}).
		Where("email = ? AND status = ?", email, StatusPendingVerification).
		Select("COUNT(verify_locked_at) AS locked, COALESCE(SUM(verify_attempts), 0) AS attempts").
		Scan(&row).Error
	return row.Locked > 0, row.Attempts, err
}

// UnverifiedToRemind returns up to limit requests still waiting for email
// confirmation that expire in (now, until], not locked and not yet sent a
// reminder of kind, soonest to expire first (the requests_status_expires
// index).
func UnverifiedToRemind(ctx context.Context, db *gorm.DB, now, until time.Time, kind string, limit int) ([]Request, error) {
	var rs []Request
	err := db.WithContext(ctx).
		Where("status = ? AND expires_at > ? AND expires_at <= ? AND verify_locked_at IS NULL", StatusPendingVerification, now, until).
		Where("NOT EXISTS (SELECT 1 FROM reminders_sent m WHERE m.request_id = requests.id AND m.kind = ?)", kind).
		Order("expires_at, id").Limit(limit).Find(&rs).Error
	return rs, err
}
