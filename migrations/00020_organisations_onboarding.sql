-- Onboarding organisations for real (issue 13 parts 1-2): each lender and
-- agency's legal facts (English name, unified social credit code, licences,
-- provinces, contact person, time zone). The first platform administrator
-- sets a password through a one-time reset link (user_tokens, 00019).

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



-- +goose Down
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
