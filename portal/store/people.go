package store

import (
	"collect"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// People: each organisation's administrator invites its users, changes
// their roles, deactivates and reactivates them and issues password reset
// links; the platform administrator does the same for any organisation
// (and invites an organisation's first administrator). Who may see a user:
// the platform all, an organisation administrator its own organisation's;
// outside that a user is not found.

// Link lifetimes: an invite is good for 72 hours, a reset link for 24.
const (
	InviteTTL = 72 * time.Hour
	ResetTTL  = 24 * time.Hour
)

// Link kinds.
const (
	LinkInvite = "invite"
	LinkReset  = "reset"
)

// Invite is an invitation to join an organisation. Token is the one-time
// secret, set only when the invite is made or resent (only its hash is
// kept).
type Invite struct {
	ID             string     `json:"id"`
	OrganisationID string     `json:"organisation_id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Roles          []string   `json:"roles"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	UsedAt         *time.Time `json:"used_at,omitempty"`
	Token          string     `json:"-"`
}

// InviteRequest is what an administrator asks for.
type InviteRequest struct {
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// ResetLink is a one-time password reset link's token and expiry.
type ResetLink struct {
	Token     string
	ExpiresAt time.Time
}

// OpenWork is what a user leaves behind when deactivated: accounts assigned
// to them in the queue, complaints they handle, arrangements they made that
// still wait for approval, and, when they were their organisation's last
// active approver, the arrangements waiting for an approver. Someone else
// must take each over.
type OpenWork struct {
	Queue            []OpenAccount     `json:"queue"`
	Complaints       []OpenComplaint   `json:"complaints"`
	Approvals        []OpenArrangement `json:"approvals"`
	AwaitingApprover []OpenArrangement `json:"awaiting_approver"`
}

// OpenAccount is one account in a user's queue.
type OpenAccount struct {
	AccountID   string `json:"account_id"`
	ExternalRef string `json:"external_ref"`
	Stage       string `json:"stage"`
}

// OpenComplaint is one complaint a user handles.
type OpenComplaint struct {
	ComplaintID string `json:"complaint_id"`
	AccountID   string `json:"account_id"`
	Status      string `json:"status"`
}

// OpenArrangement is one arrangement a user made, pending approval.
type OpenArrangement struct {
	ArrangementID string `json:"arrangement_id"`
	AccountID     string `json:"account_id"`
	Kind          string `json:"kind"`
}

type userTokenRow struct {
	ID, Kind, TokenHash, OrganisationID, UserID, Email, Name, Roles, CreatedBy string
	CreatedAt, ExpiresAt                                                       time.Time
	UsedAt, RevokedAt                                                          *time.Time
}

func (userTokenRow) TableName() string { return "user_tokens" }

func (r userTokenRow) invite() Invite {
	return Invite{ID: r.ID, OrganisationID: r.OrganisationID, Email: r.Email, Name: r.Name, Roles: splitRoles(r.Roles),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt}
}

func splitRoles(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// newLinkToken returns a fresh one-time token (256 random bits) and the
// SHA-256 that is stored.
func newLinkToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, linkHash(token)
}

func linkHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// peopleScope limits users to those the actor administers: the platform
// administrator all, an organisation administrator its own organisation's,
// anyone else none.
func peopleScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case a.Has(collect.RolePlatformAdmin):
			return db
		case a.Has(collect.RoleOrgAdmin):
			return db.Where("users.organisation_id = ?", a.OrgID)
		default:
			return db.Where("1 = 0")
		}
	}
}

