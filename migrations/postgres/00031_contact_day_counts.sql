-- Contacts per lender × agency × collector × UTC calendar day, kept by the
-- database in every write's transaction. The roster's contact share (the
-- share of an agency's contacts of the last 90 days made by compliant
-- collectors, on /oversight, the agency page and evaluations) grouped the
-- contacts table itself: at 10,000,000 contacts that read millions of rows
-- on every visit. PostgreSQL version: statement triggers over the
-- transition tables, so a bulk load (COPY) adds each day's count once;
-- contacts.at is UTC.

-- +goose Up
CREATE TABLE contact_day_counts (
    agency_id    TEXT NOT NULL,
    day          TEXT NOT NULL, -- YYYY-MM-DD, UTC
    collector_id TEXT NOT NULL,
    lender_id    TEXT NOT NULL,
    contacts     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_id, day, collector_id, lender_id)
);

INSERT INTO contact_day_counts (agency_id, day, collector_id, lender_id, contacts)
SELECT agency_id, to_char(at, 'YYYY-MM-DD'), collector_id, lender_id, COUNT(*) FROM contacts
GROUP BY agency_id, to_char(at, 'YYYY-MM-DD'), collector_id, lender_id;

-- +goose StatementBegin
CREATE FUNCTION contact_day_counts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE contact_day_counts c SET contacts = c.contacts - o.n
        FROM (SELECT agency_id, to_char(at, 'YYYY-MM-DD') AS day, collector_id, lender_id, COUNT(*) AS n
              FROM old_rows GROUP BY 1, 2, 3, 4) o
        WHERE c.agency_id = o.agency_id AND c.day = o.day AND c.collector_id = o.collector_id AND c.lender_id = o.lender_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO contact_day_counts (agency_id, day, collector_id, lender_id, contacts)
        SELECT agency_id, to_char(at, 'YYYY-MM-DD'), collector_id, lender_id, COUNT(*)
        FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (agency_id, day, collector_id, lender_id) DO UPDATE SET contacts = contact_day_counts.contacts + excluded.contacts;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER contact_day_counts_insert AFTER INSERT ON contacts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION contact_day_counts_rows();

CREATE TRIGGER contact_day_counts_update AFTER UPDATE ON contacts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION contact_day_counts_rows();

CREATE TRIGGER contact_day_counts_delete AFTER DELETE ON contacts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION contact_day_counts_rows();

-- +goose Down
DROP TRIGGER contact_day_counts_delete ON contacts;
DROP TRIGGER contact_day_counts_update ON contacts;
DROP TRIGGER contact_day_counts_insert ON contacts;
DROP FUNCTION contact_day_counts_rows();
DROP TABLE contact_day_counts;
