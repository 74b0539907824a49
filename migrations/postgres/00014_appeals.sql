-- +goose Up
-- A requester's appeal of a denial (Virginia, Colorado, Connecticut): one per request,
-- decided by a staff member other than the one who denied.
CREATE TABLE appeals (
    id          bigserial PRIMARY KEY,
    request_id  varchar(32) NOT NULL REFERENCES requests (id),
    status      varchar(16) NOT NULL,
    reason      text NOT NULL,
    denied_by   varchar(200) NOT NULL,
    filed_at    timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    decided_by  bigint REFERENCES staff_users (id),
    decided_at  timestamptz,
    answer      text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX appeals_request ON appeals (request_id);
CREATE INDEX appeals_filed ON appeals (filed_at);

-- +goose Down
DROP TABLE appeals;
