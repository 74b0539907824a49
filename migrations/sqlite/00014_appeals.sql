-- +goose Up
-- A requester's appeal of a denial (Virginia, Colorado, Connecticut): one per request,
-- decided by a staff member other than the one who denied.
CREATE TABLE appeals (
    id          integer PRIMARY KEY,
    request_id  text NOT NULL REFERENCES requests (id),
    status      text NOT NULL,
    reason      text NOT NULL,
    denied_by   text NOT NULL,
    filed_at    datetime NOT NULL,
    due_at      datetime NOT NULL,
    decided_by  integer REFERENCES staff_users (id),
    decided_at  datetime,
    answer      text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX appeals_request ON appeals (request_id);
CREATE INDEX appeals_filed ON appeals (filed_at);

-- +goose Down
DROP TABLE appeals;
