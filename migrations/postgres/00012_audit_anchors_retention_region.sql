-- +goose Up
-- The law whose deadlines apply (us-ca: CCPA, eu: GDPR, other), from the requester's stated region.
ALTER TABLE requests ADD COLUMN region varchar(8) NOT NULL DEFAULT 'other';
-- Why staff cancelled; kept on the request, not in the audit trail, so it can be purged.
ALTER TABLE requests ADD COLUMN cancel_reason text NOT NULL DEFAULT '';
-- When the retention period removed the request's personal data.
ALTER TABLE requests ADD COLUMN purged_at timestamptz;
CREATE INDEX requests_retention ON requests (queue, purged_at, closed_at);

-- Signed checkpoints of the audit chain's head, so deleting the newest events is detected.
CREATE TABLE audit_anchors (
    id          bigserial PRIMARY KEY,
    event_count bigint NOT NULL,
    head_hash   varchar(64) NOT NULL,
    signed_at   timestamptz NOT NULL,
    signature   text NOT NULL
);
-- +goose StatementBegin
CREATE FUNCTION audit_anchors_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_anchors is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_anchors_no_change BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only();

-- +goose Down
DROP TRIGGER audit_anchors_no_change ON audit_anchors;
DROP FUNCTION audit_anchors_append_only();
DROP TABLE audit_anchors;
DROP INDEX requests_retention;
ALTER TABLE requests DROP COLUMN purged_at;
ALTER TABLE requests DROP COLUMN cancel_reason;
ALTER TABLE requests DROP COLUMN region;
