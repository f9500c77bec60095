-- Contacts per lender × agency × collector × UTC calendar day, kept by the
-- database in every write's transaction. The roster's contact share (the
-- share of an agency's contacts of the last 90 days made by compliant
-- collectors, on /oversight, the agency page and evaluations) grouped the
-- contacts table itself: at 10,000,000 contacts that read millions of rows
-- on every visit. SQLite version (row triggers);
-- migrations/postgres/00031_contact_day_counts.sql is PostgreSQL's.

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
SELECT agency_id, date(at), collector_id, lender_id, COUNT(*) FROM contacts
GROUP BY agency_id, date(at), collector_id, lender_id;

-- +goose StatementBegin
CREATE TRIGGER contact_day_counts_insert AFTER INSERT ON contacts
BEGIN
    INSERT INTO contact_day_counts (agency_id, day, collector_id, lender_id, contacts)
    VALUES (NEW.agency_id, date(NEW.at), NEW.collector_id, NEW.lender_id, 1)
    ON CONFLICT (agency_id, day, collector_id, lender_id) DO UPDATE SET contacts = contact_day_counts.contacts + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contact_day_counts_delete AFTER DELETE ON contacts
BEGIN
    UPDATE contact_day_counts SET contacts = contacts - 1
    WHERE agency_id = OLD.agency_id AND day = date(OLD.at) AND collector_id = OLD.collector_id AND lender_id = OLD.lender_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contact_day_counts_update AFTER UPDATE OF agency_id, at, collector_id, lender_id ON contacts
BEGIN
    UPDATE contact_day_counts SET contacts = contacts - 1
    WHERE agency_id = OLD.agency_id AND day = date(OLD.at) AND collector_id = OLD.collector_id AND lender_id = OLD.lender_id;
    INSERT INTO contact_day_counts (agency_id, day, collector_id, lender_id, contacts)
    VALUES (NEW.agency_id, date(NEW.at), NEW.collector_id, NEW.lender_id, 1)
    ON CONFLICT (agency_id, day, collector_id, lender_id) DO UPDATE SET contacts = contact_day_counts.contacts + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER contact_day_counts_update;
DROP TRIGGER contact_day_counts_delete;
DROP TRIGGER contact_day_counts_insert;
DROP TABLE contact_day_counts;
