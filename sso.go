package collect

import (
	"net/url"
	"slices"
	"strings"
)

// SSOConfig is how an organisation signs its staff in through its own
// OpenID Connect provider: the issuer, the client registered there, the
// email domain its staff's addresses must have, and how their roles are
// found (a claim's values mapped to roles, else the default roles), with
// users made on their first sign-in when JIT is on.
type SSOConfig struct {
	Enabled      bool              `json:"enabled"`
	Issuer       string            `json:"issuer"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret,omitempty"`
	EmailDomain  string            `json:"email_domain"`
	RolesClaim   string            `json:"roles_claim"`
	RoleMap      map[string]string `json:"role_map"`
	DefaultRoles []string          `json:"default_roles"`
	JIT          bool              `json:"jit"`
}

// CheckSSOConfig checks an organisation's single sign-on settings: an
// https issuer (http only for a loopback address, as in tests), a client,
// a plain email domain, and roles that exist and fit the organisation.
func CheckSSOConfig(c SSOConfig, orgKind string) error {
	var fs []FieldError
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1")) {
		fs = append(fs, Field("issuer", "err.sso.issuer"))
	}
	if strings.TrimSpace(c.ClientID) == "" || len(c.ClientID) > 200 {
		fs = append(fs, Field("client_id", "err.form.required"))
	}
	if len(c.ClientSecret) > 500 {
		fs = append(fs, Field("client_secret", "err.form.max_chars", "max", 500))
	}
	d := strings.ToLower(strings.TrimSpace(c.EmailDomain))
	if d == "" || strings.ContainsAny(d, "@/ :") || !strings.Contains(d, ".") || len(d) > 253 {
		fs = append(fs, Field("email_domain", "err.sso.domain"))
	}
	roles := slices.Clone(c.DefaultRoles)
	for _, r := range c.RoleMap {
		roles = append(roles, r)
	}
	for _, r := range roles {
		if !RoleFits(r, orgKind) || !PersonRole(r) {
			fs = append(fs, Field("role_map", "err.sso.role", "role", r))
			break
		}
	}
	if len(fs) > 0 {
		return E(EINVALID, "err.form.check_fields").WithFields(fs...)
	}
	return nil
}

// SSOEmailAllowed reports whether a signed-in address belongs to the
// organisation's email domain (the domain itself, not a look-alike).
func SSOEmailAllowed(email, domain string) bool {
	at := strings.LastIndexByte(email, '@')
	return at > 0 && strings.EqualFold(email[at+1:], strings.TrimSpace(domain))
}

// SSORoles are the roles a provider's claim values give, through the
// organisation's map (in map order of the values, no duplicates); the
// default roles when none maps.
func SSORoles(values []string, roleMap map[string]string, defaults []string) []string {
	var out []string
	for _, v := range values {
		if r, ok := roleMap[v]; ok && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = slices.Clone(defaults)
	}
	slices.Sort(out)
	return out
}
