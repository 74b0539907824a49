package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

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
	in.Email, in.Name = NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
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
	u := &models.StaffUser{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: HashPassword(in.Password),
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

// Authenticate checks a sign-in. After maxFailures wrong passwords the
// account is locked for lockFor, and the answer stays the same generic one
// whether the email, the password or the lock was the reason.
// Errors: EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*models.StaffUser, error) {
	email = NormalizeEmail(email)
	// Every account's email is valid; looking up an invalid one (a NUL, say)
	// would only make PostgreSQL fail the query.
	if !ValidEmail(email) {
		CheckPassword(dummyHash(), password)
		return nil, errBadLogin
	}
	u, err := models.FindStaffByEmail(ctx, s.DB.DB, email)
	if errors.Is(err, models.ErrNotFound) {
		CheckPassword(dummyHash(), password)
		return nil, errBadLogin
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !u.Active() {
		CheckPassword(dummyHash(), password)
		return nil, errBadLogin
	}
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		CheckPassword(dummyHash(), password)
		return nil, errBadLogin
	}
	db := s.DB.DB.WithContext(ctx).Model(&models.StaffUser{}).Where("id = ?", u.ID)
	if !CheckPassword(u.PasswordHash, password) {
		set := map[string]any{"failed_logins": gorm.Expr("failed_logins + 1")}
		if u.FailedLogins+1 >= maxFailures {
			set["locked_until"], set["failed_logins"] = now.Add(lockFor), 0
			s.Log.Warn("staff account locked after failed sign-ins", "staff_id", u.ID)
		}
		if err := db.Updates(set).Error; err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	if err := db.Updates(map[string]any{"failed_logins": 0, "locked_until": nil, "last_login_at": now}).Error; err != nil {
		return nil, err
	}
	return u, nil
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
// everyone out). Errors: EForbidden, ENotFound, EInvalid.
func (s *Service) UpdateStaff(ctx context.Context, actor *models.StaffUser, id int64, role string, disabled bool) error {
	if !actor.IsAdmin() {
		return errAdminOnly
	}
	if actor.ID == id {
		return models.Errorf(models.EForbidden, "You cannot change your own role or disable your own account.")
	}
	if !slices.Contains([]string{models.RoleAgent, models.RoleAdmin}, role) {
		return &models.Error{Code: models.EInvalid, Message: "Choose agent or admin.", Fields: map[string]string{"role": "Choose agent or admin."}}
	}
	u, err := models.FindStaff(ctx, s.DB.DB, id)
	if err != nil {
		return err
	}
	set := map[string]any{"role": role, "updated_at": s.now()}
	switch {
	case disabled && u.DisabledAt == nil:
		set["disabled_at"] = s.now()
	case !disabled:
		set["disabled_at"] = nil
	}
	if err := s.DB.DB.WithContext(ctx).Model(&models.StaffUser{}).Where("id = ?", id).Updates(set).Error; err != nil {
		return err
	}
	s.Log.Info("staff account changed", "staff_id", id, "by", actor.ID, "role", role, "disabled", disabled)
	return nil
}

var errAdminOnly = models.Errorf(models.EForbidden, "Only a privacy admin can do that.")
