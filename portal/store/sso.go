package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// SSOStateTTL is how long a sign-in may stay at the provider.
const SSOStateTTL = 10 * time.Minute

type ssoRow struct {
	OrganisationID string
	Enabled        bool
	Issuer         string
	ClientID       string
	ClientSecret   string // sealed by the portal
	EmailDomain    string
	RolesClaim     string
	RoleMap        string
	DefaultRoles   string
	JIT            bool `gorm:"column:jit"`
	UpdatedAt      time.Time
}

func (r ssoRow) config() collect.SSOConfig {
	c := collect.SSOConfig{Enabled: r.Enabled, Issuer: r.Issuer, ClientID: r.ClientID, ClientSecret: r.ClientSecret,
		EmailDomain: r.EmailDomain, RolesClaim: r.RolesClaim, JIT: r.JIT}
	json.Unmarshal([]byte(r.RoleMap), &c.RoleMap)
	json.Unmarshal([]byte(r.DefaultRoles), &c.DefaultRoles)
	return c
}

// SetSSO sets an organisation's single sign-on (the platform administrator
// for any organisation, an organisation administrator for its own; others
// do not find it). The secret is stored as given (sealed by the caller);
// an empty one keeps the stored secret. Audited, without the secret.
func (s *Store) SetSSO(ctx context.Context, a collect.Actor, orgID string, c collect.SSOConfig) error {
	if a.OrgKind != collect.KindPlatform && a.OrgID != orgID {
		return notFoundError("organisation")
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var kind []string
		if err := tx.Table("organisations").Where("id = ? AND kind <> ?", orgID, collect.KindPlatform).Pluck("kind", &kind).Error; err != nil {
			return err
		}
		if len(kind) == 0 {
			return notFoundError("organisation")
		}
		if err := collect.CheckSSOConfig(c, kind[0]); err != nil {
			return err
		}
		rm, _ := json.Marshal(c.RoleMap)
		dr, _ := json.Marshal(c.DefaultRoles)
		domain := strings.ToLower(strings.TrimSpace(c.EmailDomain))
		var taken int64
		if err := tx.Table("org_sso").Where("email_domain = ? AND organisation_id <> ?", domain, orgID).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return collect.E(collect.ECONFLICT, "err.sso.domain_taken").WithFields(collect.Field("email_domain", "err.sso.domain_taken"))
		}
		secret := c.ClientSecret
		if secret == "" {
			var old []string
			tx.Table("org_sso").Where("organisation_id = ?", orgID).Pluck("client_secret", &old)
			if len(old) == 1 {
				secret = old[0]
			}
		}
		if err := tx.Exec("DELETE FROM org_sso WHERE organisation_id = ?", orgID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO org_sso (organisation_id, enabled, issuer, client_id, client_secret, email_domain, roles_claim, role_map, default_roles, jit, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, c.Enabled, strings.TrimSpace(c.Issuer), strings.TrimSpace(c.ClientID), secret, domain,
			strings.TrimSpace(c.RolesClaim), string(rm), string(dr), c.JIT, s.now()).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "organisation.sso", ObjectType: "organisation", ObjectID: orgID,
			After: map[string]any{"enabled": c.Enabled, "issuer": c.Issuer, "email_domain": domain, "jit": c.JIT, "roles_claim": c.RolesClaim}})
	})
}

// SSOForEmail is the single sign-on of the organisation whose staff have
// email's domain, when it is on.
func (s *Store) SSOForEmail(ctx context.Context, email string) (orgID string, c collect.SSOConfig, err error) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", c, notFoundError("organisation")
	}
	return s.sso(ctx, "email_domain = ?", strings.ToLower(email[at+1:]))
}

// SSOOf is an organisation's single sign-on, when it is on.
func (s *Store) SSOOf(ctx context.Context, orgID string) (collect.SSOConfig, error) {
	_, c, err := s.sso(ctx, "organisation_id = ?", orgID)
	return c, err
}

