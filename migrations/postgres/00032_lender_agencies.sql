-- The agencies that hold or have held each lender's placements, kept by the
-- database on every placement written. The roster's and the oversight
-- page's scope for a lender's staff was a DISTINCT over every placement of
-- the lender (1,000,000 rows on each visit). PostgreSQL version: a
-- statement trigger over the new rows, so a plan's commit adds each pair
-- once.

-- +goose Up
CREATE TABLE lender_agencies (
    lender_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    PRIMARY KEY (lender_id, agency_id)
);

INSERT INTO lender_agencies (lender_id, agency_id)
SELECT DISTINCT lender_id, agency_id FROM placements;

-- +goose StatementBegin
CREATE FUNCTION lender_agencies_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lender_agencies (lender_id, agency_id)
    SELECT DISTINCT lender_id, agency_id FROM new_rows ORDER BY 1, 2
    ON CONFLICT (lender_id, agency_id) DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER lender_agencies_insert AFTER INSERT ON placements
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION lender_agencies_rows();

CREATE TRIGGER lender_agencies_update AFTER UPDATE ON placements
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION lender_agencies_rows();

-- +goose Down
DROP TRIGGER lender_agencies_update ON placements;
DROP TRIGGER lender_agencies_insert ON placements;
DROP FUNCTION lender_agencies_rows();
DROP TABLE lender_agencies;
