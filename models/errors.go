package models

import (
	"errors"
	"fmt"
	"time"
)

// Error codes shared by every layer: every code a handler can answer with
// is one of these. Each transport maps them to a status in one place (the
// HTTP side: app/errors.go); models itself knows nothing of HTTP.
const (
	EInvalid      = "invalid"     // input that breaks a rule; Fields says which
	EBadRequest   = "bad_request" // input that cannot be read at all (malformed JSON, a bad link)
	EUnsupported  = "unsupported_media_type"
	ENotFound     = "not_found"
	EMethod       = "method_not_allowed" // an address that exists, asked with another method
	EConflict     = "conflict"           // not possible in the record's present state
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ERateLimited  = "rate_limited" // too many: try again after RetryAfter
	EGone         = "gone"
	EUnavailable  = "unavailable" // busy: try again after RetryAfter
	EInternal     = "internal"
)

// ErrorCodes returns every code above, so a transport can prove it maps each.
func ErrorCodes() []string {
	return []string{EInvalid, EBadRequest, EUnsupported, ENotFound, EMethod, EConflict, EUnauthorized,
		EForbidden, ERateLimited, EGone, EUnavailable, EInternal}
}

// ErrNotFound is returned when a record does not exist (never nil, nil).
var ErrNotFound = &Error{Code: ENotFound, Message: "Not found."}

// Error is an application error with a code, a message safe to show to a user,
// and optional field-level messages for invalid input.
type Error struct {
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration // with ERateLimited or EUnavailable: when to try again
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the code and a formatted user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of an *Error in err's chain, or
// a generic message for internal errors so their details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again later."
}

// ErrorRetryAfter returns how long a rate-limited caller should wait.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrorFields returns the field messages of an *Error in err's chain.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
