-- accounts.agency_id is the agency of the account's active placement now
-- (NULL when it has none), so an agency's account list and the list's agency
-- filter read one indexed column instead of probing placements row by row.
-- A trigger on placements keeps it true whatever writes them (the product's
-- transitions, the plan commit's bulk insert, the expiry sweeps).
-- PostgreSQL version; migrations/sqlite/00027_account_agency.sql is SQLite's.

-- +goose Up
ALTER TABLE accounts ADD COLUMN agency_id TEXT NULL;

UPDATE accounts SET agency_id = p.agency_id
FROM placements p WHERE p.account_id = accounts.id AND p.status = 'active';

CREATE INDEX accounts_agency_dpd ON accounts (agency_id, dpd);

-- +goose StatementBegin
CREATE FUNCTION placements_account_agency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'active' THEN
            UPDATE accounts SET agency_id = NEW.agency_id WHERE id = NEW.account_id;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'active' OR NEW.status = 'active' THEN
            UPDATE accounts SET agency_id = (
                SELECT p.agency_id FROM placements p WHERE p.account_id = accounts.id AND p.status = 'active')
            WHERE id IN (OLD.account_id, NEW.account_id);
        END IF;
    ELSIF OLD.status = 'active' THEN
        UPDATE accounts SET agency_id = NULL WHERE id = OLD.account_id AND agency_id = OLD.agency_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER placements_account_agency_insert AFTER INSERT ON placements
FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION placements_account_agency();

CREATE TRIGGER placements_account_agency_update AFTER UPDATE OF status, agency_id, account_id ON placements
FOR EACH ROW WHEN (OLD.status = 'active' OR NEW.status = 'active') EXECUTE FUNCTION placements_account_agency();

CREATE TRIGGER placements_account_agency_delete AFTER DELETE ON placements
FOR EACH ROW WHEN (OLD.status = 'active') EXECUTE FUNCTION placements_account_agency();

-- +goose Down
DROP TRIGGER placements_account_agency_delete ON placements;
DROP TRIGGER placements_account_agency_update ON placements;
DROP TRIGGER placements_account_agency_insert ON placements;
DROP FUNCTION placements_account_agency();
DROP INDEX accounts_agency_dpd;
ALTER TABLE accounts DROP COLUMN agency_id;
