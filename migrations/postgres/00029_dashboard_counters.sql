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
-- visit. PostgreSQL version: statement triggers with transition tables, so
-- a COPY of 20,000 accounts or the daily roll's UPDATE of a whole book adds
-- its deltas in one grouped upsert, not one per row; the upsert takes the
-- counter rows in key order, so two writers moving accounts between the
-- same rows cannot deadlock within a statement. (PostgreSQL allows no
-- column list on a trigger with transition tables: every UPDATE of
-- accounts runs it, and the join keeps only rows whose counted columns
-- changed.) migrations/sqlite/00029_dashboard_counters.sql is SQLite's.

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
CREATE FUNCTION account_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    SELECT lender_id, portfolio_id, agency_id, bucket, stage, SUM(n), SUM(b) FROM (
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, 1 AS n, r.balance_cents AS b FROM new_rows r
    ) d
    GROUP BY lender_id, portfolio_id, agency_id, bucket, stage
    ORDER BY lender_id, portfolio_id, agency_id, bucket, stage
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION account_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    SELECT lender_id, portfolio_id, agency_id, bucket, stage, SUM(n), SUM(b) FROM (
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, -1 AS n, -r.balance_cents AS b FROM old_rows r JOIN new_rows x ON x.id = r.id
        WHERE (r.lender_id, r.portfolio_id, r.agency_id, r.bucket, r.stage, r.balance_cents)
        IS DISTINCT FROM (x.lender_id, x.portfolio_id, x.agency_id, x.bucket, x.stage, x.balance_cents)
        UNION ALL
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, 1 AS n, r.balance_cents AS b FROM new_rows r JOIN old_rows x ON x.id = r.id
        WHERE (r.lender_id, r.portfolio_id, r.agency_id, r.bucket, r.stage, r.balance_cents)
        IS DISTINCT FROM (x.lender_id, x.portfolio_id, x.agency_id, x.bucket, x.stage, x.balance_cents)
    ) d
    GROUP BY lender_id, portfolio_id, agency_id, bucket, stage
    ORDER BY lender_id, portfolio_id, agency_id, bucket, stage
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION account_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    SELECT lender_id, portfolio_id, agency_id, bucket, stage, SUM(n), SUM(b) FROM (
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, -1 AS n, -r.balance_cents AS b FROM old_rows r
    ) d
    GROUP BY lender_id, portfolio_id, agency_id, bucket, stage
    ORDER BY lender_id, portfolio_id, agency_id, bucket, stage
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_counts (organisation_id, lender_id, events)
    SELECT organisation_id, lender_id, COUNT(*) FROM new_rows GROUP BY organisation_id, lender_id ORDER BY organisation_id, lender_id
    ON CONFLICT (organisation_id, lender_id) DO UPDATE SET events = audit_counts.events + excluded.events;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_counts (organisation_id, lender_id, events)
    SELECT organisation_id, lender_id, -COUNT(*) FROM old_rows GROUP BY organisation_id, lender_id ORDER BY organisation_id, lender_id
    ON CONFLICT (organisation_id, lender_id) DO UPDATE SET events = audit_counts.events + excluded.events;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER account_counts_insert AFTER INSERT ON accounts
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_insert();
CREATE TRIGGER account_counts_update AFTER UPDATE ON accounts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_update();
CREATE TRIGGER account_counts_delete AFTER DELETE ON accounts
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_delete();
CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_events
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_counts_insert();
CREATE TRIGGER audit_counts_delete AFTER DELETE ON audit_events
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_counts_delete();

-- +goose Down
DROP TRIGGER audit_counts_delete ON audit_events;
DROP TRIGGER audit_counts_insert ON audit_events;
DROP TRIGGER account_counts_delete ON accounts;
DROP TRIGGER account_counts_update ON accounts;
DROP TRIGGER account_counts_insert ON accounts;
DROP FUNCTION audit_counts_delete();
DROP FUNCTION audit_counts_insert();
DROP FUNCTION account_counts_delete();
DROP FUNCTION account_counts_update();
DROP FUNCTION account_counts_insert();
DROP TABLE audit_checks;
DROP TABLE audit_counts;
DROP TABLE account_counts;
