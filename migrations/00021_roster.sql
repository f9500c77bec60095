-- The collector roster (GB/T 45251-2025, NIFA): one record per agency user
-- who contacts debtors. Dates are 'YYYY-MM-DD' text (civil dates, China
-- time); '' = not done. Whether a record lets its collector work is decided
-- by casework.CheckRoster, never here.

-- +goose Up
CREATE TABLE roster_records (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    agency_id      TEXT NOT NULL REFERENCES organisations (id),
    staff_no       TEXT NOT NULL,
    verified_on    TEXT NOT NULL DEFAULT '',
    nda_signed_on  TEXT NOT NULL DEFAULT '',
    trained_on     TEXT NOT NULL DEFAULT '',
    exam_passed_on TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX roster_records_staff_no ON roster_records (agency_id, staff_no);

-- An evaluation keeps the roster as it stood when it was made (an input of
-- the yearly evaluation: staff trained yearly); NULL for older ones.
ALTER TABLE agency_evaluations ADD COLUMN roster_collectors INTEGER NULL;
ALTER TABLE agency_evaluations ADD COLUMN roster_compliant INTEGER NULL;
ALTER TABLE agency_evaluations ADD COLUMN roster_compliant_share DOUBLE PRECISION NULL;

-- +goose Down
ALTER TABLE agency_evaluations DROP COLUMN roster_compliant_share;
ALTER TABLE agency_evaluations DROP COLUMN roster_compliant;
ALTER TABLE agency_evaluations DROP COLUMN roster_collectors;
DROP TABLE roster_records;
