-- The breach detector picks the contacts recorded since its last run by when
-- they were recorded, not when they happened (a contact may be written down
-- days later).

-- +goose Up
CREATE INDEX contacts_created_at ON contacts (created_at);

-- +goose Down
DROP INDEX contacts_created_at;
