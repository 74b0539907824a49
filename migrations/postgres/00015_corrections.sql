-- +goose Up
-- Allow the correction type.
ALTER TABLE requests DROP CONSTRAINT requests_type_check;
ALTER TABLE requests ADD CONSTRAINT requests_type_check CHECK (type IN ('access', 'deletion', 'opt_out', 'correction'));
-- One row per field a correction request asks to change (GDPR Art. 16, CCPA §1798.106).
CREATE TABLE corrections (
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    field      text NOT NULL,
    requested  text NOT NULL,
    current    text NOT NULL DEFAULT '{}',
    decision   text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz,
    applied_at timestamptz,
    result     text NOT NULL DEFAULT '{}',
    PRIMARY KEY (request_id, field)
);

-- +goose Down
DROP TABLE corrections;
DELETE FROM appeals WHERE request_id IN (SELECT id FROM requests WHERE type = 'correction');
DELETE FROM requests WHERE type = 'correction';
ALTER TABLE requests DROP CONSTRAINT requests_type_check;
ALTER TABLE requests ADD CONSTRAINT requests_type_check CHECK (type IN ('access', 'deletion', 'opt_out'));
