-- Casework: collectors' assignments, verification, disputes, the contact log
-- (and the contacts the conduct rules refused), arrangements and their
-- instalments, the limitation period's events, legal cases.

-- +goose Up
ALTER TABLE accounts ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN verification_complete BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN next_action_at TIMESTAMP NULL;
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN consent_out_of_hours BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN guarantor_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN conduct_profile TEXT NOT NULL DEFAULT 'china';
CREATE INDEX accounts_assigned ON accounts (assigned_to);

CREATE TABLE verifications (
    account_id    TEXT PRIMARY KEY REFERENCES accounts (id),
    identity_ok   BOOLEAN NOT NULL,
    contact_ok    BOOLEAN NOT NULL,
    amount_ok     BOOLEAN NOT NULL,
    dpd_ok        BOOLEAN NOT NULL,
    flags         TEXT NOT NULL DEFAULT '',   -- data-quality flags for the lender, comma-separated
    note          TEXT NOT NULL DEFAULT '',
    verified_by   TEXT NOT NULL,
    verified_at   TIMESTAMP NOT NULL
);

CREATE TABLE disputes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    lender_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'rejected')),
    raised_by   TEXT NOT NULL,
    raised_at   TIMESTAMP NOT NULL,
    resolved_by TEXT NOT NULL DEFAULT '',
    resolved_at TIMESTAMP NULL,
    resolution  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disputes_account ON disputes (account_id, status);
CREATE INDEX disputes_lender_status ON disputes (lender_id, status);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    lender_id    TEXT NOT NULL,
    agency_id    TEXT NOT NULL,
    placement_id TEXT NOT NULL,
    collector_id TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('call', 'sms', 'letter', 'email', 'visit')),
    party        TEXT NOT NULL CHECK (party IN ('debtor', 'guarantor', 'emergency_contact', 'third_party')),
    party_phone  TEXT NOT NULL DEFAULT '',
    direction    TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    at           TIMESTAMP NOT NULL,
    outcome      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    ai           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX contacts_account_at ON contacts (account_id, at);
CREATE INDEX contacts_agency_at ON contacts (agency_id, at);

-- Contacts the conduct rules refused before they happened: kept for oversight.
CREATE TABLE contact_refusals (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    lender_id    TEXT NOT NULL,
    agency_id    TEXT NOT NULL,
    collector_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    party        TEXT NOT NULL,
    at           TIMESTAMP NOT NULL,
    violations   TEXT NOT NULL,   -- JSON [{"rule","message"}]
    note         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX contact_refusals_agency_at ON contact_refusals (agency_id, at);

CREATE TABLE arrangements (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    lender_id          TEXT NOT NULL,
    agency_id          TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('promise', 'instalment_plan', 'extension', 'waiver', 'settlement')),
    status             TEXT NOT NULL CHECK (status IN ('pending_approval', 'active', 'kept', 'broken', 'rejected', 'cancelled')),
    amount_cents       BIGINT NOT NULL,
    down_payment_cents BIGINT NOT NULL DEFAULT 0,
    instalments        INTEGER NOT NULL DEFAULT 0,
    first_due          TEXT NOT NULL DEFAULT '',
    interval_days      INTEGER NOT NULL DEFAULT 0,
    discount_bp        INTEGER NOT NULL DEFAULT 0,
    reasons            TEXT NOT NULL DEFAULT '[]',
    note               TEXT NOT NULL DEFAULT '',
    maker_id           TEXT NOT NULL,
    approver_id        TEXT NOT NULL DEFAULT '',
    decided_at         TIMESTAMP NULL,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX arrangements_account ON arrangements (account_id, status);
CREATE INDEX arrangements_lender_status ON arrangements (lender_id, status);

CREATE TABLE arrangement_instalments (
    arrangement_id TEXT NOT NULL REFERENCES arrangements (id),
    n              INTEGER NOT NULL,
    due_date       TEXT NOT NULL,
    amount_cents   BIGINT NOT NULL,
    paid_cents     BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'broken')),
    PRIMARY KEY (arrangement_id, n)
);
CREATE INDEX arrangement_instalments_due ON arrangement_instalments (status, due_date);

CREATE TABLE limitation_events (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL CHECK (kind IN ('due', 'demand', 'acknowledgement', 'suit', 'suit_ended')),
    at         TIMESTAMP NOT NULL,
    source     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX limitation_events_account ON limitation_events (account_id, at);

CREATE TABLE legal_cases (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    lender_id          TEXT NOT NULL,
    agency_id          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('referred', 'approved', 'rejected', 'filed', 'hearing', 'judgment', 'enforcement', 'closed')),
    estimate           TEXT NOT NULL,      -- JSON cost-benefit at referral
    limitation_expires TEXT NOT NULL,
    court_ref          TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT '',
    referred_by        TEXT NOT NULL,
    decided_by         TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX legal_cases_account ON legal_cases (account_id);
CREATE INDEX legal_cases_lender_status ON legal_cases (lender_id, status);

-- +goose Down
DROP TABLE legal_cases;
DROP TABLE limitation_events;
DROP TABLE arrangement_instalments;
DROP TABLE arrangements;
DROP TABLE contact_refusals;
DROP TABLE contacts;
DROP TABLE disputes;
DROP TABLE verifications;
DROP INDEX accounts_assigned;