func (s *Store) sso(ctx context.Context, where string, arg any) (string, collect.SSOConfig, error) {
	var r ssoRow
	err := s.db.WithContext(ctx).Table("org_sso").Where(where+" AND enabled = ?", arg, true).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", collect.SSOConfig{}, collect.E(collect.ENOTFOUND, "err.sso.not_set_up")
	}
	return r.OrganisationID, r.config(), err
}

// SSOState is a sign-in under way at a provider.
type SSOState struct {
	OrganisationID, Nonce, Verifier, Next string
}

// BeginSSO keeps a sign-in under way under the digest of its state.
func (s *Store) BeginSSO(ctx context.Context, stateHash string, st SSOState) error {
	now := s.now()
	s.db.WithContext(ctx).Exec("DELETE FROM sso_states WHERE expires_at < ?", now.Add(-time.Hour))
	return s.db.WithContext(ctx).Exec(`INSERT INTO sso_states (state_hash, organisation_id, nonce, verifier, next, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		stateHash, st.OrganisationID, st.Nonce, st.Verifier, st.Next, now.Add(SSOStateTTL)).Error
}

// TakeSSO spends the sign-in of a state: once, within SSOStateTTL. A state
// unknown, spent or expired is refused alike.
func (s *Store) TakeSSO(ctx context.Context, stateHash string) (SSOState, error) {
	refused := collect.E(collect.EUNAUTHORIZED, "err.sso.state")
	var st SSOState
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE sso_states SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?", s.now(), stateHash, s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return refused
		}
		return tx.Table("sso_states").Select("organisation_id, nonce, verifier, next").Where("state_hash = ?", stateHash).Take(&st).Error
	})
	return st, err
}

// SSOUser is the user a provider signed in: the organisation's user of that
// email, or, with JIT on, a new one with roles; roles from the claim, when
// the organisation maps one, replace the user's. A user of another
// organisation, a deactivated one, or none without JIT is refused.
func (s *Store) SSOUser(ctx context.Context, orgID, email, name string, roles []string, fromClaim, jit bool) (string, error) {
	refused := collect.E(collect.EUNAUTHORIZED, "err.sso.no_user")
	var userID string
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var u []struct {
			ID, OrganisationID string
			Disabled           bool
		}
		if err := tx.Table("users").Select("id, organisation_id, disabled").Where("LOWER(email) = ?", strings.ToLower(email)).Find(&u).Error; err != nil {
			return err
		}
		sys := collect.Actor{UserID: "sso", OrgID: orgID}
		switch {
		case len(u) == 1 && (u[0].OrganisationID != orgID || u[0].Disabled):
			return refused
		case len(u) == 1:
			userID = u[0].ID
			if !fromClaim || len(roles) == 0 {
				return nil
			}
			if err := tx.Exec("DELETE FROM memberships WHERE user_id = ?", userID).Error; err != nil {
				return err
			}
		case !jit || len(roles) == 0:
			return refused
		default:
			userID = uuid.Must(uuid.NewV7()).String()
			if strings.TrimSpace(name) == "" {
				name = email
			}
			if err := tx.Exec(`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, '!', ?)`,
				userID, orgID, strings.ToLower(email), name, s.now()).Error; err != nil {
				return err
			}
		}
		for _, r := range roles {
			if err := tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", userID, r).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, sys, auditRecord{Action: "people.sso_roles", ObjectType: "user", ObjectID: userID, After: map[string]any{"roles": roles}})
	})
	return userID, err
}

// SSOSettings are an organisation's single sign-on settings as stored,
// enabled or not, without the secret (HasSecret says whether one is kept).
func (s *Store) SSOSettings(ctx context.Context, a collect.Actor, orgID string) (c collect.SSOConfig, hasSecret bool, err error) {
	if a.OrgKind != collect.KindPlatform && a.OrgID != orgID {
		return c, false, notFoundError("organisation")
	}
	var r ssoRow
	err = s.db.WithContext(ctx).Table("org_sso").Where("organisation_id = ?", orgID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return collect.SSOConfig{}, false, nil
	}
	c = r.config()
	hasSecret, c.ClientSecret = c.ClientSecret != "", ""
	return c, hasSecret, err
}
