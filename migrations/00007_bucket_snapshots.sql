-- Each account's delinquency bucket at the start of each month, so roll and
-- cure rates compare the same accounts between two dates.

-- +goose Up
CREATE TABLE bucket_snapshots (
    month      TEXT NOT NULL,
    account_id TEXT NOT NULL,
    lender_id  TEXT NOT NULL,
    agency_id  TEXT NOT NULL DEFAULT '',
    bucket     TEXT NOT NULL,
    PRIMARY KEY (month, account_id)
);
CREATE INDEX bucket_snapshots_lender ON bucket_snapshots (lender_id, month);

-- +goose Down
DROP TABLE bucket_snapshots;
