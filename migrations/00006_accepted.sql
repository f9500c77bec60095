-- When an agency accepted a placement: offers that were recalled, declined
-- or left to expire were never held, so they earn no commission, count as no
-- placed balance and are charged no complaint.

-- +goose Up
ALTER TABLE placements ADD COLUMN accepted_at TIMESTAMP NULL;
UPDATE placements SET accepted_at = starts_at
 WHERE status IN ('active', 'returned', 'closed')
    OR (status = 'recalled' AND decided_by <> '' AND ended_at IS NOT NULL AND ended_at > starts_at AND accept_by IS NULL)
    OR (status = 'expired' AND end_reason <> 'offer not accepted in time');

-- +goose Down
SELECT 1;