// administeredOrg loads an organisation the actor may invite into: the
// platform administrator any (an organisation's first administrator, or
// another one when none is active), an organisation administrator its own.
func (s *Store) administeredOrg(tx *gorm.DB, a collect.Actor, orgID string) (collect.Organisation, error) {
	var o collect.Organisation
	if !a.Has(collect.RolePlatformAdmin) && !(a.Has(collect.RoleOrgAdmin) && orgID == a.OrgID) {
		return o, notFoundError("organisation")
	}
	if err := tx.Where("id = ?", orgID).Take(&o).Error; err != nil {
		return o, notFound(err, "organisation")
	}
	if o.Status != "active" {
		return o, collect.E(collect.ECONFLICT, "err.people.org_suspended")
	}
	if a.Has(collect.RolePlatformAdmin) && o.Kind != collect.KindPlatform {
		var admins int64
		err := tx.Table("users").Joins("JOIN memberships m ON m.user_id = users.id AND m.role = ?", collect.RoleOrgAdmin).
			Where("users.organisation_id = ? AND users.disabled = ?", o.ID, false).Count(&admins).Error
		if err != nil {
			return o, err
		}
		if admins > 0 {
			return o, collect.E(collect.EFORBIDDEN, "err.people.org_has_admin")
		}
	}
	return o, nil
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateInvite invites a person into an organisation with roles; the
// answer carries the one-time token. An email already a user (of this
// organisation or another: no one holds roles in two) is a conflict; an
// open invite for the same email in this organisation is replaced.
func (s *Store) CreateInvite(ctx context.Context, a collect.Actor, orgID string, req InviteRequest) (Invite, error) {
	email, name := normalEmail(req.Email), strings.TrimSpace(req.Name)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		return Invite{}, collect.Invalid("email", "err.people.email_invalid")
	}
	if name == "" || len(name) > 200 {
		return Invite{}, collect.Invalid("name", "err.people.name_required")
	}
	var out Invite
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		o, err := s.administeredOrg(tx, a, orgID)
		if err != nil {
			return err
		}
		if a.Has(collect.RolePlatformAdmin) && o.Kind != collect.KindPlatform && !slices.Contains(req.Roles, collect.RoleOrgAdmin) {
			return collect.Invalid("roles", "err.people.first_admin")
		}
		if err := collect.CheckRoles(req.Roles, o.Kind); err != nil {
			return err
		}
		if err := emailFree(tx, email, o.ID, s.now()); err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&userTokenRow{}).Where("kind = ? AND organisation_id = ? AND email = ? AND used_at IS NULL AND revoked_at IS NULL", LinkInvite, o.ID, email).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		token, hash := newLinkToken()
		row := userTokenRow{ID: uuid.Must(uuid.NewV7()).String(), Kind: LinkInvite, TokenHash: hash, OrganisationID: o.ID, Email: email, Name: name,
			Roles: strings.Join(req.Roles, ","), CreatedBy: a.UserID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = row.invite()
		out.Token = token
		return s.appendAudit(tx, a, auditRecord{Action: "people.invite", ObjectType: "invite", ObjectID: row.ID, LenderID: lenderOf(o),
			After: map[string]any{"organisation_id": o.ID, "email": email, "name": name, "roles": req.Roles, "expires_at": row.ExpiresAt}})
	})
	return out, err
}

// emailFree refuses an email that is already a user, here or elsewhere, or
// has an open invite from another organisation.
func emailFree(tx *gorm.DB, email, orgID string, now time.Time) error {
	var n int64
	if err := tx.Table("users").Where("email = ?", email).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return collect.E(collect.ECONFLICT, "err.people.email_taken").WithFields(collect.Field("email", "err.people.email_taken"))
	}
	err := tx.Model(&userTokenRow{}).Where("kind = ? AND email = ? AND organisation_id <> ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
		LinkInvite, email, orgID, now).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return collect.E(collect.ECONFLICT, "err.people.email_taken").WithFields(collect.Field("email", "err.people.email_taken"))
	}
	return nil
}

// ResendInvite replaces an open invite by a new one (a new token, a new
// 72 hours); the old link stops working. An invite already accepted is a
// conflict; one outside the actor's organisations is not found.
func (s *Store) ResendInvite(ctx context.Context, a collect.Actor, id string) (Invite, error) {
	var out Invite
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var old userTokenRow
		if err := tx.Clauses(lockingUpdate(tx)...).Where("id = ? AND kind = ?", id, LinkInvite).Take(&old).Error; err != nil {
			return notFound(err, "invite")
		}
		if !a.Has(collect.RolePlatformAdmin) && old.OrganisationID != a.OrgID {
			return notFoundError("invite")
		}
		if old.UsedAt != nil {
			return collect.E(collect.ECONFLICT, "err.people.invite_accepted")
		}
		now := s.now()
		if err := tx.Model(&userTokenRow{}).Where("id = ?", old.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		token, hash := newLinkToken()
		row := old
		row.ID, row.TokenHash, row.CreatedBy, row.CreatedAt, row.ExpiresAt, row.RevokedAt = uuid.Must(uuid.NewV7()).String(), hash, a.UserID, now, now.Add(InviteTTL), nil
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = row.invite()
		out.Token = token
		return s.appendAudit(tx, a, auditRecord{Action: "people.invite_resend", ObjectType: "invite", ObjectID: row.ID,
			Before: map[string]any{"invite_id": old.ID}, After: map[string]any{"email": row.Email, "expires_at": row.ExpiresAt}})
	})
	return out, err
}

