package store

import (
	"collect"
	"context"
	"time"

	"github.com/google/uuid"
)

// Sign-in outcomes.
const (
	SignInOK     = "ok"
	SignInFailed = "failed" // a wrong password or code
	SignInLocked = "locked" // refused by the throttle
)

// SignIn is one sign-in of a known user.
type SignIn struct {
	At      time.Time `json:"at"`
	UserID  string    `json:"user_id"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	Addr    string    `json:"addr"`
	Method  string    `json:"method"` // form, api, and +totp when a second factor was given
	Outcome string    `json:"outcome"`
}

// RecordSignIn keeps a sign-in attempt on the account of email, when such
// a user exists (attempts on unknown emails are not kept: they would store
// whatever strangers type).
func (s *Store) RecordSignIn(ctx context.Context, email, addr, method, outcome string) error {
	var u struct{ ID, OrganisationID string }
	if err := s.db.WithContext(ctx).Table("users").Select("id, organisation_id").Where("email = ?", email).Limit(1).Scan(&u).Error; err != nil || u.ID == "" {
		return err
	}
	return s.db.WithContext(ctx).Exec(`INSERT INTO sign_ins (id, user_id, organisation_id, at, addr, method, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), u.ID, u.OrganisationID, s.now(), addr, method, outcome).Error
}

// MySignIns are the actor's last n sign-ins, newest first.
func (s *Store) MySignIns(ctx context.Context, a collect.Actor, n int) ([]SignIn, error) {
	return s.signIns(ctx, n, "si.user_id = ?", a.UserID)
}

// FailedSignIns are the refused sign-ins (wrong credentials, lockouts) of
// the actor's organisation's users, newest first; the platform
// administrator sees every organisation's.
func (s *Store) FailedSignIns(ctx context.Context, a collect.Actor, n int) ([]SignIn, error) {
	if a.OrgKind == collect.KindPlatform {
		return s.signIns(ctx, n, "si.outcome <> 'ok'")
	}
	return s.signIns(ctx, n, "si.outcome <> 'ok' AND si.organisation_id = ?", a.OrgID)
}

func (s *Store) signIns(ctx context.Context, n int, where string, args ...any) ([]SignIn, error) {
	out := []SignIn{}
	err := s.db.WithContext(ctx).Table("sign_ins si").Select("si.at, si.user_id, u.email, u.name, si.addr, si.method, si.outcome").
		Joins("JOIN users u ON u.id = si.user_id").Where(where, args...).Order("si.at DESC, si.id DESC").Limit(n).Scan(&out).Error
	return out, err
}
