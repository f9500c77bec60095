package store

import (
	"collect"
	"context"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

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
// setting one through a one-time reset link (IssueReset).
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
		if err := collect.CheckPassword(in.Password); err != nil {
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
