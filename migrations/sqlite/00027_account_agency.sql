-- accounts.agency_id is the agency of the account's active placement now
-- (NULL when it has none), so an agency's account list and the list's agency
-- filter read one indexed column instead of probing placements row by row.
-- Triggers on placements keep it true whatever writes them (the product's
-- transitions, the plan commit's bulk insert, the expiry sweeps). SQLite
-- version; migrations/postgres/00027_account_agency.sql is PostgreSQL's.

-- +goose Up
ALTER TABLE accounts ADD COLUMN agency_id TEXT NULL;

UPDATE accounts SET agency_id = (
    SELECT p.agency_id FROM placements p WHERE p.account_id = accounts.id AND p.status = 'active');

CREATE INDEX accounts_agency_dpd ON accounts (agency_id, dpd);

-- +goose StatementBegin
CREATE TRIGGER placements_account_agency_insert AFTER INSERT ON placements
FOR EACH ROW WHEN NEW.status = 'active'
BEGIN
    UPDATE accounts SET agency_id = NEW.agency_id WHERE id = NEW.account_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER placements_account_agency_update AFTER UPDATE OF status, agency_id, account_id ON placements
FOR EACH ROW WHEN OLD.status = 'active' OR NEW.status = 'active'
BEGIN
    UPDATE accounts SET agency_id = (
        SELECT p.agency_id FROM placements p WHERE p.account_id = accounts.id AND p.status = 'active')
    WHERE id IN (OLD.account_id, NEW.account_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER placements_account_agency_delete AFTER DELETE ON placements
FOR EACH ROW WHEN OLD.status = 'active'
BEGIN
    UPDATE accounts SET agency_id = NULL WHERE id = OLD.account_id AND agency_id = OLD.agency_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER placements_account_agency_delete;
DROP TRIGGER placements_account_agency_update;
DROP TRIGGER placements_account_agency_insert;
DROP INDEX accounts_agency_dpd;
ALTER TABLE accounts DROP COLUMN agency_id;
