-- Sign-in history: each sign-in of a known user, good or refused (a wrong
-- password or code, or throttled), with when, from where and how, for the
-- user to check their own and for their organisation's administrators to
-- see failures and lockouts. Attempts on unknown emails are not kept.

-- +goose Up
CREATE TABLE sign_ins (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL,
    at              TIMESTAMP NOT NULL,
    addr            TEXT NOT NULL,
    method          TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'locked'))
);
CREATE INDEX sign_ins_user_at ON sign_ins (user_id, at);
CREATE INDEX sign_ins_org_at ON sign_ins (organisation_id, at);

-- +goose Down
DROP TABLE sign_ins;
