package collect

import (
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// KeyRoles are the roles an integration key may hold.
var KeyRoles = []string{RoleIntegration}

// Key limits.
const (
	MaxKeyAllowFrom = 20
	MaxKeyLifetime  = 2 * 365 * 24 * time.Hour
)

// CheckAPIKey checks a key to create: a name, roles among KeyRoles, an
// expiry (if any) in the future and at most two years ahead, and an
// allow-list of addresses or CIDR prefixes (at most MaxKeyAllowFrom).
func CheckAPIKey(name string, roles, allowFrom []string, expiresAt *time.Time, now time.Time) error {
	var fs []FieldError
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		fs = append(fs, Field("name", "err.key.name"))
	}
	if len(roles) == 0 {
		fs = append(fs, Field("roles", "err.key.roles", "allowed", strings.Join(KeyRoles, ", ")))
	}
	for _, r := range roles {
		if !slices.Contains(KeyRoles, r) {
			fs = append(fs, Field("roles", "err.key.roles", "allowed", strings.Join(KeyRoles, ", ")))
			break
		}
	}
	if expiresAt != nil && (!expiresAt.After(now) || expiresAt.Sub(now) > MaxKeyLifetime) {
		fs = append(fs, Field("expires_at", "err.key.expires"))
	}
	if len(allowFrom) > MaxKeyAllowFrom {
		fs = append(fs, Field("allow_from", "err.key.allow_many", "max", MaxKeyAllowFrom))
	}
	for _, a := range allowFrom {
		if _, err := ParseAllowFrom(a); err != nil {
			fs = append(fs, Field("allow_from", "err.key.allow_bad", "value", a))
			break
		}
	}
	if len(fs) > 0 {
		return E(EINVALID, "err.form.check_fields").WithFields(fs...)
	}
	return nil
}

// ParseAllowFrom reads one allow-list entry: an address (one host) or a
// CIDR prefix.
func ParseAllowFrom(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// KeyAllows reports whether a call from addr may use a key with this
// allow-list; an empty list allows any address.
func KeyAllows(allowFrom []string, addr string) bool {
	if len(allowFrom) == 0 {
		return true
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, s := range allowFrom {
		if p, err := ParseAllowFrom(s); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}
