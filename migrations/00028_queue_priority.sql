-- The work queue in index order. accounts.priority_value keeps the
-- time-independent part of casework.Priority (casework.Value: the DPD curve
-- or the propensity score × balance, halved in legal), written by the store
-- whenever an input changes; -1, the default, means "not computed yet" and
-- sits in a small partial index that the store's refresh empties (the
-- store computes every row this migration adds right after it, since the
-- formula lives in Go, not SQL). A queue page is then a walk of one of the
-- indexes below, in (priority_value DESC, id) order; the time-dependent
-- tiers (an overdue next action, a promise falling due) are small indexed
-- sets read in front of it. The indexes are partial on open, placed (and
-- for a collector's, assigned) accounts, so an import of unplaced accounts
-- does not pay for them.
--
-- The follow-up list's "at risk" part walks the break scores from the top.

-- +goose Up
ALTER TABLE accounts ADD COLUMN priority_value DOUBLE PRECISION NOT NULL DEFAULT -1;
ALTER TABLE import_rows ADD COLUMN priority_value DOUBLE PRECISION NOT NULL DEFAULT -1;

CREATE INDEX accounts_priority_stale ON accounts (id) WHERE priority_value < 0;

-- A collector's queue: the accounts assigned to them and placed with their
-- agency now (accounts.agency_id, migration 00027).
CREATE INDEX accounts_queue_collector ON accounts (assigned_to, agency_id, priority_value DESC, id)
    WHERE status = 'open' AND agency_id IS NOT NULL AND assigned_to <> '';
CREATE INDEX accounts_queue_collector_stage ON accounts (assigned_to, agency_id, stage, priority_value DESC, id)
    WHERE status = 'open' AND agency_id IS NOT NULL AND assigned_to <> '';
CREATE INDEX accounts_queue_collector_bucket ON accounts (assigned_to, agency_id, bucket, priority_value DESC, id, stage)
    WHERE status = 'open' AND agency_id IS NOT NULL AND assigned_to <> '';
CREATE INDEX accounts_next_action_collector ON accounts (assigned_to, agency_id, next_action_at)
    WHERE status = 'open' AND agency_id IS NOT NULL AND assigned_to <> '' AND next_action_at IS NOT NULL;

-- A supervisor's: the agency's.
CREATE INDEX accounts_queue_agency ON accounts (agency_id, priority_value DESC, id)
    WHERE status = 'open' AND agency_id IS NOT NULL;
CREATE INDEX accounts_queue_agency_stage ON accounts (agency_id, stage, priority_value DESC, id)
    WHERE status = 'open' AND agency_id IS NOT NULL;
CREATE INDEX accounts_queue_agency_bucket ON accounts (agency_id, bucket, priority_value DESC, id, stage)
    WHERE status = 'open' AND agency_id IS NOT NULL;
CREATE INDEX accounts_next_action_agency ON accounts (agency_id, next_action_at)
    WHERE status = 'open' AND agency_id IS NOT NULL AND next_action_at IS NOT NULL;

CREATE INDEX account_scores_break ON account_scores (score DESC, account_id) WHERE kind = 'arrangement_break';

-- +goose Down
DROP INDEX account_scores_break;
DROP INDEX accounts_next_action_agency;
DROP INDEX accounts_queue_agency_bucket;
DROP INDEX accounts_queue_agency_stage;
DROP INDEX accounts_queue_agency;
DROP INDEX accounts_next_action_collector;
DROP INDEX accounts_queue_collector_bucket;
DROP INDEX accounts_queue_collector_stage;
DROP INDEX accounts_queue_collector;
DROP INDEX accounts_priority_stale;
ALTER TABLE import_rows DROP COLUMN priority_value;
ALTER TABLE accounts DROP COLUMN priority_value;
