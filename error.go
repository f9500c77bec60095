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
	ETOTPREQUIRED  = "totp_required" // the password was right; the second factor is missing
	ERULEVIOLATION = "rule_violation"
	ETHROTTLED     = "throttled"
	EGONE          = "gone" // a one-time link already used, expired or replaced
	EINTERNAL      = "internal"
)

// Violation names one broken rule. Key and Args say what is wrong in the
// catalogue's words (views/locales), so a page says it in the reader's
// language; Message is the English text (the API's), filled in by Broken.
// A Violation without a Key (an older stored one) has only its Message.
type Violation struct {
	Rule    string         `json:"rule"`
	Message string         `json:"message"`
	Key     string         `json:"key,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
}

// Broken returns the Violation of rule with a catalogue key and its
// arguments as name, value pairs; its Message is the English text.
func Broken(rule, key string, kv ...any) Violation {
	args := argMap(kv)
	return Violation{Rule: rule, Key: key, Args: args, Message: Render(key, args)}
}

// Phrase is a catalogue key with its arguments used as an argument of
// another message (a channel's name, "in the last 7 calendar days"): the
// views render it in the same language as the message around it.
type Phrase struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// Say returns the Phrase of key with its arguments as name, value pairs.
func Say(key string, kv ...any) Phrase { return Phrase{Key: key, Args: argMap(kv)} }

// String is the phrase in English.
func (p Phrase) String() string { return Render(p.Key, p.Args) }

// FieldError names one bad input field. Key and Args say what is wrong in
// the catalogue's words (views/locales); Message is the English text the
// API sends, filled in at the boundary from the English catalogue.
type FieldError struct {
	Field   string         `json:"field"`
	Message string         `json:"message"`
	Key     string         `json:"key,omitempty"`
	Args    map[string]any `json:"-"`
}

// Error is the application's error: a code, a message key with its
// arguments (the zh/en catalogue in views/locales says it in the reader's
// language), and optionally the rules or fields at fault.
//
// Message is the text of errors still written as English (Errorf); the
// keyed errors (E) leave it empty and the portal renders Key.
type Error struct {
	Code       string
	Key        string
	Args       map[string]any
	Message    string
	Violations []Violation
	Fields     []FieldError
}

// Error is the English message (or the key and arguments when no renderer
// is linked in), for logs and the command line.
func (e *Error) Error() string { return e.Code + ": " + e.Text() }

// Text is the error's English message.
func (e *Error) Text() string {
	if e.Key == "" {
		return e.Message
	}
	return Render(e.Key, e.Args)
}

// Render turns a message key and its arguments into English text. The
// views package sets it to the English catalogue when it is linked in
// (every program that shows errors to people links it); without it, the
// key and arguments are written out, which is what domain tests see.
var Render = func(key string, args map[string]any) string {
	if len(args) == 0 {
		return key
	}
	return fmt.Sprintf("%s %v", key, args)
}

// E returns an *Error with the code, the catalogue key and the key's
// arguments as name, value pairs: E(ENOTFOUND, "err.account_not_found",
// "id", id). An argument that is itself an *Error is rendered in the
// reader's language where it is shown.
func E(code, key string, kv ...any) *Error {
	return &Error{Code: code, Key: key, Args: argMap(kv)}
}

// Field returns the FieldError of field with a catalogue key and its
// arguments as name, value pairs.
func Field(field, key string, kv ...any) FieldError {
	return FieldError{Field: field, Key: key, Args: argMap(kv)}
}

// WithFields returns e with the field errors attached.
func (e *Error) WithFields(fs ...FieldError) *Error {
	e.Fields = append(e.Fields, fs...)
	return e
}

// Invalid is the EINVALID error of one field: its message is the field's.
func Invalid(field, key string, kv ...any) *Error {
	f := Field(field, key, kv...)
	return &Error{Code: EINVALID, Key: key, Args: f.Args, Fields: []FieldError{f}}
}

func argMap(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		name, _ := kv[i].(string)
		m[name] = kv[i+1]
	}
	if len(kv)%2 == 1 {
		m["!BADARG"] = kv[len(kv)-1]
	}
	return m
}

// Errorf returns an *Error with the code and a formatted English message.
//
// Deprecated: messages people read come from the catalogue; use E.
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

// ErrorMessage returns the English user-facing message of err; internal
// errors are never described.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Text()
	}
	return "internal error"
}
