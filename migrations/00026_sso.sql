-- Single sign-on: an organisation's own OpenID Connect provider (issuer,
-- client, sealed client secret, the staff's email domain, role mapping, and
-- whether users are made at their first sign-in), and the sign-ins under
-- way: one row per authorisation request (state, nonce and PKCE verifier),
-- spent by the callback, so a state is good once and for ten minutes.

-- +goose Up
CREATE TABLE org_sso (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id),
    enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   TEXT NOT NULL DEFAULT '',
    email_domain    TEXT NOT NULL,
    roles_claim     TEXT NOT NULL DEFAULT '',
    role_map        TEXT NOT NULL DEFAULT '{}',
    default_roles   TEXT NOT NULL DEFAULT '[]',
    jit             BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX org_sso_domain ON org_sso (email_domain);

CREATE TABLE sso_states (
    state_hash      TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    verifier        TEXT NOT NULL,
    next            TEXT NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP
);

-- +goose Down
DROP TABLE sso_states;
DROP TABLE org_sso;