// lockingUpdate is SELECT … FOR UPDATE on PostgreSQL; SQLite serialises
// writers anyway.
func lockingUpdate(tx *gorm.DB) []clause.Expression {
	if tx.Dialector.Name() == "postgres" {
		return []clause.Expression{clause.Locking{Strength: "UPDATE"}}
	}
	return nil
}

// InvitableOrganisations lists the active organisations the actor may
// invite into: all of them for the platform administrator, the actor's own
// for an organisation administrator.
func (s *Store) InvitableOrganisations(ctx context.Context, a collect.Actor) ([]collect.Organisation, error) {
	q := s.db.WithContext(ctx).Model(&collect.Organisation{}).Where("status = ?", "active")
	switch {
	case a.Has(collect.RolePlatformAdmin):
	case a.Has(collect.RoleOrgAdmin):
		q = q.Where("id = ?", a.OrgID)
	default:
		return []collect.Organisation{}, nil
	}
	var out []collect.Organisation
	err := q.Order("kind, name").Find(&out).Error
	return out, err
}

// ListInvites lists the open (not accepted, not replaced) invites of the
// organisations the actor administers, newest first.
func (s *Store) ListInvites(ctx context.Context, a collect.Actor) ([]Invite, error) {
	q := s.db.WithContext(ctx).Model(&userTokenRow{}).Where("kind = ? AND used_at IS NULL AND revoked_at IS NULL", LinkInvite)
	switch {
	case a.Has(collect.RolePlatformAdmin):
	case a.Has(collect.RoleOrgAdmin):
		q = q.Where("organisation_id = ?", a.OrgID)
	default:
		return []Invite{}, nil
	}
	var rows []userTokenRow
	if err := q.Order("created_at DESC").Limit(500).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Invite, len(rows))
	for i, r := range rows {
		out[i] = r.invite()
	}
	return out, nil
}

// redeem marks a one-time link of kind used, once: an unknown token is not
// found; one used, replaced or expired is gone.
func (s *Store) redeem(tx *gorm.DB, kind, token string) (userTokenRow, error) {
	var row userTokenRow
	if err := tx.Where("token_hash = ? AND kind = ?", linkHash(token), kind).Take(&row).Error; err != nil {
		return row, notFound(err, "link")
	}
	now := s.now()
	if row.UsedAt != nil || row.RevokedAt != nil {
		return row, collect.E(collect.EGONE, "err.people.link_used")
	}
	if !now.Before(row.ExpiresAt) {
		return row, collect.E(collect.EGONE, "err.people.link_expired")
	}
	// The condition, not the read above, makes the link single-use when two
	// requests race.
	res := tx.Model(&userTokenRow{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", row.ID).Update("used_at", now)
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected == 0 {
		return row, collect.E(collect.EGONE, "err.people.link_used")
	}
	return row, nil
}

func hashPassword(pw string) (string, error) {
	if err := collect.CheckPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// LinkStatus says whether a link token of kind is still good (for the page
// that asks for a password), without using it.
func (s *Store) LinkStatus(ctx context.Context, kind, token string) (email string, err error) {
	var row userTokenRow
	if err := s.db.WithContext(ctx).Where("token_hash = ? AND kind = ?", linkHash(token), kind).Take(&row).Error; err != nil {
		return "", notFound(err, "link")
	}
	if row.UsedAt != nil || row.RevokedAt != nil {
		return "", collect.E(collect.EGONE, "err.people.link_used")
	}
	if !s.now().Before(row.ExpiresAt) {
		return "", collect.E(collect.EGONE, "err.people.link_expired")
	}
	return row.Email, nil
}

// AcceptInvite uses an invite: the user is made with the invite's roles
// and the password. A weak password is refused before the link is used, so
// the person may try again.
func (s *Store) AcceptInvite(ctx context.Context, token, password string) (collect.User, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return collect.User{}, err
	}
	var u collect.User
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		row, err := s.redeem(tx, LinkInvite, token)
		if err != nil {
			return err
		}
		var o collect.Organisation
		if err := tx.Where("id = ?", row.OrganisationID).Take(&o).Error; err != nil {
			return notFound(err, "organisation")
		}
		if o.Status != "active" {
			return collect.E(collect.ECONFLICT, "err.people.org_suspended")
		}
		var n int64
		if err := tx.Table("users").Where("email = ?", row.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return collect.E(collect.ECONFLICT, "err.people.email_taken")
		}
		u = collect.User{ID: uuid.Must(uuid.NewV7()).String(), OrganisationID: o.ID, Email: row.Email, Name: row.Name,
			PasswordHash: hash, TokenVersion: 1, CreatedAt: s.now(), Roles: splitRoles(row.Roles)}
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		for _, r := range u.Roles {
			if err := tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", u.ID, r).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&userTokenRow{}).Where("id = ?", row.ID).Update("user_id", u.ID).Error; err != nil {
			return err
		}
		self := collect.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: o.ID, OrgKind: o.Kind, OrgName: o.Name, Roles: u.Roles}
		return s.appendAudit(tx, self, auditRecord{Action: "people.invite_accept", ObjectType: "user", ObjectID: u.ID, LenderID: lenderOf(o),
			After: map[string]any{"invite_id": row.ID, "email": u.Email, "roles": u.Roles}})
	})
	return u, err
}

