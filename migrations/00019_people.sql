-- People and roles: each organisation's own administrator (org_admin) and
-- its systems (integration) become roles, and one-time links invite people
-- and reset passwords. The role CHECK is widened by rebuilding memberships,
-- the same SQL on both databases (SQLite cannot alter a constraint).
-- A link's token is never stored, only its SHA-256: a copy of the database
-- does not let anyone in.

-- +goose Up
CREATE TABLE memberships_new (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('platform_admin', 'org_admin', 'vendor_manager', 'auditor', 'agency_supervisor', 'collector', 'integration')),
    PRIMARY KEY (user_id, role)
);
INSERT INTO memberships_new SELECT user_id, role FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;

CREATE TABLE user_tokens (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('invite', 'reset')),
    token_hash      TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- the user reset, or the one the invite made once accepted
    user_id         TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    roles           TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP NULL,
    -- superseded by a resend or a newer reset, or the user deactivated
    revoked_at      TIMESTAMP NULL
);
CREATE INDEX user_tokens_org ON user_tokens (organisation_id, kind);
CREATE INDEX user_tokens_email ON user_tokens (email);

-- +goose Down
DROP TABLE user_tokens;
DELETE FROM memberships WHERE role IN ('org_admin', 'integration');
CREATE TABLE memberships_old (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('platform_admin', 'vendor_manager', 'auditor', 'agency_supervisor', 'collector')),
    PRIMARY KEY (user_id, role)
);
INSERT INTO memberships_old SELECT user_id, role FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_old RENAME TO memberships;
