-- The debtor as a person, debtor requests and care holds (issue 15).
--
-- accounts.debtor_key links the accounts of one debtor at one lender: a
-- keyed hash (HMAC under the install's search key) of the national ID, or
-- for US rows of the SSN's last four with the name; never the raw number.
-- NULL until computed (the store fills it after migrating); '' when the row
-- gives no identity. time_zones lists every zone the debtor may be in
-- (address, phone area), comma-separated; time_zone keeps the first.
--
-- Requests and holds belong to the person: they are keyed by the lender and
-- the debtor_key, and bind every account of that debtor, at any agency.
-- The account they were recorded on is kept for the record. A request is in
-- force from starts_at until ended_at (NULL: until ended); a hold from
-- starts_at until until_at or lifted_at.

-- +goose Up
ALTER TABLE accounts ADD COLUMN debtor_key TEXT NULL;
ALTER TABLE accounts ADD COLUMN time_zones TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN zip TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN ssn_last4 TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_debtor ON accounts (lender_id, debtor_key);
CREATE INDEX accounts_debtor_stale ON accounts (id) WHERE debtor_key IS NULL;

ALTER TABLE import_rows ADD COLUMN conduct_profile TEXT NOT NULL DEFAULT 'china';
ALTER TABLE import_rows ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rows ADD COLUMN time_zones TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rows ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rows ADD COLUMN zip TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rows ADD COLUMN ssn_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rows ADD COLUMN consent_out_of_hours BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE import_rows ADD COLUMN guarantor_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE import_rows ADD COLUMN debtor_key TEXT NOT NULL DEFAULT '';

ALTER TABLE import_undo ADD COLUMN conduct_profile TEXT NOT NULL DEFAULT 'china';
ALTER TABLE import_undo ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE import_undo ADD COLUMN time_zones TEXT NOT NULL DEFAULT '';
ALTER TABLE import_undo ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE import_undo ADD COLUMN zip TEXT NOT NULL DEFAULT '';
ALTER TABLE import_undo ADD COLUMN ssn_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE import_undo ADD COLUMN consent_out_of_hours BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE import_undo ADD COLUMN guarantor_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE import_undo ADD COLUMN debtor_key TEXT NULL;

ALTER TABLE contacts ADD COLUMN party_relation TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

CREATE TABLE debtor_requests (
    id             TEXT PRIMARY KEY,
    lender_id      TEXT NOT NULL,
    debtor_key     TEXT NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    kind           TEXT NOT NULL,
    channel        TEXT NOT NULL DEFAULT '',
    from_clock     TEXT NOT NULL DEFAULT '',
    to_clock       TEXT NOT NULL DEFAULT '',
    attorney_phone TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL,             -- contact, complaint, api
    contact_id     TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,
    recorded_org   TEXT NOT NULL,
    starts_at      TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP NULL,
    ended_by       TEXT NOT NULL DEFAULT '',
    end_reason     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX debtor_requests_person ON debtor_requests (lender_id, debtor_key);
CREATE INDEX debtor_requests_account ON debtor_requests (account_id);

CREATE TABLE care_holds (
    id           TEXT PRIMARY KEY,
    lender_id    TEXT NOT NULL,
    debtor_key   TEXT NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    agency_id    TEXT NOT NULL DEFAULT '',   -- the agency that recorded it ('' = the lender)
    kind         TEXT NOT NULL,
    consent      BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    evidence     TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    starts_at    TIMESTAMP NOT NULL,
    until_at     TIMESTAMP NOT NULL,
    lifted_at    TIMESTAMP NULL,
    lifted_by    TEXT NOT NULL DEFAULT '',
    lift_reason  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX care_holds_person ON care_holds (lender_id, debtor_key);
CREATE INDEX care_holds_account ON care_holds (account_id);

-- +goose Down
DROP TABLE care_holds;
DROP TABLE debtor_requests;
ALTER TABLE contacts DROP COLUMN purpose;
ALTER TABLE contacts DROP COLUMN place;
ALTER TABLE contacts DROP COLUMN party_relation;
DROP INDEX accounts_debtor_stale;
DROP INDEX accounts_debtor;
ALTER TABLE accounts DROP COLUMN ssn_last4;
ALTER TABLE accounts DROP COLUMN zip;
ALTER TABLE accounts DROP COLUMN state;
ALTER TABLE accounts DROP COLUMN time_zones;
ALTER TABLE accounts DROP COLUMN debtor_key;
