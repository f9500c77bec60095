package store

import (
	"collect"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// TOTP is a user's two-factor state: the sealed secret, whether the user
// confirmed it with a first code, and the last time step a code was
// accepted at (a code is good once).
type TOTP struct {
	UserID      string
	Secret      string // sealed by the portal; the store never sees it open
	ConfirmedAt *time.Time
	LastStep    int64
}

// Enrolled reports whether sign-in needs a second factor.
func (t TOTP) Enrolled() bool { return t.ConfirmedAt != nil }

// UserTOTP returns the user's TOTP state; the zero TOTP when none.
func (s *Store) UserTOTP(ctx context.Context, userID string) (TOTP, error) {
	var t TOTP
	err := s.db.WithContext(ctx).Table("user_totp").Where("user_id = ?", userID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TOTP{}, nil
	}
	return t, err
}

// BeginTOTP starts (or restarts) the actor's enrolment with a sealed secret
// and the digests of its recovery codes. It refuses while a confirmed
// enrolment stands: a second factor is replaced only after it is removed.
func (s *Store) BeginTOTP(ctx context.Context, a collect.Actor, sealed string, codeHashes []string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var cur TOTP
		err := tx.Table("user_totp").Where("user_id = ?", a.UserID).Take(&cur).Error
		switch {
		case err == nil && cur.Enrolled():
			return collect.E(collect.ECONFLICT, "err.totp.already_enrolled")
		case err == nil:
			if err := tx.Exec("DELETE FROM user_totp WHERE user_id = ?", a.UserID).Error; err != nil {
				return err
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		if err := tx.Exec("DELETE FROM user_recovery_codes WHERE user_id = ?", a.UserID).Error; err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)", a.UserID, sealed, s.now()).Error; err != nil {
			return err
		}
		for _, h := range codeHashes {
			if err := tx.Exec("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?)", a.UserID, h).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "auth.totp_begin", ObjectType: "user", ObjectID: a.UserID,
			After: map[string]int{"recovery_codes": len(codeHashes)}})
	})
}

// ConfirmTOTP confirms the actor's pending enrolment with the time step of
// the code they entered.
func (s *Store) ConfirmTOTP(ctx context.Context, a collect.Actor, step int64) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL", s.now(), step, a.UserID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.totp.nothing_to_confirm")
		}
		return s.appendAudit(tx, a, auditRecord{Action: "auth.totp_confirm", ObjectType: "user", ObjectID: a.UserID})
	})
}

// UseTOTPStep records that a code of step signed the user in; false when
// that step (or a later one) was used already: a replayed code.
func (s *Store) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?", step, userID, step)
	return res.RowsAffected == 1, res.Error
}

// UseRecoveryCode spends one of the user's recovery codes by its digest;
// false when it is not theirs or was spent. Audited.
func (s *Store) UseRecoveryCode(ctx context.Context, a collect.Actor, codeHash string) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", s.now(), a.UserID, codeHash)
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		ok = true
		var left int64
		if err := tx.Table("user_recovery_codes").Where("user_id = ? AND used_at IS NULL", a.UserID).Count(&left).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "auth.recovery_code", ObjectType: "user", ObjectID: a.UserID, After: map[string]int64{"left": left}})
	})
	return ok, err
}

// Two-factor policies of an organisation.
const (
	TOTPRequiredNone         = "none"
	TOTPRequiredPersonalData = "personal_data" // of users whose roles read personal data
	TOTPRequiredAll          = "all"
)

// TOTPPolicies are the organisation policies, in the migrations' order.
var TOTPPolicies = []string{TOTPRequiredNone, TOTPRequiredPersonalData, TOTPRequiredAll}

// SetTOTPPolicy sets an organisation's two-factor policy: its own
// administrator, or the platform administrator for any organisation;
// another organisation's is not found. Audited.
func (s *Store) SetTOTPPolicy(ctx context.Context, a collect.Actor, orgID, policy string) error {
	if a.OrgKind != collect.KindPlatform && a.OrgID != orgID {
		return notFoundError("organisation")
	}
	if !slices.Contains(TOTPPolicies, policy) {
		return collect.Invalid("totp_required", "err.totp.policy", "allowed", strings.Join(TOTPPolicies, ", "))
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var cur []string
		if err := tx.Table("organisations").Where("id = ?", orgID).Pluck("totp_required", &cur).Error; err != nil {
			return err
		}
		if len(cur) == 0 {
			return notFoundError("organisation")
		}
		if err := tx.Exec("UPDATE organisations SET totp_required = ? WHERE id = ?", policy, orgID).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "organisation.totp_policy", ObjectType: "organisation", ObjectID: orgID,
			Before: map[string]string{"totp_required": cur[0]}, After: map[string]string{"totp_required": policy}})
	})
}
