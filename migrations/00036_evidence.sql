-- Evidence and quality checks (issue 16): attachments on contacts and cases,
-- kept by their SHA-256 in the blob store until their retention date (or
-- longer, under a legal hold); quality checklists, sampling plans, samples,
-- reviews and findings; and the counters their figures are read from.

-- +goose Up
ALTER TABLE contacts ADD COLUMN call_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN recording_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_call_id ON contacts (agency_id, call_id);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    lender_id     TEXT NOT NULL,
    agency_id     TEXT NOT NULL DEFAULT '',   -- the agency whose contact it is ('' = the lender's own document)
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    contact_id    TEXT NOT NULL DEFAULT '',
    legal_case_id TEXT NOT NULL DEFAULT '',
    payment_id    TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL CHECK (kind IN ('recording', 'document', 'photo', 'voucher')),
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    file_name     TEXT NOT NULL DEFAULT '',
    call_id       TEXT NOT NULL DEFAULT '',
    duration_ms   BIGINT NULL,
    profile       TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_org  TEXT NOT NULL,
    uploaded_at   TIMESTAMP NOT NULL,
    retain_until  TIMESTAMP NOT NULL,
    legal_hold    BOOLEAN NOT NULL DEFAULT FALSE,
    hold_reason   TEXT NOT NULL DEFAULT '',
    deleted_at    TIMESTAMP NULL
);
CREATE INDEX attachments_contact ON attachments (contact_id);
CREATE INDEX attachments_account ON attachments (account_id);
CREATE INDEX attachments_sha ON attachments (sha256);
CREATE INDEX attachments_retention ON attachments (retain_until);

CREATE TABLE qa_checklists (
    lender_id  TEXT PRIMARY KEY,
    items      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE qa_plans (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,                -- the lender, or the agency for a self-review plan
    owner_kind   TEXT NOT NULL,
    name         TEXT NOT NULL,
    random_share DOUBLE PRECISION NOT NULL,
    include      TEXT NOT NULL DEFAULT '[]',
    seed         BIGINT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX qa_plans_owner ON qa_plans (owner_id);

CREATE TABLE qa_draws (
    plan_id  TEXT NOT NULL,
    period   TEXT NOT NULL,                    -- ISO week, 2026-W49
    drawn_at TIMESTAMP NOT NULL,
    drawn_by TEXT NOT NULL,
    samples  INTEGER NOT NULL,
    PRIMARY KEY (plan_id, period)
);

CREATE TABLE qa_samples (
    id           TEXT PRIMARY KEY,
    plan_id      TEXT NOT NULL,
    period       TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    lender_id    TEXT NOT NULL,
    agency_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    collector_id TEXT NOT NULL,
    contact_at   TIMESTAMP NOT NULL,
    reason       TEXT NOT NULL,
    checklist    TEXT NOT NULL,                -- the checklist as it stood when drawn
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reviewed')),
    drawn_at     TIMESTAMP NOT NULL,
    UNIQUE (plan_id, contact_id)
);
CREATE INDEX qa_samples_plan ON qa_samples (plan_id, period);
CREATE INDEX qa_samples_owner ON qa_samples (owner_id, status, drawn_at);

CREATE TABLE qa_reviews (
    id              TEXT PRIMARY KEY,
    sample_id       TEXT NOT NULL REFERENCES qa_samples (id),
    reviewer_id     TEXT NOT NULL,
    reviewer_org    TEXT NOT NULL,
    lender_id       TEXT NOT NULL,
    agency_id       TEXT NOT NULL,
    collector_id    TEXT NOT NULL,
    contact_at      TIMESTAMP NOT NULL,
    is_primary      BOOLEAN NOT NULL,           -- the sample's first review; later ones calibrate
    items           TEXT NOT NULL,
    score           DOUBLE PRECISION NULL,
    critical_failed BOOLEAN NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (sample_id, reviewer_id)
);
CREATE INDEX qa_reviews_agency ON qa_reviews (lender_id, agency_id, contact_at);

CREATE TABLE qa_findings (
    id           TEXT PRIMARY KEY,
    review_id    TEXT NOT NULL REFERENCES qa_reviews (id),
    sample_id    TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    lender_id    TEXT NOT NULL,
    agency_id    TEXT NOT NULL,
    collector_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    item         TEXT NOT NULL,
    critical     BOOLEAN NOT NULL,
    breach_id    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    answer       TEXT NOT NULL DEFAULT '',
    answered_by  TEXT NOT NULL DEFAULT '',
    answered_at  TIMESTAMP NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX qa_findings_agency ON qa_findings (agency_id, status, created_at);
CREATE INDEX qa_findings_lender ON qa_findings (lender_id, created_at);
CREATE INDEX qa_findings_review ON qa_findings (review_id);

ALTER TABLE agency_month_stats ADD COLUMN calls_to_record BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN recordings_missing BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN qa_reviews BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN qa_score_tenths BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN qa_critical_failures BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE agency_month_stats DROP COLUMN qa_critical_failures;
ALTER TABLE agency_month_stats DROP COLUMN qa_score_tenths;
ALTER TABLE agency_month_stats DROP COLUMN qa_reviews;
ALTER TABLE agency_month_stats DROP COLUMN recordings_missing;
ALTER TABLE agency_month_stats DROP COLUMN calls_to_record;
DROP TABLE qa_findings;
DROP TABLE qa_reviews;
DROP TABLE qa_samples;
DROP TABLE qa_draws;
DROP TABLE qa_plans;
DROP TABLE qa_checklists;
DROP TABLE attachments;
DROP INDEX contacts_call_id;
ALTER TABLE contacts DROP COLUMN recording_sha256;
ALTER TABLE contacts DROP COLUMN call_id;
