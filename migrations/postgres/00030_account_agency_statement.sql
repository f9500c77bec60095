-- accounts.agency_id (00027) kept by statement triggers on PostgreSQL: a
-- bulk write of placements (a plan's commit, an agency accepting a whole
-- plan, the expiry sweep) updates the accounts it touched in one grouped
-- UPDATE through the statement's transition tables, instead of one UPDATE
-- per placement (each of which fired the dashboard counters' trigger of
-- 00029 again). SQLite has no statement triggers and keeps 00027's row
-- triggers.

-- +goose Up
DROP TRIGGER placements_account_agency_insert ON placements;
DROP TRIGGER placements_account_agency_update ON placements;
DROP TRIGGER placements_account_agency_delete ON placements;

-- +goose StatementBegin
CREATE FUNCTION placements_account_agency_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE accounts a SET agency_id = n.agency_id
        FROM new_rows n
        WHERE n.status = 'active' AND a.id = n.account_id AND a.agency_id IS DISTINCT FROM n.agency_id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE accounts a SET agency_id = (
            SELECT p.agency_id FROM placements p WHERE p.account_id = a.id AND p.status = 'active' LIMIT 1)
        WHERE a.id IN (
            SELECT o.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status = 'active' OR n.status = 'active')
              AND (o.status <> n.status OR o.agency_id <> n.agency_id OR o.account_id <> n.account_id)
            UNION
            SELECT n.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status = 'active' OR n.status = 'active')
              AND (o.status <> n.status OR o.agency_id <> n.agency_id OR o.account_id <> n.account_id));
    ELSE
        UPDATE accounts a SET agency_id = NULL
        FROM old_rows o
        WHERE o.status = 'active' AND a.id = o.account_id AND a.agency_id = o.agency_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER placements_account_agency_insert AFTER INSERT ON placements
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION placements_account_agency_rows();

CREATE TRIGGER placements_account_agency_update AFTER UPDATE ON placements
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION placements_account_agency_rows();

CREATE TRIGGER placements_account_agency_delete AFTER DELETE ON placements
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION placements_account_agency_rows();

-- +goose Down
DROP TRIGGER placements_account_agency_delete ON placements;
DROP TRIGGER placements_account_agency_update ON placements;
DROP TRIGGER placements_account_agency_insert ON placements;
DROP FUNCTION placements_account_agency_rows();

CREATE TRIGGER placements_account_agency_insert AFTER INSERT ON placements
FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION placements_account_agency();

CREATE TRIGGER placements_account_agency_update AFTER UPDATE OF status, agency_id, account_id ON placements
FOR EACH ROW WHEN (OLD.status = 'active' OR NEW.status = 'active') EXECUTE FUNCTION placements_account_agency();

CREATE TRIGGER placements_account_agency_delete AFTER DELETE ON placements
FOR EACH ROW WHEN (OLD.status = 'active') EXECUTE FUNCTION placements_account_agency();
