package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/password"
	"github.com/kactoily/privacydesk/models"
)

// Sign-in protection.
const (
	MinPasswordLen = 12
	maxFailures    = 5                // failed sign-ins before the account locks
	lockFor        = 15 * time.Minute // how long it stays locked
)

// NewStaff is a staff account to create.
type NewStaff struct {
	Email, Name, Role, Password string
}

// errBadLogin is the one answer to every failed sign-in, whatever the
// reason (unknown email, wrong password, disabled or locked account), so it
// never tells whether an account exists.
var errBadLogin = models.Errorf(models.EUnauthorized,
	"That email and password do not match an active account. After 5 failed attempts an account is locked for 15 minutes.")

// AddStaff creates a staff account. Errors: EInvalid with fields, EConflict
// when the email is taken.
func (s *Service) AddStaff(ctx context.Context, in NewStaff) (*models.StaffUser, error) {
	in.Email, in.Name = models.NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
	fields := map[string]string{}
	if !ValidEmail(in.Email) {
		fields["email"] = "Enter a valid email address."
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxNameLen || !cleanText(in.Name, false) {
		fields["name"] = "Enter a name of up to 200 characters."
	}
	if !slices.Contains([]string{models.RoleAgent, models.RoleAdmin}, in.Role) {
		fields["role"] = "Choose agent or admin."
	}
	if utf8.RuneCountInString(in.Password) < MinPasswordLen {
		fields["password"] = "Use a password of at least 12 characters."
	}
	if len(fields) > 0 {
		return nil, &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	now := s.now()
	u := &models.StaffUser{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: password.Hash(in.Password),
		CreatedAt: now, UpdatedAt: now}
	err := s.DB.DB.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, &models.Error{Code: models.EConflict, Message: "A staff account with that email already exists.",
			Fields: map[string]string{"email": "This email already has an account."}}
	}
	if err != nil {
		return nil, err
	}
	s.Log.Info("staff account created", "staff_id", u.ID, "role", u.Role)
	return u, nil
}

// Authenticate checks a sign-in. At most SignInsAtOnce run at once (others
// wait briefly or are refused as busy). Each attempt is counted against the
// account before its password is checked, so concurrent attempts cannot
// all slip under the limit: after maxFailures the account is locked for
// lockFor. The answer stays the same generic one whether the email, the
// password or the lock was the reason. A hash made with older argon2id
// parameters is replaced on success.
// Errors: EUnauthorized; EUnavailable when too many sign-ins are waiting.
func (s *Service) Authenticate(ctx context.Context, email, given string) (*models.StaffUser, error) {
	release, err := s.signIns.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	email = models.NormalizeEmail(email)
	// Every account's email is valid; looking up an invalid one (a NUL, say)
	// would only make PostgreSQL fail the query.
	if !ValidEmail(email) {
		password.Check(dummyHash(), given)
		return nil, errBadLogin
	}
	now := s.now()
	at, err := models.ReserveSignIn(ctx, s.DB.DB, email, now, now.Add(lockFor), maxFailures)
	if errors.Is(err, models.ErrNotFound) || err == nil && at.Locked {
		if at != nil {
			s.Log.Warn("staff account locked after failed sign-ins", "staff_id", at.ID)
		}
		password.Check(dummyHash(), given)
		return nil, errBadLogin
	}
	if err != nil {
		return nil, err
	}
	// The attempt is counted; its outcome is recorded even if the client
	// has gone away meanwhile.
	dctx := context.WithoutCancel(ctx)
	if !password.Check(at.PasswordHash, given) {
		locked, err := models.FailSignIn(dctx, s.DB.DB, at.ID, maxFailures, now.Add(lockFor))
		if err != nil {
			return nil, err
		}
		if locked {
			s.Log.Warn("staff account locked after failed sign-ins", "staff_id", at.ID)
		}
		return nil, errBadLogin
	}
	newHash := ""
	if password.NeedsRehash(at.PasswordHash) {
		newHash = password.Hash(given)
	}
	if err := models.SucceedSignIn(dctx, s.DB.DB, at.ID, at.Counted, now, newHash); err != nil {
		return nil, err
	}
	return models.FindStaff(dctx, s.DB.DB, at.ID)
}

// StaffMember returns an active staff account by id. Errors: EUnauthorized
// when it does not exist or is disabled (its sessions stop working at once).
func (s *Service) StaffMember(ctx context.Context, id int64) (*models.StaffUser, error) {
	u, err := models.FindStaff(ctx, s.DB.DB, id)
	if errors.Is(err, models.ErrNotFound) || err == nil && !u.Active() {
		return nil, models.Errorf(models.EUnauthorized, "Please sign in.")
	}
	return u, err
}

// ListStaff returns every staff account.
func (s *Service) ListStaff(ctx context.Context) ([]models.StaffUser, error) {
	return models.ListStaff(ctx, s.DB.DB)
}

// UpdateStaff changes another account's role or enabled state; only admins
// may, and never on their own account (so the last admin cannot lock
// everyone out). Disabling an account or changing its role ends all its
// sessions, in the same transaction as the change and its audit event.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Service) UpdateStaff(ctx context.Context, actor *models.StaffUser, id int64, role string, disabled bool) error {
	if err := s.checkStaffAdmin(actor, id, "change your own role or disable your own account"); err != nil {
		return err
	}
	if !slices.Contains([]string{models.RoleAgent, models.RoleAdmin}, role) {
		return &models.Error{Code: models.EInvalid, Message: "Choose agent or admin.", Fields: map[string]string{"role": "Choose agent or admin."}}
	}
	var ended int64
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := models.FindStaff(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		set := map[string]any{"role": role, "updated_at": now}
		switch {
		case disabled && u.DisabledAt == nil:
			set["disabled_at"] = now
		case !disabled:
			set["disabled_at"] = nil
		}
		revoke := disabled && u.DisabledAt == nil || role != u.Role
		if !revoke && disabled == (u.DisabledAt != nil) {
			return nil // nothing changes
		}
		if ended, err = s.changeStaff(ctx, tx, u.ID, set, revoke); err != nil {
			return err
		}
		return s.auditStaff(ctx, tx, actor, "staff_update", map[string]any{
			"staff_id": u.ID, "role": role, "disabled": disabled, "sessions_ended": ended})
	})
	if err != nil {
		return err
	}
	s.Log.Info("staff account changed", "staff_id", id, "by", actor.ID, "role", role, "disabled", disabled, "sessions_ended", ended)
	return nil
}

