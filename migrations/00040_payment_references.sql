-- A reference is unique among the lender's own payments, and among the
-- agencies' live reports, but not across the two: an agency reporting a
-- payment quotes the bank serial the lender's feed carries too, and the
-- report is linked to the lender's record of it (linked_payment_id), not
-- refused. A rejected report frees its reference.

-- +goose Up
DROP INDEX payments_reference;
CREATE UNIQUE INDEX payments_reference ON payments (lender_id, reference) WHERE reference <> '' AND source = 'lender';
CREATE UNIQUE INDEX payments_reported_reference ON payments (lender_id, reference) WHERE reference <> '' AND source = 'agency' AND status <> 'rejected';
CREATE INDEX payments_linked ON payments (linked_payment_id) WHERE linked_payment_id <> '';
CREATE INDEX payments_account_paid_on ON payments (account_id, paid_on);

-- +goose Down
DROP INDEX payments_account_paid_on;
DROP INDEX payments_linked;
DROP INDEX payments_reported_reference;
DROP INDEX payments_reference;
CREATE UNIQUE INDEX payments_reference ON payments (lender_id, reference) WHERE reference <> '';
