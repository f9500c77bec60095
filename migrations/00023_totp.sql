-- Two-factor sign-in: a user's TOTP secret (RFC 6238), sealed with a key
-- derived from the server's signing secret, confirmed once the user has
-- entered a first code; the last time step used, so a code is not accepted
-- twice; and ten one-time recovery codes, stored as SHA-256 digests.

-- +goose Up
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    secret       TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE user_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
