-- What legal action actually costs (court and lawyer fees, other costs), as
-- incurred: cost to collect counts them with the commission, in the month
-- they were incurred, on the agency that held the case.

-- +goose Up
CREATE TABLE legal_costs (
    id            TEXT PRIMARY KEY,
    legal_case_id TEXT NOT NULL REFERENCES legal_cases (id),
    lender_id     TEXT NOT NULL,
    agency_id     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('court_fee', 'lawyer_fee', 'other')),
    amount_cents  BIGINT NOT NULL CHECK (amount_cents > 0),
    incurred_on   TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX legal_costs_case ON legal_costs (legal_case_id);

-- +goose Down
DROP TABLE legal_costs;
