-- +goose Up
-- Why a source's erasure failed (its last error), so the request page can
-- show it next to a retry button; empty once the source is done.
ALTER TABLE erasures ADD COLUMN error text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE erasures DROP COLUMN error;