// ResetStaffPassword gives another account a new generated password and
// returns it, to be shown once to the admin and passed on by them; the
// account's sessions end and its lock is lifted, in one transaction with
// the audit event. Only admins may, and not on their own account.
// Errors: EForbidden, ENotFound.
func (s *Service) ResetStaffPassword(ctx context.Context, actor *models.StaffUser, id int64) (string, *models.StaffUser, error) {
	if err := s.checkStaffAdmin(actor, id, "reset your own password here"); err != nil {
		return "", nil, err
	}
	pw := password.Generate()
	hash := password.Hash(pw)
	var u *models.StaffUser
	var ended int64
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = models.FindStaff(ctx, tx, id); err != nil {
			return err
		}
		set := map[string]any{"password_hash": hash, "failed_logins": 0, "locked_until": nil, "updated_at": s.now()}
		if ended, err = s.changeStaff(ctx, tx, u.ID, set, true); err != nil {
			return err
		}
		return s.auditStaff(ctx, tx, actor, "staff_password_reset", map[string]any{"staff_id": u.ID, "sessions_ended": ended})
	})
	if err != nil {
		return "", nil, err
	}
	s.Log.Info("staff password reset", "staff_id", id, "by", actor.ID, "sessions_ended", ended)
	return pw, u, nil
}

func (s *Service) checkStaffAdmin(actor *models.StaffUser, id int64, what string) error {
	if !actor.IsAdmin() {
		return errAdminOnly
	}
	if actor.ID == id {
		return models.Errorf(models.EForbidden, "You cannot %s.", what)
	}
	return nil
}

// changeStaff writes set to the account; with revoke it also raises the
// session version and deletes every session of the account, returning how
// many were deleted.
func (s *Service) changeStaff(ctx context.Context, tx *gorm.DB, id int64, set map[string]any, revoke bool) (int64, error) {
	if revoke {
		set["session_version"] = gorm.Expr("session_version + 1")
	}
	if err := tx.WithContext(ctx).Model(&models.StaffUser{}).Where("id = ?", id).Updates(set).Error; err != nil {
		return 0, err
	}
	if !revoke {
		return 0, nil
	}
	return models.DeleteStaffSessions(ctx, tx, id)
}

// auditStaff records an admin's change to a staff account in the audit
// trail (an event of no request).
func (s *Service) auditStaff(ctx context.Context, tx *gorm.DB, actor *models.StaffUser, action string, details map[string]any) error {
	d, err := jsonMarshal(details)
	if err != nil {
		return err
	}
	return models.AppendAuditEvent(ctx, tx, s.DB.Dialect, &models.AuditEvent{
		Actor: actor.Email, Action: action, Details: d, CreatedAt: s.now()})
}

var errAdminOnly = models.Errorf(models.EForbidden, "Only a privacy admin can do that.")
