-- +goose Up
-- The law whose deadlines apply (us-ca: CCPA, eu: GDPR, other), from the requester's stated region.
ALTER TABLE requests ADD COLUMN region text NOT NULL DEFAULT 'other';
-- Why staff cancelled; kept on the request, not in the audit trail, so it can be purged.
ALTER TABLE requests ADD COLUMN cancel_reason text NOT NULL DEFAULT '';
-- When the retention period removed the request's personal data.
ALTER TABLE requests ADD COLUMN purged_at datetime;
CREATE INDEX requests_retention ON requests (queue, purged_at, closed_at);

-- Signed checkpoints of the audit chain's head, so deleting the newest events is detected.
CREATE TABLE audit_anchors (
    id          integer PRIMARY KEY,
    event_count integer NOT NULL,
    head_hash   text NOT NULL,
    signed_at   datetime NOT NULL,
    signature   text NOT NULL
);
-- +goose StatementBegin
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_anchors;
DROP INDEX requests_retention;
ALTER TABLE requests DROP COLUMN purged_at;
ALTER TABLE requests DROP COLUMN cancel_reason;
ALTER TABLE requests DROP COLUMN region;
