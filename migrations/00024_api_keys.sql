-- Integration keys: an organisation's own systems (payment feed, complaints
-- intake, imports) call the API with a key, not as a person. The key is
-- shown once; only its SHA-256 digest is kept. Roles are limited to
-- integration work; an optional expiry and source-address allow-list.

-- +goose Up
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    roles           TEXT NOT NULL,            -- JSON list
    key_hash        TEXT NOT NULL UNIQUE,
    allow_from      TEXT NOT NULL DEFAULT '[]', -- JSON list of addresses or CIDR prefixes; empty: any
    expires_at      TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP,
    last_used_from  TEXT NOT NULL DEFAULT '',
    revoked_at      TIMESTAMP
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id);

-- +goose Down
DROP TABLE api_keys;
