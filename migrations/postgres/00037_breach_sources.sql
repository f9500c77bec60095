-- Breaches found by quality reviews (source quality) and by the check for
-- missing call recordings (source evidence), beside the detectors' and the
-- refused attempts'.

-- +goose Up
ALTER TABLE breaches DROP CONSTRAINT breaches_source_check;
ALTER TABLE breaches ADD CONSTRAINT breaches_source_check CHECK (source IN ('detector', 'refusal', 'quality', 'evidence'));

-- +goose Down
ALTER TABLE breaches DROP CONSTRAINT breaches_source_check;
ALTER TABLE breaches ADD CONSTRAINT breaches_source_check CHECK (source IN ('detector', 'refusal'));
