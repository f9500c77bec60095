-- Oversight figures are read from counters kept current as events happen
-- (placements, contacts, payments, promises, complaints, breaches), one row
-- per lender, agency and month, so they answer in milliseconds however many
-- accounts and contacts there are. Placed balance and the recoveries on it
-- are counted by the placement's month (its vintage); everything else by
-- the month it happened. `portal stats rebuild` recomputes them from the
-- events.

-- +goose Up
CREATE TABLE agency_month_stats (
    lender_id              TEXT NOT NULL,
    agency_id              TEXT NOT NULL,
    month                  TEXT NOT NULL,
    placed_accounts        BIGINT NOT NULL DEFAULT 0,
    placed_balance_cents   BIGINT NOT NULL DEFAULT 0,
    vintage_recovered_cents BIGINT NOT NULL DEFAULT 0,
    recovered_cents        BIGINT NOT NULL DEFAULT 0,
    contact_attempts       BIGINT NOT NULL DEFAULT 0,
    right_party_contacts   BIGINT NOT NULL DEFAULT 0,
    promises               BIGINT NOT NULL DEFAULT 0,
    promises_due           BIGINT NOT NULL DEFAULT 0,
    promises_kept          BIGINT NOT NULL DEFAULT 0,
    complaints             BIGINT NOT NULL DEFAULT 0,
    accounts_worked        BIGINT NOT NULL DEFAULT 0,
    breaches               BIGINT NOT NULL DEFAULT 0,
    commission_cents       BIGINT NOT NULL DEFAULT 0,
    legal_costs_cents      BIGINT NOT NULL DEFAULT 0,
    first_contact_days_sum BIGINT NOT NULL DEFAULT 0,
    first_contact_count    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (lender_id, agency_id, month)
);

CREATE TABLE account_month_worked (
    account_id TEXT NOT NULL,
    agency_id  TEXT NOT NULL,
    month      TEXT NOT NULL,
    PRIMARY KEY (account_id, agency_id, month)
);

ALTER TABLE arrangement_instalments ADD COLUMN counted BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
DROP TABLE account_month_worked;
DROP TABLE agency_month_stats;
