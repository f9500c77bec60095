-- Money that reconciles (issue 17). A payment says who recorded it
-- (source), where the money went (channel) and where it stands (status): a
-- lender's payment is confirmed when recorded; an agency's is reported
-- until the lender's feed matches it or the lender confirms it, and only a
-- confirmed payment moves the balance and earns commission. Existing rows
-- were all taken at their word, so they are confirmed.
--
-- paid_on is the civil date in the payer's zone (the account's), the day
-- matching and attribution work in. linked_payment_id ties an agency's
-- report to the lender's own record of the same money (a feed row booked
-- before the report came in): the money counts once, on the lender's row.
-- accounts.reported_cents is the money agencies reported and the lender has
-- not yet confirmed or rejected, shown apart from the balance.
--
-- A contract carries the attribution rule (grace days after a placement
-- ends, and whether a promise secured before a recall still earns) and the
-- commission terms beyond the bucket fees (tiers by vintage liquidation,
-- bonuses and deductions per event, minimum and maximum per account) as
-- JSON; '' means the bucket fees only.
--
-- The schema lands ahead of the store code that uses it: until then every
-- payment is written as before and takes these defaults (confirmed, paid
-- to the lender or reported direct), so nothing reads differently.

-- +goose Up
ALTER TABLE payments ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('reported', 'confirmed', 'rejected'));
ALTER TABLE payments ADD COLUMN channel TEXT NOT NULL DEFAULT 'paid_to_lender' CHECK (channel IN ('paid_to_lender', 'agency_reported_direct', 'agency_collected'));
ALTER TABLE payments ADD COLUMN agency_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN paid_on TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN voucher_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN voucher_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN confirmed_at TIMESTAMP NULL;
ALTER TABLE payments ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN confirmed_by_feed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE payments ADD COLUMN linked_payment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN reject_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN overpaid_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN remitted_at TIMESTAMP NULL;
UPDATE payments SET paid_on = substr(CAST(paid_at AS TEXT), 1, 10), confirmed_at = created_at;
UPDATE payments SET channel = 'agency_reported_direct',
    agency_id = COALESCE((SELECT c.agency_id FROM commissions c WHERE c.payment_id = payments.id), '')
    WHERE source = 'agency';
ALTER TABLE payments ADD COLUMN remittance_invoice_id TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_status ON payments (lender_id, status, agency_id);
CREATE INDEX payments_agency ON payments (agency_id, paid_on) WHERE agency_id <> '';

ALTER TABLE accounts ADD COLUMN reported_cents BIGINT NOT NULL DEFAULT 0;

ALTER TABLE commissions ADD COLUMN explanation TEXT NOT NULL DEFAULT '';
-- The invoice a commission is a line of: a commission confirmed after its
-- month's invoice was approved goes on the next open one.
ALTER TABLE commissions ADD COLUMN invoice_id TEXT NOT NULL DEFAULT '';
CREATE INDEX commissions_invoice ON commissions (lender_id, agency_id, invoice_id, month);

ALTER TABLE contracts ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 90);
ALTER TABLE contracts ADD COLUMN promise_before_recall BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contracts ADD COLUMN commission_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN remittance_due_days INTEGER NOT NULL DEFAULT 7 CHECK (remittance_due_days BETWEEN 0 AND 90);

