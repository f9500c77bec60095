-- Scores are derived data, rewritten page by page for every open account
-- of a lender at each scoring, and accounts are never deleted. The foreign
-- key on account_id cost a parent lookup per score written (on PostgreSQL
-- also a KEY SHARE lock on, and so a write to, every account row): it
-- doubled the time to write 100,000 scores (1.13 s against 0.58 s, measured
-- on PostgreSQL). The table is rebuilt without it, the same SQL on both
-- databases (SQLite cannot drop a constraint).

-- +goose Up
CREATE TABLE account_scores_new (
    account_id     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('propensity', 'arrangement_break')),
    lender_id      TEXT NOT NULL,
    arrangement_id TEXT NOT NULL DEFAULT '',
    score          DOUBLE PRECISION NOT NULL,
    band           TEXT NOT NULL DEFAULT '',
    reasons        TEXT NOT NULL DEFAULT '[]',
    model_id       TEXT NOT NULL,
    scored_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, kind)
);
INSERT INTO account_scores_new SELECT account_id, kind, lender_id, arrangement_id, score, band, reasons, model_id, scored_at FROM account_scores;
DROP TABLE account_scores;
ALTER TABLE account_scores_new RENAME TO account_scores;

-- +goose Down
CREATE TABLE account_scores_old (
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    kind           TEXT NOT NULL CHECK (kind IN ('propensity', 'arrangement_break')),
    lender_id      TEXT NOT NULL,
    arrangement_id TEXT NOT NULL DEFAULT '',
    score          DOUBLE PRECISION NOT NULL,
    band           TEXT NOT NULL DEFAULT '',
    reasons        TEXT NOT NULL DEFAULT '[]',
    model_id       TEXT NOT NULL,
    scored_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, kind)
);
INSERT INTO account_scores_old SELECT account_id, kind, lender_id, arrangement_id, score, band, reasons, model_id, scored_at FROM account_scores;
DROP TABLE account_scores;
ALTER TABLE account_scores_old RENAME TO account_scores;
