-- Imports in phases, so a long import never holds SQLite's write lock for
-- long: rows are read and validated outside any write transaction and
-- staged (import_rows) in short batch transactions, then applied to
-- accounts in short batches; on SQLite each applied batch first saves the
-- accounts it is about to update (import_undo), so a failed or interrupted
-- import can be undone, by the importer or, after a crash, by recovery.
-- heartbeat_at is touched every few seconds while an import runs; an import
-- still running with an old heartbeat was interrupted. runner names the
-- process (or recovery) that owns the import: every batch checks it, so an
-- importer that lost its import to recovery stops writing. phase is
-- '' (nothing staged), 'staging', 'applying' or 'cleanup' (finished, its
-- staging rows still to delete).

-- +goose Up
ALTER TABLE imports ADD COLUMN heartbeat_at TIMESTAMP NULL;
ALTER TABLE imports ADD COLUMN runner TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN phase TEXT NOT NULL DEFAULT '';
UPDATE imports SET heartbeat_at = created_at;
CREATE INDEX imports_status_heartbeat ON imports (status, heartbeat_at);

CREATE TABLE import_rows (
    import_id               TEXT NOT NULL,
    seq                     INTEGER NOT NULL,
    id                      TEXT NOT NULL,   -- the account's id if the row makes a new account
    external_ref            TEXT NOT NULL,
    debtor_name             TEXT NOT NULL,
    national_id             TEXT NOT NULL,
    phone                   TEXT NOT NULL,
    emergency_contact_phone TEXT NOT NULL,
    province                TEXT NOT NULL,
    principal_cents         BIGINT NOT NULL,
    balance_cents           BIGINT NOT NULL,
    currency                TEXT NOT NULL,
    due_date                TEXT NOT NULL,
    dpd                     INTEGER NOT NULL,
    bucket                  TEXT NOT NULL,
    last_payment_date       TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_undo (
    import_id               TEXT NOT NULL,
    seq                     INTEGER NOT NULL, -- the staged row that updated the account
    account_id              TEXT NOT NULL,
    portfolio_id            TEXT NOT NULL,
    debtor_name             TEXT NOT NULL,
    national_id             TEXT NOT NULL,
    phone                   TEXT NOT NULL,
    emergency_contact_phone TEXT NOT NULL,
    province                TEXT NOT NULL,
    principal_cents         BIGINT NOT NULL,
    balance_cents           BIGINT NOT NULL,
    currency                TEXT NOT NULL,
    due_date                TEXT NOT NULL,
    dpd                     INTEGER NOT NULL,
    bucket                  TEXT NOT NULL,
    last_payment_date       TEXT NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- +goose Down
DROP TABLE import_undo;
DROP TABLE import_rows;
DROP INDEX imports_status_heartbeat;
ALTER TABLE imports DROP COLUMN phase;
ALTER TABLE imports DROP COLUMN runner;
ALTER TABLE imports DROP COLUMN heartbeat_at;
