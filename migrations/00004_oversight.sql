-- Oversight: complaints and their service levels, conduct breaches found
-- after the fact, agency evaluations, and each lender's scorecard weights.

-- +goose Up
CREATE TABLE complaints (
    id              TEXT PRIMARY KEY,
    lender_id       TEXT NOT NULL REFERENCES organisations (id),
    account_id      TEXT NOT NULL DEFAULT '',
    agency_id       TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL CHECK (category IN ('frequent_calls', 'third_party_contact', 'threats_or_abuse', 'not_owed_or_identity_theft', 'wrong_amount', 'privacy', 'other')),
    source          TEXT NOT NULL DEFAULT 'lender',
    description     TEXT NOT NULL,
    contact_ids     TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'investigating', 'resolved')),
    assigned_to     TEXT NOT NULL DEFAULT '',
    received_at     TIMESTAMP NOT NULL,
    ack_due         TIMESTAMP NOT NULL,
    resolve_due     TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP NULL,
    resolved_at     TIMESTAMP NULL,
    root_cause      TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL DEFAULT '',
    agency_response TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX complaints_lender_status ON complaints (lender_id, status, received_at);
CREATE INDEX complaints_agency ON complaints (agency_id, received_at);
CREATE INDEX complaints_account ON complaints (account_id);

CREATE TABLE complaint_sla (
    lender_id    TEXT PRIMARY KEY REFERENCES organisations (id),
    ack_days     INTEGER NOT NULL CHECK (ack_days BETWEEN 1 AND 30),
    resolve_days INTEGER NOT NULL CHECK (resolve_days BETWEEN 1 AND 90)
);

CREATE TABLE breaches (
    id          TEXT PRIMARY KEY,
    lender_id   TEXT NOT NULL,
    agency_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    source      TEXT NOT NULL CHECK (source IN ('detector', 'refusal')),
    source_id   TEXT NOT NULL,          -- the contact or refusal found in breach
    evidence    TEXT NOT NULL DEFAULT '[]',
    message     TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'remediated', 'dismissed')),
    remediation TEXT NOT NULL DEFAULT '',
    updated_by  TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (source, source_id, rule)
);
CREATE INDEX breaches_lender_at ON breaches (lender_id, occurred_at);
CREATE INDEX breaches_agency_at ON breaches (agency_id, occurred_at);

CREATE TABLE agency_evaluations (
    id                   TEXT PRIMARY KEY,
    lender_id            TEXT NOT NULL REFERENCES organisations (id),
    agency_id            TEXT NOT NULL REFERENCES organisations (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('annual', 'pre_expiry', 'ad_hoc')),
    period               TEXT NOT NULL,
    conduct_score        INTEGER NOT NULL CHECK (conduct_score BETWEEN 0 AND 100),
    quality_score        INTEGER NOT NULL CHECK (quality_score BETWEEN 0 AND 100),
    efficiency_score     INTEGER NOT NULL CHECK (efficiency_score BETWEEN 0 AND 100),
    infosec_score        INTEGER NOT NULL CHECK (infosec_score BETWEEN 0 AND 100),
    decision             TEXT NOT NULL CHECK (decision IN ('renew', 'suspend', 'terminate')),
    note                 TEXT NOT NULL DEFAULT '',
    evaluated_by         TEXT NOT NULL,
    evaluated_at         TIMESTAMP NOT NULL
);
CREATE INDEX agency_evaluations_lender ON agency_evaluations (lender_id, agency_id, evaluated_at);

CREATE TABLE scorecard_weights (
    lender_id TEXT PRIMARY KEY REFERENCES organisations (id),
    weights   TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE scorecard_weights;
DROP TABLE agency_evaluations;
DROP TABLE breaches;
DROP TABLE complaint_sla;
DROP TABLE complaints;
