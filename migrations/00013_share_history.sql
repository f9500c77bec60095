-- The lender's contract with an agency may say that the agency sees the
-- full history of the accounts placed with it (other agencies' notes and
-- staff included); by default it sees other agencies' work as facts only.

-- +goose Up
ALTER TABLE contracts ADD COLUMN share_full_history BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE contracts DROP COLUMN share_full_history;