-- The exception queue: a feed row or a report matching could not settle.
-- payment_id is the agency's report (if any); the feed row's own facts are
-- kept so a feed-only exception can be confirmed as a lender payment.
CREATE TABLE payment_exceptions (
    id              TEXT PRIMARY KEY,
    lender_id       TEXT NOT NULL REFERENCES organisations (id),
    agency_id       TEXT NOT NULL DEFAULT '',
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    payment_id      TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL,
    feed_line       INTEGER NOT NULL DEFAULT 0,
    feed_amount_cents BIGINT NOT NULL DEFAULT 0,
    feed_paid_on    TEXT NOT NULL DEFAULT '',
    feed_reference  TEXT NOT NULL DEFAULT '',
    of_payment_id   TEXT NOT NULL DEFAULT '',
    diff_cents      BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution      TEXT NOT NULL DEFAULT '' CHECK (resolution IN ('', 'confirm', 'reject', 'reassign', 'split')),
    resolve_reason  TEXT NOT NULL DEFAULT '',
    resolved_by     TEXT NOT NULL DEFAULT '',
    resolved_at     TIMESTAMP NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX payment_exceptions_lender ON payment_exceptions (lender_id, status, created_at);
CREATE INDEX payment_exceptions_agency ON payment_exceptions (agency_id, status, created_at);
-- One open exception per report.
CREATE UNIQUE INDEX payment_exceptions_payment ON payment_exceptions (payment_id) WHERE payment_id <> '' AND status = 'open';

-- One invoice per lender, agency and month. Lines and adjustments are kept
-- as written when the invoice was last drafted; an approved invoice never
-- changes (the store refuses, and numbers are unique).
CREATE TABLE invoices (
    id                    TEXT PRIMARY KEY,
    lender_id             TEXT NOT NULL REFERENCES organisations (id),
    agency_id             TEXT NOT NULL REFERENCES organisations (id),
    month                 TEXT NOT NULL,
    currency              TEXT NOT NULL DEFAULT 'CNY',
    status                TEXT NOT NULL CHECK (status IN ('draft', 'agency_accepted', 'disputed', 'approved')),
    number                TEXT NULL,
    seq                   INTEGER NULL,
    payments_cents        BIGINT NOT NULL DEFAULT 0,
    commission_cents      BIGINT NOT NULL DEFAULT 0,
    adjustments_cents     BIGINT NOT NULL DEFAULT 0,
    remittance_owed_cents BIGINT NOT NULL DEFAULT 0,
    total_cents           BIGINT NOT NULL DEFAULT 0,
    disputed_cents        BIGINT NOT NULL DEFAULT 0,
    dispute_reason        TEXT NOT NULL DEFAULT '',
    reviewed_by           TEXT NOT NULL DEFAULT '',
    reviewed_at           TIMESTAMP NULL,
    approved_by           TEXT NOT NULL DEFAULT '',
    approved_at           TIMESTAMP NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (lender_id, agency_id, month)
);
CREATE UNIQUE INDEX invoices_number ON invoices (number) WHERE number IS NOT NULL;
CREATE INDEX invoices_agency ON invoices (agency_id, month);

CREATE TABLE invoice_lines (
    id               TEXT PRIMARY KEY,
    invoice_id       TEXT NOT NULL REFERENCES invoices (id),
    payment_id       TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    external_ref     TEXT NOT NULL DEFAULT '',
    paid_on          TEXT NOT NULL,
    channel          TEXT NOT NULL DEFAULT '',
    payment_cents    BIGINT NOT NULL,
    commission_cents BIGINT NOT NULL,
    explanation      TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'disputed')),
    dispute_reason   TEXT NOT NULL DEFAULT '',
    position         INTEGER NOT NULL
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

CREATE TABLE invoice_adjustments (
    id            TEXT PRIMARY KEY,
    invoice_id    TEXT NOT NULL DEFAULT '',  -- '' while waiting for its month's invoice
    lender_id     TEXT NOT NULL,
    agency_id     TEXT NOT NULL,
    month         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    code          TEXT NOT NULL DEFAULT '',
    amount_cents  BIGINT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    from_invoice  TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invoice_adjustments_invoice ON invoice_adjustments (invoice_id, position);
CREATE INDEX invoice_adjustments_month ON invoice_adjustments (lender_id, agency_id, month);

-- +goose Down
DROP TABLE invoice_adjustments;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE payment_exceptions;
ALTER TABLE contracts DROP COLUMN remittance_due_days;
ALTER TABLE contracts DROP COLUMN commission_terms;
ALTER TABLE contracts DROP COLUMN promise_before_recall;
ALTER TABLE contracts DROP COLUMN grace_days;
DROP INDEX commissions_invoice;
ALTER TABLE commissions DROP COLUMN invoice_id;
ALTER TABLE commissions DROP COLUMN explanation;
ALTER TABLE accounts DROP COLUMN reported_cents;
DROP INDEX payments_agency;
DROP INDEX payments_status;
ALTER TABLE payments DROP COLUMN remittance_invoice_id;
ALTER TABLE payments DROP COLUMN remitted_at;
ALTER TABLE payments DROP COLUMN overpaid_cents;
ALTER TABLE payments DROP COLUMN reject_reason;
ALTER TABLE payments DROP COLUMN linked_payment_id;
ALTER TABLE payments DROP COLUMN confirmed_by_feed;
ALTER TABLE payments DROP COLUMN confirmed_by;
ALTER TABLE payments DROP COLUMN confirmed_at;
ALTER TABLE payments DROP COLUMN voucher_ref;
ALTER TABLE payments DROP COLUMN voucher_id;
ALTER TABLE payments DROP COLUMN paid_on;
ALTER TABLE payments DROP COLUMN agency_id;
ALTER TABLE payments DROP COLUMN channel;
ALTER TABLE payments DROP COLUMN status;
