-- The statement triggers of 00029 (account_counts) and 00030
-- (accounts.agency_id) joined the statement's old and new rows by id. A
-- PL/pgSQL function plans its statements once per session, at the first
-- call's row counts, so after a one-row update the plan was a nested loop
-- over two tuplestores without an index: an agency accepting 20,000 offers
-- of a plan ran for minutes, quadratic in the rows. Both are rewritten
-- without that join: the counters add every new row and subtract every old
-- one (rows that did not move cancel out, and groups whose sum is zero are
-- not written); the agency is recomputed for the accounts of any active
-- placement before or after, and written only where it differs, by
-- statements planned at each call (EXECUTE).

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION account_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    SELECT lender_id, portfolio_id, agency_id, bucket, stage, SUM(n), SUM(b) FROM (
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, -1 AS n, -r.balance_cents AS b FROM old_rows r
        UNION ALL
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, 1 AS n, r.balance_cents AS b FROM new_rows r
    ) d
    GROUP BY lender_id, portfolio_id, agency_id, bucket, stage
    HAVING SUM(n) <> 0 OR SUM(b) <> 0
    ORDER BY lender_id, portfolio_id, agency_id, bucket, stage
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION placements_account_agency_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- EXECUTE: planned at each call with the statement's row counts, not
    -- once per session. And each account's active placement is looked up
    -- by its account (status || '' keeps the status index out): after a
    -- plan's commit the statistics say no placement is active, and the
    -- planner read every active placement per account through the status
    -- index, quadratic in an agency's accept of a whole plan.
    IF TG_OP = 'INSERT' THEN
        EXECUTE 'UPDATE accounts a SET agency_id = n.agency_id
            FROM new_rows n
            WHERE n.status = ''active'' AND a.id = n.account_id AND a.agency_id IS DISTINCT FROM n.agency_id';
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE 'UPDATE accounts a SET agency_id = c.agency_id
            FROM (SELECT t.account_id,
                         (SELECT p.agency_id FROM placements p WHERE p.account_id = t.account_id AND p.status || '''' = ''active'' LIMIT 1) AS agency_id
                  FROM (SELECT account_id FROM old_rows WHERE status = ''active''
                        UNION
                        SELECT account_id FROM new_rows WHERE status = ''active'') t) c
            WHERE a.id = c.account_id AND a.agency_id IS DISTINCT FROM c.agency_id';
    ELSE
        EXECUTE 'UPDATE accounts a SET agency_id = NULL
            FROM old_rows o
            WHERE o.status = ''active'' AND a.id = o.account_id AND a.agency_id = o.agency_id';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION account_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
    SELECT lender_id, portfolio_id, agency_id, bucket, stage, SUM(n), SUM(b) FROM (
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, -1 AS n, -r.balance_cents AS b FROM old_rows r JOIN new_rows x ON x.id = r.id
        WHERE (r.lender_id, r.portfolio_id, r.agency_id, r.bucket, r.stage, r.balance_cents)
        IS DISTINCT FROM (x.lender_id, x.portfolio_id, x.agency_id, x.bucket, x.stage, x.balance_cents)
        UNION ALL
        SELECT r.lender_id, r.portfolio_id, COALESCE(r.agency_id, '') AS agency_id, r.bucket, r.stage, 1 AS n, r.balance_cents AS b FROM new_rows r JOIN old_rows x ON x.id = r.id
        WHERE (r.lender_id, r.portfolio_id, r.agency_id, r.bucket, r.stage, r.balance_cents)
        IS DISTINCT FROM (x.lender_id, x.portfolio_id, x.agency_id, x.bucket, x.stage, x.balance_cents)
    ) d
    GROUP BY lender_id, portfolio_id, agency_id, bucket, stage
    ORDER BY lender_id, portfolio_id, agency_id, bucket, stage
    ON CONFLICT (lender_id, portfolio_id, agency_id, bucket, stage) DO UPDATE SET
        accounts = account_counts.accounts + excluded.accounts, balance_cents = account_counts.balance_cents + excluded.balance_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION placements_account_agency_rows() RETURNS trigger LANGUAGE plpgsql AS $$
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
