-- The foundation schema: tenants, users and roles, portfolios, accounts,
-- placements and the hash-chained audit trail. One file for SQLite and
-- PostgreSQL: portable types only (TEXT ids, BIGINT money in minor units,
-- TIMESTAMP in UTC, dates as 'YYYY-MM-DD' text).

-- +goose Up
CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('platform', 'lender', 'agency')),
    name       TEXT NOT NULL,
    name_zh    TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    token_version   INTEGER NOT NULL DEFAULT 1,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('platform_admin', 'vendor_manager', 'auditor', 'agency_supervisor', 'collector')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE portfolios (
    id            TEXT PRIMARY KEY,
    lender_id     TEXT NOT NULL REFERENCES organisations (id),
    name          TEXT NOT NULL,
    account_count INTEGER NOT NULL DEFAULT 0,
    balance_cents BIGINT NOT NULL DEFAULT 0,
    currency      TEXT NOT NULL DEFAULT 'CNY',
    created_by    TEXT NOT NULL DEFAULT '',
    imported_at   TIMESTAMP NOT NULL
);
CREATE INDEX portfolios_lender ON portfolios (lender_id);

CREATE TABLE accounts (
    id                      TEXT PRIMARY KEY,
    lender_id               TEXT NOT NULL REFERENCES organisations (id),
    portfolio_id            TEXT NOT NULL REFERENCES portfolios (id),
    external_ref            TEXT NOT NULL,
    debtor_name             TEXT NOT NULL,
    national_id             TEXT NOT NULL,
    phone                   TEXT NOT NULL,
    emergency_contact_phone TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    province                TEXT NOT NULL,
    principal_cents         BIGINT NOT NULL CHECK (principal_cents >= 0),
    balance_cents           BIGINT NOT NULL CHECK (balance_cents >= 0),
    currency                TEXT NOT NULL DEFAULT 'CNY',
    due_date                TEXT NOT NULL,
    dpd                     INTEGER NOT NULL CHECK (dpd >= 0),
    bucket                  TEXT NOT NULL,
    stage                   TEXT NOT NULL DEFAULT 'verification',
    status                  TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    last_payment_date       TEXT NOT NULL DEFAULT '',
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    UNIQUE (lender_id, external_ref)
);
CREATE INDEX accounts_portfolio ON accounts (portfolio_id);
CREATE INDEX accounts_lender_dpd ON accounts (lender_id, dpd);

CREATE TABLE placements (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    agency_id   TEXT NOT NULL REFERENCES organisations (id),
    lender_id   TEXT NOT NULL REFERENCES organisations (id),
    status      TEXT NOT NULL CHECK (status IN ('offered', 'declined', 'active', 'recalled', 'expired', 'returned', 'closed')),
    fee_rate_bp INTEGER NOT NULL DEFAULT 0 CHECK (fee_rate_bp >= 0 AND fee_rate_bp <= 10000),
    created_at  TIMESTAMP NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP NULL,
    end_reason  TEXT NOT NULL DEFAULT ''
);
-- An account has at most one active placement, whatever the code does.
CREATE UNIQUE INDEX placements_one_active ON placements (account_id) WHERE status = 'active';
CREATE INDEX placements_agency_status ON placements (agency_id, status);
CREATE INDEX placements_account ON placements (account_id);

-- The audit trail is append-only and hash-chained: each event carries the
-- previous event's hash and its own over canonical fields. audit_head holds
-- the last sequence number and hash, so appends serialise on one row and a
-- deleted tail is still caught. lender_id is the lender whose data the
-- event concerns, so a lender's auditors see what agencies did to it.
CREATE TABLE audit_events (
    seq             BIGINT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    at              TIMESTAMP NOT NULL,
    actor_id        TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    lender_id       TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    summary         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
CREATE INDEX audit_events_org_at ON audit_events (organisation_id, at);
CREATE INDEX audit_events_lender_at ON audit_events (lender_id, at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE placements;
DROP TABLE accounts;
DROP TABLE portfolios;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
