-- An agency evaluation keeps the quality figures it was made beside (issue
-- 16): the mean score of the lender's quality reviews of the agency's
-- contacts over the twelve months before, how many reviews that is, and
-- the share of its connected calls without a recording.

-- +goose Up
ALTER TABLE agency_evaluations ADD COLUMN reviewed_quality_score DOUBLE PRECISION NULL;
ALTER TABLE agency_evaluations ADD COLUMN quality_reviews BIGINT NULL;
ALTER TABLE agency_evaluations ADD COLUMN recordings_missing_rate DOUBLE PRECISION NULL;

-- +goose Down
ALTER TABLE agency_evaluations DROP COLUMN recordings_missing_rate;
ALTER TABLE agency_evaluations DROP COLUMN quality_reviews;
ALTER TABLE agency_evaluations DROP COLUMN reviewed_quality_score;
