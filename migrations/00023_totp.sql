-- Two-factor sign-in: a user's TOTP secret (RFC 6238), sealed with a key
-- derived from the server's signing secret, confirmed once the user has
-- entered a first code; the last time step used, so a code is not accepted
-- twice; and ten one-time recovery codes, stored as SHA-256 digests. An
-- organisation may require two-factor sign-in of all its users or of those
-- whose roles read personal data.

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

ALTER TABLE organisations ADD COLUMN totp_required TEXT NOT NULL DEFAULT 'none'
    CHECK (totp_required IN ('none', 'personal_data', 'all'));

-- +goose Down
ALTER TABLE organisations DROP COLUMN totp_required;
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
