-- The placement list, newest first, read in that order from an index
-- instead of sorting every placement of the lender or agency (1,000,000 at
-- a book's size) on each visit. SQLite version: one index on the order
-- alone, walked with the scope checked on the way (store.ListPlacements
-- names it); an index led by lender_id or agency_id would be chosen by
-- SQLite, which has no statistics here, for one account's placements in a
-- lender's scope (see 00032). migrations/postgres/00034_placements_newest.sql
-- is PostgreSQL's.

-- +goose Up
CREATE INDEX placements_newest ON placements (created_at DESC, id DESC);

-- +goose Down
DROP INDEX placements_newest;
