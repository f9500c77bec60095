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

-- +goose Down
DROP TABLE roster_records;
