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

-- The account list (ListAccounts): every scope (lender_id, or agency_id for
-- an agency) with every offered sort, and with the portfolio and stage
-- filters in the default order (dpd), each ending in id, so a page is one
-- walk and the next a keyset seek. A bucket is a range of dpd, read in
-- (scope, dpd). Names and
-- references sort and match by prefix bytewise (COLLATE "C"), so one index
-- serves both.
DROP INDEX accounts_lender_dpd;
DROP INDEX accounts_portfolio;
CREATE INDEX accounts_lender_dpd ON accounts (lender_id, dpd, id);
CREATE INDEX accounts_lender_balance ON accounts (lender_id, balance_cents, id);
CREATE INDEX accounts_lender_name ON accounts (lender_id, debtor_name COLLATE "C", id);
CREATE INDEX accounts_lender_ref ON accounts (lender_id, external_ref COLLATE "C", id);
CREATE INDEX accounts_lender_stage ON accounts (lender_id, stage, dpd, id);
CREATE INDEX accounts_lender_agency ON accounts (lender_id, agency_id, dpd, id);
CREATE INDEX accounts_portfolio_dpd ON accounts (portfolio_id, dpd, id);
-- The agency indexes hold placed accounts only (partial on agency_id IS NOT
-- NULL): an import of unplaced accounts writes none of their entries, and a
-- query on agency_id = ? implies the condition, so the planner uses them.
CREATE INDEX accounts_agency_dpd ON accounts (agency_id, dpd, id) WHERE agency_id IS NOT NULL;
CREATE INDEX accounts_agency_balance ON accounts (agency_id, balance_cents, id) WHERE agency_id IS NOT NULL;
CREATE INDEX accounts_agency_name ON accounts (agency_id, debtor_name COLLATE "C", id) WHERE agency_id IS NOT NULL;
CREATE INDEX accounts_agency_ref ON accounts (agency_id, external_ref COLLATE "C", id) WHERE agency_id IS NOT NULL;
CREATE INDEX accounts_agency_stage ON accounts (agency_id, stage, dpd, id) WHERE agency_id IS NOT NULL;

-- Search by national ID number or phone goes through a keyed hash
-- (HMAC-SHA256 under the install's key in search_key, truncated to 128
-- bits, hex), never the raw number. The store fills them on every write
-- path and backfills NULLs when it migrates; staging and undo carry them.
CREATE TABLE search_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
);
ALTER TABLE accounts ADD COLUMN national_id_key TEXT NULL;
ALTER TABLE accounts ADD COLUMN phone_key TEXT NULL;
CREATE INDEX accounts_national_id_key ON accounts (national_id_key);
CREATE INDEX accounts_phone_key ON accounts (phone_key);
ALTER TABLE import_rows ADD COLUMN national_id_key TEXT NULL;
ALTER TABLE import_rows ADD COLUMN phone_key TEXT NULL;
ALTER TABLE import_undo ADD COLUMN national_id_key TEXT NULL;
ALTER TABLE import_undo ADD COLUMN phone_key TEXT NULL;

-- +goose StatementBegin
CREATE FUNCTION placements_account_agency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'active' THEN
            -- A writer that set the column already (BulkLoadBook) costs no new row version.
            UPDATE accounts SET agency_id = NEW.agency_id WHERE id = NEW.account_id AND agency_id IS DISTINCT FROM NEW.agency_id;
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
ALTER TABLE import_undo DROP COLUMN phone_key;
ALTER TABLE import_undo DROP COLUMN national_id_key;
ALTER TABLE import_rows DROP COLUMN phone_key;
ALTER TABLE import_rows DROP COLUMN national_id_key;
DROP INDEX accounts_phone_key;
DROP INDEX accounts_national_id_key;
ALTER TABLE accounts DROP COLUMN phone_key;
ALTER TABLE accounts DROP COLUMN national_id_key;
DROP TABLE search_key;
DROP INDEX accounts_agency_stage;
DROP INDEX accounts_agency_ref;
DROP INDEX accounts_agency_name;
DROP INDEX accounts_agency_balance;
DROP INDEX accounts_agency_dpd;
DROP INDEX accounts_portfolio_dpd;
DROP INDEX accounts_lender_agency;
DROP INDEX accounts_lender_stage;
DROP INDEX accounts_lender_ref;
DROP INDEX accounts_lender_name;
DROP INDEX accounts_lender_balance;
DROP INDEX accounts_lender_dpd;
CREATE INDEX accounts_portfolio ON accounts (portfolio_id);
CREATE INDEX accounts_lender_dpd ON accounts (lender_id, dpd);
ALTER TABLE accounts DROP COLUMN agency_id;
