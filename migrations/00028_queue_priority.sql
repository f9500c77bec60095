-- The work queue in index order. accounts.priority_value keeps the
-- time-independent part of casework.Priority (casework.Value: the DPD curve
-- or the propensity score × balance, halved in legal), written by the store
-- whenever an input changes; -1, the default, means "not computed yet" and
-- sits in a small partial index that the store's refresh empties (the
-- store computes every row this migration adds right after it, since the
-- formula lives in Go, not SQL). A queue page is then a walk of one of the
-- indexes below, in (priority_value DESC, id) order; the time-dependent
-- tiers (an overdue next action, a promise falling due) are small indexed
-- sets read in front of it. The indexes are partial on open, assigned
-- accounts, so an import of unplaced accounts does not pay for them.
--
-- The follow-up list's "at risk" part walks the break scores from the top.

-- +goose Up
ALTER TABLE accounts ADD COLUMN priority_value DOUBLE PRECISION NOT NULL DEFAULT -1;
ALTER TABLE import_rows ADD COLUMN priority_value DOUBLE PRECISION NOT NULL DEFAULT -1;

CREATE INDEX accounts_priority_stale ON accounts (id) WHERE priority_value < 0;

CREATE INDEX accounts_queue_collector ON accounts (assigned_to, priority_value DESC, id)
    WHERE status = 'open' AND assigned_to <> '';
CREATE INDEX accounts_queue_collector_stage ON accounts (assigned_to, stage, priority_value DESC, id)
    WHERE status = 'open' AND assigned_to <> '';
CREATE INDEX accounts_queue_collector_bucket ON accounts (assigned_to, bucket, priority_value DESC, id, stage)
    WHERE status = 'open' AND assigned_to <> '';
CREATE INDEX accounts_next_action_collector ON accounts (assigned_to, next_action_at)
    WHERE status = 'open' AND assigned_to <> '' AND next_action_at IS NOT NULL;

CREATE INDEX account_scores_break ON account_scores (score) WHERE kind = 'arrangement_break';

-- +goose Down
DROP INDEX account_scores_break;
DROP INDEX accounts_next_action_collector;
DROP INDEX accounts_queue_collector_bucket;
DROP INDEX accounts_queue_collector_stage;
DROP INDEX accounts_queue_collector;
DROP INDEX accounts_priority_stale;
ALTER TABLE import_rows DROP COLUMN priority_value;
ALTER TABLE accounts DROP COLUMN priority_value;
