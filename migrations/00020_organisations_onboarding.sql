-- Onboarding organisations for real (issue 13 parts 1-2): each lender and
-- agency's legal facts (English name, unified social credit code, licences,
-- provinces, contact person, time zone), and one-time set-password tokens
-- (stored hashed) for the first platform administrator.

-- +goose Up
ALTER TABLE organisations ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN credit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN licences TEXT DEFAULT '[]'; -- JSON list; NULL read as none
ALTER TABLE organisations ADD COLUMN provinces TEXT DEFAULT '[]'; -- JSON list; NULL read as none
ALTER TABLE organisations ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai';
ALTER TABLE organisations ADD COLUMN updated_at TIMESTAMP;
-- The organisations before this had an English name in name.
UPDATE organisations SET name_en = name, updated_at = created_at;
CREATE UNIQUE INDEX organisations_credit_code ON organisations (credit_code) WHERE credit_code <> '';

CREATE TABLE password_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('set_password')),
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);

-- +goose Down
DROP TABLE password_tokens;
DROP INDEX organisations_credit_code;
ALTER TABLE organisations DROP COLUMN updated_at;
ALTER TABLE organisations DROP COLUMN time_zone;
ALTER TABLE organisations DROP COLUMN contact_email;
ALTER TABLE organisations DROP COLUMN contact_phone;
ALTER TABLE organisations DROP COLUMN contact_name;
ALTER TABLE organisations DROP COLUMN provinces;
ALTER TABLE organisations DROP COLUMN licences;
ALTER TABLE organisations DROP COLUMN credit_code;
ALTER TABLE organisations DROP COLUMN name_en;
