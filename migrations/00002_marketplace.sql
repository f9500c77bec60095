-- The allocation marketplace: agency profiles and contracts, exclusion flags
-- on accounts, the placement lifecycle, allocation plans, portfolio imports
-- and saved column mappings, tenders and bids, payments and commission.

-- +goose Up
CREATE TABLE agency_profiles (
    agency_id          TEXT PRIMARY KEY REFERENCES organisations (id),
    licensed_provinces TEXT NOT NULL DEFAULT '',  -- comma-separated; '*' = nationwide
    accepted_buckets   TEXT NOT NULL DEFAULT '',  -- comma-separated; '' = every bucket
    capacity           INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    description        TEXT NOT NULL DEFAULT '',
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE contracts (
    id                         TEXT PRIMARY KEY,
    lender_id                  TEXT NOT NULL REFERENCES organisations (id),
    agency_id                  TEXT NOT NULL REFERENCES organisations (id),
    status                     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    fee_schedule               TEXT NOT NULL,   -- JSON {"M1": 800, ...}, basis points by bucket
    term_days                  INTEGER NOT NULL CHECK (term_days BETWEEN 1 AND 730),
    accept_days                INTEGER NOT NULL CHECK (accept_days BETWEEN 1 AND 60),
    max_settlement_discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (max_settlement_discount_bp BETWEEN 0 AND 10000),
    max_instalments            INTEGER NOT NULL DEFAULT 1 CHECK (max_instalments BETWEEN 1 AND 120),
    min_down_payment_bp        INTEGER NOT NULL DEFAULT 0 CHECK (min_down_payment_bp BETWEEN 0 AND 10000),
    starts_on                  TEXT NOT NULL,
    ends_on                    TEXT NOT NULL,
    updated_at                 TIMESTAMP NOT NULL,
    UNIQUE (lender_id, agency_id)
);

ALTER TABLE accounts ADD COLUMN dispute_open BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN cease_communication BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN deceased BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN bankrupt BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN paid_cents BIGINT NOT NULL DEFAULT 0;

ALTER TABLE placements ADD COLUMN accept_by TIMESTAMP NULL;
ALTER TABLE placements ADD COLUMN bucket TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN balance_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE placements ADD COLUMN source TEXT NOT NULL DEFAULT '';   -- allocation:<id>, tender:<id>, demo
ALTER TABLE placements ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';

-- An account is offered to, or held by, at most one agency at a time; this
-- covers offers too, so two plans cannot offer one account twice.
CREATE UNIQUE INDEX placements_one_open ON placements (account_id) WHERE status IN ('offered', 'active');
CREATE INDEX placements_status_accept_by ON placements (status, accept_by);
CREATE INDEX placements_status_ends_at ON placements (status, ends_at);

CREATE TABLE allocations (
    id                TEXT PRIMARY KEY,
    lender_id         TEXT NOT NULL REFERENCES organisations (id),
    portfolio_id      TEXT NOT NULL REFERENCES portfolios (id),
    strategy          TEXT NOT NULL,
    params            TEXT NOT NULL,
    seed              BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'committed', 'discarded')),
    assignments_total INTEGER NOT NULL DEFAULT 0,
    unassigned_total  INTEGER NOT NULL DEFAULT 0,
    summary           TEXT NOT NULL,      -- JSON: by agency and by group
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    committed_at      TIMESTAMP NULL
);
CREATE INDEX allocations_lender ON allocations (lender_id, created_at);

CREATE TABLE allocation_assignments (
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    account_id    TEXT NOT NULL,
    agency_id     TEXT NOT NULL,
    grp           TEXT NOT NULL DEFAULT '',
    reason_code   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    bucket        TEXT NOT NULL,
    balance_cents BIGINT NOT NULL,
    fee_rate_bp   INTEGER NOT NULL,
    PRIMARY KEY (allocation_id, account_id)
);

CREATE TABLE allocation_unassigned (
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    account_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (allocation_id, account_id)
);

CREATE TABLE column_mappings (
    id         TEXT PRIMARY KEY,
    lender_id  TEXT NOT NULL REFERENCES organisations (id),
    name       TEXT NOT NULL,
    mapping    TEXT NOT NULL,   -- JSON {"external_ref": "Loan No", ...}
    created_at TIMESTAMP NOT NULL,
    UNIQUE (lender_id, name)
);

