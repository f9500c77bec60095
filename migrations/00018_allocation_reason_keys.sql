-- Each assignment's reason is kept as a catalogue key with its arguments, so
-- a plan page says it in the reader's language. A plan has few distinct
-- reasons (a million accounts, a few hundred): they are kept once, in
-- allocations.summary ("reasons": [{"key","args"}]), and reason_no names a
-- row's one (1-based). The English reason column stays for the API. Rows
-- written before this have reason_no 0 and show their English reason.

-- +goose Up
ALTER TABLE allocation_assignments ADD COLUMN reason_no INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE allocation_assignments DROP COLUMN reason_no;
