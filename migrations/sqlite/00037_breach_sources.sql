-- Breaches found by quality reviews (source quality) and by the check for
-- missing call recordings (source evidence), beside the detectors' and the
-- refused attempts'. SQLite cannot change a CHECK: the table is rebuilt.

-- +goose Up
CREATE TABLE breaches_new (
    id           TEXT PRIMARY KEY,
    lender_id    TEXT NOT NULL,
    agency_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    rule         TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    source       TEXT NOT NULL CHECK (source IN ('detector', 'refusal', 'quality', 'evidence')),
    source_id    TEXT NOT NULL,
    evidence     TEXT NOT NULL DEFAULT '[]',
    message      TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL,
    detected_at  TIMESTAMP NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'remediated', 'dismissed')),
    remediation  TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL,
    message_key  TEXT NOT NULL DEFAULT '',
    message_args TEXT NOT NULL DEFAULT '',
    UNIQUE (source, source_id, rule)
);
INSERT INTO breaches_new (id, lender_id, agency_id, account_id, rule, severity, source, source_id, evidence, message, occurred_at,
    detected_at, status, remediation, updated_by, updated_at, message_key, message_args)
SELECT id, lender_id, agency_id, account_id, rule, severity, source, source_id, evidence, message, occurred_at,
    detected_at, status, remediation, updated_by, updated_at, message_key, message_args FROM breaches;
DROP TABLE breaches;
ALTER TABLE breaches_new RENAME TO breaches;
CREATE INDEX breaches_lender_at ON breaches (lender_id, occurred_at);
CREATE INDEX breaches_agency_at ON breaches (agency_id, occurred_at);

-- +goose Down
SELECT 1;
