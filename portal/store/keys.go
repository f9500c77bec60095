package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// APIKey is an integration key as its organisation sees it (never the key).
type APIKey struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Roles        []string   `json:"roles" gorm:"-"`
	AllowFrom    []string   `json:"allow_from" gorm:"-"`
	ExpiresAt    *time.Time `json:"expires_at"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedFrom string     `json:"last_used_from"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

type apiKeyRow struct {
	APIKey
	OrganisationID string
	RolesJSON      string `gorm:"column:roles"`
	AllowJSON      string `gorm:"column:allow_from"`
	KeyHash        string
	CreatedBy      string
}

func (r apiKeyRow) key() APIKey {
	k := r.APIKey
	json.Unmarshal([]byte(r.RolesJSON), &k.Roles)
	json.Unmarshal([]byte(r.AllowJSON), &k.AllowFrom)
	if k.AllowFrom == nil {
		k.AllowFrom = []string{}
	}
	return k
}

// NewAPIKey is a key to create: its digest, and what it may do.
type NewAPIKey struct {
	Name      string
	Roles     []string
	AllowFrom []string
	ExpiresAt *time.Time
	Hash      string // SHA-256 of the key, hex
}

// CreateAPIKey records a key of the actor's organisation. Audited.
func (s *Store) CreateAPIKey(ctx context.Context, a collect.Actor, in NewAPIKey) (APIKey, error) {
	roles, _ := json.Marshal(in.Roles)
	allow, _ := json.Marshal(in.AllowFrom)
	id := uuid.Must(uuid.NewV7()).String()
	now := s.now()
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO api_keys (id, organisation_id, name, roles, key_hash, allow_from, expires_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, a.OrgID, in.Name, string(roles), in.Hash, string(allow), in.ExpiresAt, a.UserID, now).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "key.create", ObjectType: "api_key", ObjectID: id,
			After: map[string]any{"name_sha256": textDigest(in.Name), "roles": in.Roles, "allow_from": len(in.AllowFrom), "expires_at": in.ExpiresAt}})
	})
	if err != nil {
		return APIKey{}, err
	}
	return APIKey{ID: id, Name: in.Name, Roles: in.Roles, AllowFrom: in.AllowFrom, ExpiresAt: in.ExpiresAt, CreatedAt: now}, nil
}

// APIKeys lists the actor's organisation's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, a collect.Actor) ([]APIKey, error) {
	var rows []apiKeyRow
	if err := s.db.WithContext(ctx).Table("api_keys").Where("organisation_id = ?", a.OrgID).Order("created_at DESC, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]APIKey, len(rows))
	for i, r := range rows {
		out[i] = r.key()
	}
	return out, nil
}

// RevokeAPIKey revokes a key of the actor's organisation at once; another
// organisation's key is not found. Audited.
func (s *Store) RevokeAPIKey(ctx context.Context, a collect.Actor, id string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND organisation_id = ? AND revoked_at IS NULL", s.now(), id, a.OrgID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			var n int64
			if err := tx.Table("api_keys").Where("id = ? AND organisation_id = ?", id, a.OrgID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return notFoundError("api key")
			}
			return nil // revoked before
		}
		return s.appendAudit(tx, a, auditRecord{Action: "key.revoke", ObjectType: "api_key", ObjectID: id})
	})
}

// KeyActor is who a call with the key of this digest acts as: the key
// itself ("key:<id>" in the audit trail), in its organisation, with its
// roles. allowed says whether the caller's address may use it. A key
// revoked, expired, unknown or used from elsewhere is refused alike.
func (s *Store) KeyActor(ctx context.Context, hash, addr string, allowed func(allow []string, addr string) bool) (collect.Actor, error) {
	refused := collect.E(collect.EUNAUTHORIZED, "err.auth.key_invalid")
	var r apiKeyRow
	err := s.db.WithContext(ctx).Table("api_keys").Where("key_hash = ?", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return collect.Actor{}, refused
	}
	if err != nil {
		return collect.Actor{}, err
	}
	k := r.key()
	now := s.now()
	if k.RevokedAt != nil || k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) || !allowed(k.AllowFrom, addr) {
		return collect.Actor{}, refused
	}
	var org struct{ Kind, Name, Status string }
	if err := s.db.WithContext(ctx).Table("organisations").Select("kind, name, status").Where("id = ?", r.OrganisationID).Take(&org).Error; err != nil {
		return collect.Actor{}, err
	}
	if org.Status != "active" {
		return collect.Actor{}, refused
	}
	// The last use, at most once a minute per key.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute || k.LastUsedFrom != addr {
		s.db.WithContext(ctx).Exec("UPDATE api_keys SET last_used_at = ?, last_used_from = ? WHERE id = ?", now, addr, k.ID)
	}
	return collect.Actor{UserID: "key:" + k.ID, Name: k.Name, OrgID: r.OrganisationID, OrgKind: org.Kind, OrgName: org.Name, Roles: k.Roles}, nil
}