CREATE TABLE imports (
    id             TEXT PRIMARY KEY,
    lender_id      TEXT NOT NULL REFERENCES organisations (id),
    portfolio_id   TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL,
    filename       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    partial        BOOLEAN NOT NULL DEFAULT FALSE,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    accepted       INTEGER NOT NULL DEFAULT 0,
    rejected       INTEGER NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NULL
);
CREATE INDEX imports_lender ON imports (lender_id, created_at);

CREATE TABLE import_rejects (
    import_id TEXT NOT NULL REFERENCES imports (id),
    line      INTEGER NOT NULL,
    field     TEXT NOT NULL,
    message   TEXT NOT NULL,
    raw       TEXT NOT NULL   -- the rejected row as CSV, for the download
);
CREATE INDEX import_rejects_import ON import_rejects (import_id, line);

CREATE TABLE tenders (
    id           TEXT PRIMARY KEY,
    lender_id    TEXT NOT NULL REFERENCES organisations (id),
    portfolio_id TEXT NOT NULL REFERENCES portfolios (id),
    title        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'awarded', 'cancelled')),
    summary      TEXT NOT NULL,   -- JSON: counts, balance, bucket and province mix; no personal data
    account_ids  TEXT NOT NULL,   -- JSON array of the tendered accounts, never shown to agencies
    closes_at    TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    awarded_at   TIMESTAMP NULL
);
CREATE INDEX tenders_lender ON tenders (lender_id, created_at);

CREATE TABLE tender_agencies (
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    agency_id TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (tender_id, agency_id)
);

CREATE TABLE bids (
    id                       TEXT PRIMARY KEY,
    tender_id                TEXT NOT NULL REFERENCES tenders (id),
    agency_id                TEXT NOT NULL REFERENCES organisations (id),
    fee_rate_bp              INTEGER NOT NULL CHECK (fee_rate_bp BETWEEN 0 AND 10000),
    expected_liquidation_bp  INTEGER NOT NULL CHECK (expected_liquidation_bp BETWEEN 0 AND 10000),
    capacity                 INTEGER NOT NULL CHECK (capacity > 0),
    note                     TEXT NOT NULL DEFAULT '',
    status                   TEXT NOT NULL CHECK (status IN ('submitted', 'awarded', 'lost')),
    awarded_count            INTEGER NOT NULL DEFAULT 0,
    created_by               TEXT NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    UNIQUE (tender_id, agency_id)
);

CREATE TABLE payments (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    lender_id    TEXT NOT NULL REFERENCES organisations (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency     TEXT NOT NULL,
    paid_at      TIMESTAMP NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL CHECK (source IN ('agency', 'lender')),
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX payments_account ON payments (account_id, paid_at);
CREATE UNIQUE INDEX payments_reference ON payments (lender_id, reference) WHERE reference <> '';

CREATE TABLE commissions (
    id            TEXT PRIMARY KEY,
    payment_id    TEXT NOT NULL REFERENCES payments (id),
    placement_id  TEXT NOT NULL REFERENCES placements (id),
    agency_id     TEXT NOT NULL REFERENCES organisations (id),
    lender_id     TEXT NOT NULL REFERENCES organisations (id),
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    bucket        TEXT NOT NULL,
    rate_bp       INTEGER NOT NULL,
    payment_cents BIGINT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    month         TEXT NOT NULL,   -- YYYY-MM of the payment, the statement it belongs to
    accrued_at    TIMESTAMP NOT NULL
);
CREATE INDEX commissions_agency_month ON commissions (agency_id, month);
CREATE INDEX commissions_lender_month ON commissions (lender_id, month);

-- +goose Down
DROP TABLE commissions;
DROP TABLE payments;
DROP TABLE bids;
DROP TABLE tender_agencies;
DROP TABLE tenders;
DROP TABLE import_rejects;
DROP TABLE imports;
DROP TABLE column_mappings;
DROP TABLE allocation_unassigned;
DROP TABLE allocation_assignments;
DROP TABLE allocations;
DROP INDEX placements_status_ends_at;
DROP INDEX placements_status_accept_by;
DROP INDEX placements_one_open;
DROP TABLE contracts;
DROP TABLE agency_profiles;
