package collect

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password policy: long enough, and not one people commonly choose. Length
// beats composition rules (NIST SP 800-63B 5.1.1.2); the list catches what
// length alone lets through ("password1234", "qwertyuiop12").
const (
	PasswordMinLength = 12
	// PasswordMaxBytes is what bcrypt reads; more would be silently ignored.
	PasswordMaxBytes = 72
)

//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 4000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = true
	}
	return m
})

// CheckPassword says whether pw may be a password: at least
// PasswordMinLength characters, at most PasswordMaxBytes bytes, not a
// common password (case ignored, nor one with digits or punctuation added
// at its end), not one character repeated and not a run like "123456789012".
// The error is EINVALID on the field "password" with a catalogue key.
func CheckPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < PasswordMinLength:
		return Invalid("password", "err.password.too_short", "min", PasswordMinLength)
	case len(pw) > PasswordMaxBytes:
		return Invalid("password", "err.password.too_long", "max", PasswordMaxBytes)
	case isCommonPassword(pw):
		return Invalid("password", "err.password.common")
	case isMonotonous(pw):
		return Invalid("password", "err.password.pattern")
	}
	return nil
}

func isCommonPassword(pw string) bool {
	list := commonPasswords()
	low := strings.ToLower(pw)
	if list[low] {
		return true
	}
	// "password2024!", "iloveyou123456": a listed word with a suffix.
	base := strings.TrimRightFunc(low, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	if base != low && (list[base] || base == "") {
		return true
	}
	// "passwordpassword", "qwertyqwerty": a listed word repeated.
	for n := 1; n <= len(low)/2; n++ {
		if len(low)%n == 0 && strings.Repeat(low[:n], len(low)/n) == low && (list[low[:n]] || n <= 3) {
			return true
		}
	}
	return false
}

// isMonotonous reports one character repeated or a run of consecutive
// characters up or down ("abcdefghijkl", "987654321098" wraps no further).
func isMonotonous(pw string) bool {
	rs := []rune(pw)
	up, down, same := true, true, true
	for i := 1; i < len(rs); i++ {
		d := rs[i] - rs[i-1]
		up = up && (d == 1 || (rs[i-1] == '9' && rs[i] == '0'))
		down = down && (d == -1 || (rs[i-1] == '0' && rs[i] == '9'))
		same = same && d == 0
	}
	return up || down || same
}