// ListUsers lists the users the actor administers, by organisation and
// email, with their roles.
func (s *Store) ListUsers(ctx context.Context, a collect.Actor, p Page) ([]collect.User, int64, error) {
	p = p.Normal()
	q := s.db.WithContext(ctx).Model(&collect.User{}).Scopes(peopleScope(a))
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []collect.User
	if err := q.Order("organisation_id, email").Offset(p.offset()).Limit(p.PerPage).Find(&out).Error; err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	var ms []struct{ UserID, Role string }
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Table("memberships").Where("user_id IN ?", ids).Order("role").Find(&ms).Error; err != nil {
			return nil, 0, err
		}
	}
	byUser := map[string][]string{}
	for _, m := range ms {
		byUser[m.UserID] = append(byUser[m.UserID], m.Role)
	}
	for i := range out {
		out[i].Roles = byUser[out[i].ID]
		if out[i].Roles == nil {
			out[i].Roles = []string{}
		}
	}
	return out, total, nil
}

// User returns one user the actor administers; outside, not found.
func (s *Store) User(ctx context.Context, a collect.Actor, id string) (collect.User, error) {
	return s.userIn(s.db.WithContext(ctx), a, id)
}

func (s *Store) userIn(tx *gorm.DB, a collect.Actor, id string) (collect.User, error) {
	var u collect.User
	if err := tx.Model(&collect.User{}).Scopes(peopleScope(a)).Where("users.id = ?", id).Take(&u).Error; err != nil {
		return u, notFound(err, "user")
	}
	var roles []string
	err := tx.Table("memberships").Where("user_id = ?", id).Order("role").Pluck("role", &roles).Error
	u.Roles = roles
	return u, err
}

func (s *Store) orgKind(tx *gorm.DB, orgID string) (string, error) {
	var kind string
	err := tx.Table("organisations").Where("id = ?", orgID).Pluck("kind", &kind).Error
	return kind, err
}

// SetRoles replaces a user's roles. Administrators do not change their own
// roles (another administrator does), so no one locks themselves out or
// grants themselves more.
func (s *Store) SetRoles(ctx context.Context, a collect.Actor, id string, roles []string) (collect.User, error) {
	var u collect.User
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = s.userIn(tx, a, id); err != nil {
			return err
		}
		if u.ID == a.UserID {
			return collect.E(collect.EFORBIDDEN, "err.people.own_roles")
		}
		kind, err := s.orgKind(tx, u.OrganisationID)
		if err != nil {
			return err
		}
		if err := collect.CheckRoles(roles, kind); err != nil {
			return err
		}
		before := u.Roles
		if err := tx.Exec("DELETE FROM memberships WHERE user_id = ?", u.ID).Error; err != nil {
			return err
		}
		for _, r := range roles {
			if err := tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", u.ID, r).Error; err != nil {
				return err
			}
		}
		u.Roles = slices.Sorted(slices.Values(roles))
		return s.appendAudit(tx, a, auditRecord{Action: "people.roles", ObjectType: "user", ObjectID: u.ID,
			Before: map[string]any{"roles": before}, After: map[string]any{"roles": u.Roles}})
	})
	return u, err
}

