-- The agencies that hold or have held each lender's placements, kept by the
-- database on every placement written. The roster's and the oversight
-- page's scope for a lender's staff was a DISTINCT over every placement of
-- the lender (1,000,000 rows on each visit); an index on placements
-- (lender_id, agency_id) would have served it but SQLite, without
-- statistics, then chose it for the many reads of one account's placements
-- in a lender's scope. SQLite version (a row trigger);
-- migrations/postgres/00032_lender_agencies.sql is PostgreSQL's.

-- +goose Up
CREATE TABLE lender_agencies (
    lender_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    PRIMARY KEY (lender_id, agency_id)
);

INSERT INTO lender_agencies (lender_id, agency_id)
SELECT DISTINCT lender_id, agency_id FROM placements;

-- +goose StatementBegin
CREATE TRIGGER lender_agencies_insert AFTER INSERT ON placements
BEGIN
    INSERT INTO lender_agencies (lender_id, agency_id) VALUES (NEW.lender_id, NEW.agency_id)
    ON CONFLICT (lender_id, agency_id) DO NOTHING;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER lender_agencies_update AFTER UPDATE OF lender_id, agency_id ON placements
BEGIN
    INSERT INTO lender_agencies (lender_id, agency_id) VALUES (NEW.lender_id, NEW.agency_id)
    ON CONFLICT (lender_id, agency_id) DO NOTHING;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER lender_agencies_update;
DROP TRIGGER lender_agencies_insert;
DROP TABLE lender_agencies;
