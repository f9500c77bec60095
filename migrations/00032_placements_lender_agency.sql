-- The agencies that hold or have held a lender's placements (the roster's
-- and the oversight page's scope for the lender's staff) were a DISTINCT
-- over every placement of the lender: 1,000,000 rows read on each visit.
-- With (lender_id, agency_id) they are read one agency at a time, by a
-- skip over this index (store.rosterAgencies).

-- +goose Up
CREATE INDEX placements_lender_agency ON placements (lender_id, agency_id);

-- +goose Down
DROP INDEX placements_lender_agency;