// Deactivate switches a user off: every token and session stops working at
// once (the token version moves on; each request reloads it), open reset
// links are revoked, and the answer lists the work someone else must take
// over. Administrators do not deactivate themselves.
func (s *Store) Deactivate(ctx context.Context, a collect.Actor, id string) (collect.User, OpenWork, error) {
	var u collect.User
	var work OpenWork
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = s.userIn(tx, a, id); err != nil {
			return err
		}
		if u.ID == a.UserID {
			return collect.E(collect.EFORBIDDEN, "err.people.self_deactivate")
		}
		if u.Disabled {
			return collect.E(collect.ECONFLICT, "err.people.already_inactive")
		}
		now := s.now()
		if err := tx.Table("users").Where("id = ?", u.ID).Updates(map[string]any{"disabled": true, "token_version": gorm.Expr("token_version + 1")}).Error; err != nil {
			return err
		}
		if err := tx.Model(&userTokenRow{}).Where("user_id = ? AND kind = ? AND used_at IS NULL AND revoked_at IS NULL", u.ID, LinkReset).Update("revoked_at", now).Error; err != nil {
			return err
		}
		u.Disabled = true
		if work, err = openWork(tx, u); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "people.deactivate", ObjectType: "user", ObjectID: u.ID,
			After: map[string]any{"queue": len(work.Queue), "complaints": len(work.Complaints), "approvals": len(work.Approvals)}})
	})
	return u, work, err
}

// OpenWorkOf lists what a user the actor administers holds open.
func (s *Store) OpenWorkOf(ctx context.Context, a collect.Actor, id string) (OpenWork, error) {
	tx := s.db.WithContext(ctx)
	u, err := s.userIn(tx, a, id)
	if err != nil {
		return OpenWork{}, err
	}
	return openWork(tx, u)
}

func openWork(tx *gorm.DB, u collect.User) (OpenWork, error) {
	userID := u.ID
	w := OpenWork{Queue: []OpenAccount{}, Complaints: []OpenComplaint{}, Approvals: []OpenArrangement{}, AwaitingApprover: []OpenArrangement{}}
	if err := tx.Table("accounts").Select("id AS account_id, external_ref, stage").
		Where("assigned_to = ? AND status = 'open'", userID).Order("external_ref").Find(&w.Queue).Error; err != nil {
		return w, err
	}
	if err := tx.Table("complaints").Select("id AS complaint_id, account_id, status").
		Where("assigned_to = ? AND status <> 'resolved'", userID).Order("received_at").Find(&w.Complaints).Error; err != nil {
		return w, err
	}
	if err := tx.Table("arrangements").Select("id AS arrangement_id, account_id, kind").
		Where("maker_id = ? AND status = 'pending_approval'", userID).Order("created_at").Find(&w.Approvals).Error; err != nil {
		return w, err
	}
	for _, d := range collect.SeparatedDuties {
		if d.Object != "arrangement" {
			continue
		}
		held := false
		for _, r := range u.Roles {
			held = held || slices.Contains(d.Approvers, r)
		}
		if !held {
			continue
		}
		var others int64
		err := tx.Table("users").Joins("JOIN memberships m ON m.user_id = users.id").
			Where("users.organisation_id = ? AND users.id <> ? AND users.disabled = ? AND m.role IN ?", u.OrganisationID, u.ID, false, d.Approvers).
			Count(&others).Error
		if err != nil || others > 0 {
			return w, err
		}
		if err := tx.Table("arrangements").Select("id AS arrangement_id, account_id, kind").
			Where("lender_id = ? AND status = 'pending_approval'", u.OrganisationID).Order("created_at").Limit(500).Find(&w.AwaitingApprover).Error; err != nil {
			return w, err
		}
	}
	return w, nil
}

