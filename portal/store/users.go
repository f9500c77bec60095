package store

import (
	"collect"
	"context"
	"strings"

	"gorm.io/gorm"
)

// UserByEmail returns the user with that email (case-insensitive), with roles.
func (s *Store) UserByEmail(ctx context.Context, email string) (collect.User, error) {
	var u collect.User
	err := s.db.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	if err != nil {
		return u, notFound(err, "user")
	}
	u.Roles, err = s.roles(ctx, u.ID)
	return u, err
}

// Actor loads who a user is for a request: user, organisation and roles, and
// the user's current token version (a token with another version is revoked).
func (s *Store) Actor(ctx context.Context, userID string) (collect.Actor, int, error) {
	var row struct {
		ID, Email, Name, OrganisationID, Kind, OrgName, OrgStatus, TimeZone, TOTPPolicy string
		TokenVersion                                                                    int
		Disabled, TOTPEnrolled                                                          bool
	}
	err := s.db.WithContext(ctx).Table("users u").
		Select("u.id, u.email, u.name, u.organisation_id, o.kind, o.name AS org_name, o.status AS org_status, o.time_zone, u.token_version, u.disabled, "+
			"o.totp_required AS totp_policy, t.confirmed_at IS NOT NULL AS totp_enrolled").
		Joins("JOIN organisations o ON o.id = u.organisation_id").
		Joins("LEFT JOIN user_totp t ON t.user_id = u.id").
		Where("u.id = ?", userID).Take(&row).Error
	if err != nil {
		return collect.Actor{}, 0, notFound(err, "user")
	}
	if row.Disabled {
		return collect.Actor{}, 0, collect.E(collect.EUNAUTHORIZED, "err.auth.account_disabled")
	}
	if row.OrgStatus == collect.OrgSuspended {
		return collect.Actor{}, 0, collect.E(collect.EUNAUTHORIZED, "err.auth.organisation_suspended")
	}
	roles, err := s.roles(ctx, userID)
	if err != nil {
		return collect.Actor{}, 0, err
	}
	return collect.Actor{
		UserID: row.ID, Email: row.Email, Name: row.Name,
		OrgID: row.OrganisationID, OrgKind: row.Kind, OrgName: row.OrgName, Roles: roles, TimeZone: row.TimeZone,
		TOTPPolicy: row.TOTPPolicy, TOTPEnrolled: row.TOTPEnrolled,
	}, row.TokenVersion, nil
}

func (s *Store) roles(ctx context.Context, userID string) ([]string, error) {
	var roles []string
	err := s.db.WithContext(ctx).Table("memberships").Where("user_id = ?", userID).Order("role").Pluck("role", &roles).Error
	return roles, err
}

// RecordLogin audits a successful login.
func (s *Store) RecordLogin(ctx context.Context, a collect.Actor, via string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		return s.appendAudit(tx, a, auditRecord{Action: "auth.login", ObjectType: "user", ObjectID: a.UserID, After: map[string]string{"via": via}})
	})
}

// RevokeTokens bumps the user's token version, so every token issued before
// stops working (logout ends every session of the user).
func (s *Store) RevokeTokens(ctx context.Context, a collect.Actor) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Table("users").Where("id = ?", a.UserID).Update("token_version", gorm.Expr("token_version + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return collect.E(collect.ENOTFOUND, "err.not_found.user")
		}
		return s.appendAudit(tx, a, auditRecord{Action: "auth.revoke", ObjectType: "user", ObjectID: a.UserID})
	})
}

// Organisation returns one organisation by id; any authenticated actor may
// read its own.
func (s *Store) Organisation(ctx context.Context, id string) (collect.Organisation, error) {
	var o collect.Organisation
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&o).Error
	return o, notFound(err, "organisation")
}

// ListAgencies returns the agencies the actor may see: lenders and the
// platform see all, an agency only itself.
func (s *Store) ListAgencies(ctx context.Context, a collect.Actor) ([]collect.Organisation, error) {
	var out []collect.Organisation
	err := s.db.WithContext(ctx).Table("organisations").Scopes(agencyScope(a)).Order("name").Find(&out).Error
	return out, err
}

// Agency returns one agency in the actor's scope; outside it, not found.
func (s *Store) Agency(ctx context.Context, a collect.Actor, id string) (collect.Organisation, error) {
	var o collect.Organisation
	err := s.db.WithContext(ctx).Table("organisations").Scopes(agencyScope(a)).Where("organisations.id = ?", id).Take(&o).Error
	return o, notFound(err, "agency")
}
