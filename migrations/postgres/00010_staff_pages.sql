-- +goose Up
-- Why a source's erasure failed (its last error), so the request page can
-- show it next to a retry button; empty once the source is done.
ALTER TABLE erasures ADD COLUMN error text NOT NULL DEFAULT '';

-- The queue sorted by filing date (newest or oldest first) reads an index
-- range like the due-date order does: the open queue (and its parts) by
-- queue, one status by status.
CREATE INDEX requests_queue_filed ON requests (queue, created_at, id);
CREATE INDEX requests_status_filed ON requests (status, created_at, id);

-- +goose Down
DROP INDEX requests_status_filed;
DROP INDEX requests_queue_filed;
ALTER TABLE erasures DROP COLUMN error;
