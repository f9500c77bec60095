-- A breach's message is kept as the broken rule's catalogue key with its
-- arguments (JSON), so the breach list says it in the reader's language;
-- the English message stays for the API and the exports. Breaches found
-- before this keep only their English message, shown as written.

-- +goose Up
ALTER TABLE breaches ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE breaches ADD COLUMN message_args TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE breaches DROP COLUMN message_args;
ALTER TABLE breaches DROP COLUMN message_key;
