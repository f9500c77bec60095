// Package collect is the shared vocabulary of every module: organisations,
// users, roles and the actor, the application's error type, the time zone
// people write in and what text may be stored. It imports nothing of the
// application; allocation, casework, oversight and the portal import it.
package collect

import (
	"errors"
	"fmt"
)

// Error codes. Every layer returns *Error for what a user can act on; the
// portal maps each code to one HTTP status in one place.
const (
	EINVALID       = "invalid"
	ENOTFOUND      = "not_found"
	ECONFLICT      = "conflict"
	EFORBIDDEN     = "forbidden"
	EUNAUTHORIZED  = "unauthorized"
	ERULEVIOLATION = "rule_violation"
	ETHROTTLED     = "throttled"
	EINTERNAL      = "internal"
)

// Violation names one broken rule.
type Violation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// FieldError names one bad input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the application's error: a code, a message fit to show the user,
// and optionally the rules or fields at fault.
type Error struct {
	Code       string
	Message    string
	Violations []Violation
	Fields     []FieldError
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors are
// never described.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