// Reactivate switches a user back on. Tokens issued before the
// deactivation stay revoked: the user signs in again.
func (s *Store) Reactivate(ctx context.Context, a collect.Actor, id string) (collect.User, error) {
	var u collect.User
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = s.userIn(tx, a, id); err != nil {
			return err
		}
		if !u.Disabled {
			return collect.E(collect.ECONFLICT, "err.people.already_active")
		}
		if err := tx.Table("users").Where("id = ?", u.ID).Update("disabled", false).Error; err != nil {
			return err
		}
		u.Disabled = false
		return s.appendAudit(tx, a, auditRecord{Action: "people.reactivate", ObjectType: "user", ObjectID: u.ID})
	})
	return u, err
}

// IssueReset makes a one-time password reset link for a user the actor
// administers (24 hours; earlier open reset links are revoked). A
// deactivated user gets none.
func (s *Store) IssueReset(ctx context.Context, a collect.Actor, id string) (ResetLink, error) {
	var out ResetLink
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		u, err := s.userIn(tx, a, id)
		if err != nil {
			return err
		}
		if u.Disabled {
			return collect.E(collect.ECONFLICT, "err.people.inactive")
		}
		now := s.now()
		if err := tx.Model(&userTokenRow{}).Where("user_id = ? AND kind = ? AND used_at IS NULL AND revoked_at IS NULL", u.ID, LinkReset).Update("revoked_at", now).Error; err != nil {
			return err
		}
		token, hash := newLinkToken()
		row := userTokenRow{ID: uuid.Must(uuid.NewV7()).String(), Kind: LinkReset, TokenHash: hash, OrganisationID: u.OrganisationID, UserID: u.ID,
			Email: u.Email, Name: u.Name, CreatedBy: a.UserID, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = ResetLink{Token: token, ExpiresAt: row.ExpiresAt}
		return s.appendAudit(tx, a, auditRecord{Action: "people.reset_issue", ObjectType: "user", ObjectID: u.ID, After: map[string]any{"expires_at": row.ExpiresAt}})
	})
	return out, err
}

// ResetPassword uses a reset link: the password is set and every session of
// the user ends.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (collect.User, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return collect.User{}, err
	}
	var u collect.User
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		row, err := s.redeem(tx, LinkReset, token)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ?", row.UserID).Take(&u).Error; err != nil {
			return notFound(err, "user")
		}
		if u.Disabled {
			return collect.E(collect.EGONE, "err.people.link_used")
		}
		if err := setPassword(tx, u.ID, hash); err != nil {
			return err
		}
		self := collect.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrganisationID}
		return s.appendAudit(tx, self, auditRecord{Action: "people.reset_use", ObjectType: "user", ObjectID: u.ID, After: map[string]any{"link_id": row.ID}})
	})
	return u, err
}

func setPassword(tx *gorm.DB, userID, hash string) error {
	return tx.Table("users").Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "token_version": gorm.Expr("token_version + 1")}).Error
}

// ChangePassword sets the actor's own password, the current one required;
// every other session ends (the caller issues the new one a token).
func (s *Store) ChangePassword(ctx context.Context, a collect.Actor, current, next string) error {
	var u collect.User
	if err := s.db.WithContext(ctx).Where("id = ?", a.UserID).Take(&u).Error; err != nil {
		return notFound(err, "user")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return collect.Invalid("current", "err.password.current_wrong")
	}
	if current == next {
		return collect.Invalid("new", "err.password.unchanged")
	}
	hash, err := hashPassword(next)
	if err != nil {
		if e, ok := err.(*collect.Error); ok && len(e.Fields) == 1 {
			e.Fields[0].Field = "new" // the policy speaks of "password"; this form's field is "new"
		}
		return err
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := setPassword(tx, a.UserID, hash); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "people.password_change", ObjectType: "user", ObjectID: a.UserID})
	})
}

// TokenVersion is a user's current token version (after a password change
// the caller issues a token with it).
func (s *Store) TokenVersion(ctx context.Context, userID string) (int, error) {
	var v int
	err := s.db.WithContext(ctx).Table("users").Where("id = ?", userID).Pluck("token_version", &v).Error
	return v, err
}
