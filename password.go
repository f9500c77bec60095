package collect

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// Password rules: long enough to resist guessing, short enough for bcrypt
// (which reads 72 bytes), and not one of the passwords everybody tries first.
const (
	PasswordMinRunes = 12
	PasswordMaxBytes = 72
)

//go:embed common-passwords.txt
var commonPasswordFile string

// commonPasswords is common-passwords.txt as a set, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordFile, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// CheckPassword is the password policy: nil when pw may be used by the
// person of that email, else the EINVALID error of field "password" saying
// why. At least 12 characters, at most 72 bytes, not a common password (in
// any case), not one character repeated, and not the email or its local
// part.
func CheckPassword(pw, email string) error {
	switch {
	case utf8.RuneCountInString(pw) < PasswordMinRunes:
		return Invalid("password", "err.password.too_short", "min", PasswordMinRunes)
	case len(pw) > PasswordMaxBytes:
		return Invalid("password", "err.password.too_long", "max", PasswordMaxBytes)
	}
	lower := strings.ToLower(pw)
	if commonPasswords[lower] || strings.Count(lower, lower[:1]) == len(lower) {
		return Invalid("password", "err.password.common")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if local, _, _ := strings.Cut(email, "@"); email != "" && (lower == email || (len(local) >= 4 && strings.Contains(lower, local) && len(lower)-len(local) < 6)) {
		return Invalid("password", "err.password.like_email")
	}
	return nil
}
