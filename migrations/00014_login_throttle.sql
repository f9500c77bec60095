-- Failed-login counts live in the database, not in each process: several
-- portal processes behind one load balancer share them, and the counting is
-- one atomic statement, so concurrent attempts cannot all pass the check
-- before any failure is counted. One row per key ("acct:<email>" or
-- "addr:<ip>"), a fixed window that restarts when it has passed.

-- +goose Up
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     INTEGER NOT NULL
);

-- +goose Down
DROP TABLE login_throttle;
