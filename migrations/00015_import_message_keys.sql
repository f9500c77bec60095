-- An import's reason and each rejected line's problems are kept as catalogue
-- keys with their arguments (JSON), so the pages say them in the reader's
-- language; the English message columns stay for the API and the rejects
-- download. Rows written before this keep only their English message, which
-- the pages show as written.
--
-- import_rejects.message_key is the key of the line's first problem (the one
-- field names); problems is every problem of the line:
-- [{"field","key","args"}]. imports.message_args holds the reason's arguments.

-- +goose Up
ALTER TABLE import_rejects ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE import_rejects ADD COLUMN problems TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN message_args TEXT NOT NULL DEFAULT '';
UPDATE imports SET message_key = 'err.import.interrupted'
    WHERE message = 'interrupted: the server stopped during the import';

-- +goose Down
ALTER TABLE imports DROP COLUMN message_args;
ALTER TABLE imports DROP COLUMN message_key;
ALTER TABLE import_rejects DROP COLUMN problems;
ALTER TABLE import_rejects DROP COLUMN message_key;
