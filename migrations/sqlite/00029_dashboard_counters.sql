-- The dashboard's counters, kept by the database itself. The dashboard
-- summed the whole scope with GROUP BY (29-37 s for a vendor manager at
-- 1,000,000 accounts); account_counts holds the count and balance of
-- accounts per lender × portfolio × current agency ('' when no placement is
-- active: accounts.agency_id, 00027) × bucket × stage, and audit_counts the
-- audit events per organisation × lender. Triggers keep both in the
-- transaction of every write, whichever code writes (imports, plans,
-- payments, the daily roll, a hand-run UPDATE), so they are never stale.
-- audit_checks keeps the last verification of the audit chain, which the
-- dashboard shows with its time instead of walking the chain on every
-- visit. SQLite version (row triggers: one writer, so the order in which
-- counter rows are taken does not matter);
-- migrations/postgres/00029_dashboard_counters.sql is PostgreSQL's.

-- +goose Up
CREATE TABLE account_counts (
    lender_id     TEXT NOT NULL,
    portfolio_id  TEXT NOT NULL,
    agency_id     TEXT NOT NULL,
    bucket        TEXT NOT NULL,
    stage         TEXT NOT NULL,
    accounts      BIGINT NOT NULL DEFAULT 0,
    balance_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (lender_id, portfolio_id, agency_id, bucket, stage)
);
CREATE INDEX account_counts_agency ON account_counts (agency_id);

CREATE TABLE audit_counts (
    organisation_id TEXT NOT NULL,
    lender_id       TEXT NOT NULL,
    events          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, lender_id)
);
CREATE INDEX audit_counts_lender ON audit_counts (lender_id);

CREATE TABLE audit_checks (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    ok         BOOLEAN NOT NULL,
    events     BIGINT NOT NULL,
    report     TEXT NOT NULL,
    checked_at TIMESTAMP NOT NULL
);

INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
SELECT lender_id, portfolio_id, COALESCE(agency_id, ''), bucket, stage, COUNT(*), SUM(balance_cents)
FROM accounts GROUP BY lender_id, portfolio_id, COALESCE(agency_id, ''), bucket, stage;

INSERT INTO audit_counts (organisation_id, lender_id, events)
SELECT organisation_id, lender_id, COUNT(*) FROM audit_events GROUP BY organisation_id, lender_id;

-- +goose StatementBegin
CREATE TRIGGER account_counts_insert AFTER INSERT ON accounts
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    VALUES (NEW.lender_id, NEW.portfolio_id, COALESCE(NEW.agency_id, ''), NEW.bucket, NEW.stage, 1, NEW.balance_cents)
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER account_counts_update AFTER UPDATE OF lender_id, portfolio_id, agency_id, bucket, stage, balance_cents ON accounts
WHEN OLD.lender_id IS NOT NEW.lender_id OR OLD.portfolio_id IS NOT NEW.portfolio_id OR OLD.agency_id IS NOT NEW.agency_id
  OR OLD.bucket IS NOT NEW.bucket OR OLD.stage IS NOT NEW.stage OR OLD.balance_cents IS NOT NEW.balance_cents
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    VALUES (OLD.lender_id, OLD.portfolio_id, COALESCE(OLD.agency_id, ''), OLD.bucket, OLD.stage, -1, -OLD.balance_cents)
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    VALUES (NEW.lender_id, NEW.portfolio_id, COALESCE(NEW.agency_id, ''), NEW.bucket, NEW.stage, 1, NEW.balance_cents)
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER account_counts_delete AFTER DELETE ON accounts
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    VALUES (OLD.lender_id, OLD.portfolio_id, COALESCE(OLD.agency_id, ''), OLD.bucket, OLD.stage, -1, -OLD.balance_cents)
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_events
BEGIN
    INSERT INTO audit_counts (organisation_id, lender_id, events) VALUES (NEW.organisation_id, NEW.lender_id, 1)
    ON CONFLICT (organisation_id, lender_id) DO UPDATE SET events = audit_counts.events + excluded.events;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_counts_delete AFTER DELETE ON audit_events
BEGIN
    INSERT INTO audit_counts (organisation_id, lender_id, events) VALUES (OLD.organisation_id, OLD.lender_id, -1)
    ON CONFLICT (organisation_id, lender_id) DO UPDATE SET events = audit_counts.events + excluded.events;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_counts_delete;
DROP TRIGGER audit_counts_insert;
DROP TRIGGER account_counts_delete;
DROP TRIGGER account_counts_update;
DROP TRIGGER account_counts_insert;
DROP TABLE audit_checks;
DROP TABLE audit_counts;
DROP TABLE account_counts;
