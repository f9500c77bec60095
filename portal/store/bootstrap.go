package store

import (
	"collect"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// SetPasswordTTL is how long a one-time set-password link stays usable.
const SetPasswordTTL = 72 * time.Hour

// PurposeSetPassword is a token that sets a user's first (or a reset) password.
const PurposeSetPassword = "set_password"

// noPassword is the hash of a user who has not set a password yet: no
// password compares equal to it.
const noPassword = "!"

// AdminInput is `portal admin create`'s: who the administrator is and,
// when read from standard input, the password.
type AdminInput struct {
	Email, Name, Password string
	Force                 bool // create another even if one exists
}

// PlatformAdminExists reports whether any platform administrator exists.
func (s *Store) PlatformAdminExists(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("memberships").Where("role = ?", collect.RolePlatformAdmin).Count(&n).Error
	return n > 0, err
}

// CreatePlatformAdmin makes a platform administrator in the platform
// organisation (made first on an empty database). It refuses when one
// exists unless in.Force, and an email that is taken. With a password (the
// policy's) the administrator can sign in at once; without, only after
// setting one through IssuePasswordToken's link.
func (s *Store) CreatePlatformAdmin(ctx context.Context, in AdminInput) (collect.User, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	name := strings.TrimSpace(in.Name)
	var fields []collect.FieldError
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
		fields = append(fields, collect.Field("email", "err.auth.email_invalid", "max", 254))
	}
	if name == "" || len(name) > 200 || collect.TextFlaw(name) != "" {
		fields = append(fields, collect.Field("name", "err.form.required"))
	}
	if len(fields) > 0 {
		return collect.User{}, collect.E(collect.EINVALID, "err.form.check_fields").WithFields(fields...)
	}
	hash := noPassword
	if in.Password != "" {
		if err := collect.CheckPassword(in.Password, email); err != nil {
			return collect.User{}, err
		}
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
		if err != nil {
			return collect.User{}, err
		}
		hash = string(h)
	}
	now := s.now()
	u := collect.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: name, PasswordHash: hash, TokenVersion: 1, CreatedAt: now,
		Roles: []string{collect.RolePlatformAdmin}}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var admins int64
		if err := tx.Table("memberships").Where("role = ?", collect.RolePlatformAdmin).Count(&admins).Error; err != nil {
			return err
		}
		if admins > 0 && !in.Force {
			return collect.E(collect.ECONFLICT, "err.admin.exists")
		}
		var taken int64
		if err := tx.Table("users").Where("email = ?", email).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return collect.E(collect.ECONFLICT, "err.user.email_taken", "email", email).WithFields(collect.Field("email", "err.user.email_taken", "email", email))
		}
		var platform collect.Organisation
		err := tx.Table("organisations").Where("kind = ?", collect.KindPlatform).Order("created_at").Take(&platform).Error
		if err == gorm.ErrRecordNotFound {
			platform = collect.Organisation{ID: uuid.Must(uuid.NewV7()).String(), Kind: collect.KindPlatform, Name: "Collect Platform",
				NameZH: "催收外包平台", NameEN: "Collect Platform", Licences: []string{}, Provinces: []string{},
				TimeZone: collect.DefaultTimeZone, Status: collect.OrgActive, CreatedAt: now, UpdatedAt: &now}
			if err := tx.Create(&platform).Error; err != nil {
				return err
			}
			if err := s.appendAudit(tx, collect.Actor{OrgID: platform.ID}, auditRecord{Action: "organisation.create", ObjectType: "organisation",
				ObjectID: platform.ID, After: auditFacts(platform)}); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		u.OrganisationID = platform.ID
		if err := tx.Omit("Roles").Create(&u).Error; err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", u.ID, collect.RolePlatformAdmin).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, collect.Actor{OrgID: platform.ID}, auditRecord{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			After: map[string]any{"email": email, "name": name, "roles": u.Roles, "via": "command line", "password_set": in.Password != ""}})
	})
	return u, err
}

// hashToken is how a one-time token is stored: its SHA-256, never itself.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssuePasswordToken makes a one-time token that sets userID's password
// within ttl; only its hash is kept. The caller shows it once, in a link.
func (s *Store) IssuePasswordToken(ctx context.Context, a collect.Actor, userID string, ttl time.Duration) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	exp := now.Add(ttl)
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("users").Where("id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return notFoundError("user")
		}
		id := uuid.Must(uuid.NewV7()).String()
		if err := tx.Exec("INSERT INTO password_tokens (id, user_id, token_hash, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			id, userID, hashToken(token), PurposeSetPassword, exp, now).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "user.password_link", ObjectType: "user", ObjectID: userID,
			After: map[string]any{"token_id": id, "expires_at": exp.Format(time.RFC3339)}})
	})
	return token, exp, err
}

// ErrTokenGone is the key of a token used already or expired (HTTP 410).
const ErrTokenGone = "err.invite.gone"

// AcceptPasswordToken sets the password of the token's user and spends the
// token: an unknown token is not found, a used or expired one gone. A
// password the policy refuses leaves the token usable. The user's earlier
// sessions end.
func (s *Store) AcceptPasswordToken(ctx context.Context, token, password string) (collect.User, error) {
	var row struct {
		ID, UserID string
		ExpiresAt  time.Time
		UsedAt     *time.Time
	}
	err := s.db.WithContext(ctx).Table("password_tokens").Select("id, user_id, expires_at, used_at").
		Where("token_hash = ? AND purpose = ?", hashToken(token), PurposeSetPassword).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return collect.User{}, collect.E(collect.ENOTFOUND, "err.invite.not_found")
	} else if err != nil {
		return collect.User{}, err
	}
	now := s.now()
	if row.UsedAt != nil || !now.Before(row.ExpiresAt) {
		return collect.User{}, collect.E(collect.ENOTFOUND, ErrTokenGone)
	}
	var u collect.User
	if err := s.db.WithContext(ctx).Where("id = ?", row.UserID).Take(&u).Error; err != nil {
		return u, notFound(err, "user")
	}
	if u.Disabled {
		return collect.User{}, collect.E(collect.ENOTFOUND, ErrTokenGone)
	}
	if err := collect.CheckPassword(password, u.Email); err != nil {
		return collect.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return collect.User{}, err
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE password_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL", now, row.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ENOTFOUND, ErrTokenGone) // spent by a racing request
		}
		if err := tx.Table("users").Where("id = ?", u.ID).Updates(map[string]any{"password_hash": string(hash),
			"token_version": gorm.Expr("token_version + 1")}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, collect.Actor{UserID: u.ID, OrgID: u.OrganisationID}, auditRecord{Action: "user.password_set",
			ObjectType: "user", ObjectID: u.ID, After: map[string]string{"token_id": row.ID}})
	})
	if err != nil {
		return collect.User{}, err
	}
	u.Roles, err = s.roles(ctx, u.ID)
	return u, err
}
