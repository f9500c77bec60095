-- The placement list, newest first, read in that order from an index in
-- each scope instead of sorting every placement of the lender or agency
-- (1,000,000 at a book's size) on each visit. PostgreSQL version: its
-- planner has statistics and keeps using placements_account for one
-- account's placements; migrations/sqlite/00034_placements_newest.sql is
-- SQLite's.

-- +goose Up
CREATE INDEX placements_lender_newest ON placements (lender_id, created_at DESC, id DESC);
CREATE INDEX placements_agency_newest ON placements (agency_id, created_at DESC, id DESC);

-- +goose Down
DROP INDEX placements_agency_newest;
DROP INDEX placements_lender_newest;
