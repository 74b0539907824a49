-- +goose Up
CREATE TABLE staff_users (
    id            bigserial PRIMARY KEY,
    email         varchar(320) NOT NULL,
    name          varchar(200) NOT NULL,
    role          varchar(16) NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash text NOT NULL,
    failed_logins bigint NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    last_login_at timestamptz,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (email);

-- scs sessions; the token column holds a SHA-256 of the cookie, never the cookie.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

ALTER TABLE requests ADD COLUMN assignee_id bigint REFERENCES staff_users (id);
ALTER TABLE requests ADD COLUMN queue varchar(16) NOT NULL DEFAULT 'closed';
ALTER TABLE requests ADD COLUMN queue_at timestamptz;
ALTER TABLE requests ADD COLUMN extended_at timestamptz;
ALTER TABLE requests ADD COLUMN extension_reason text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN identity_confirmed text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN filed_by bigint REFERENCES staff_users (id);
UPDATE requests SET
    queue = CASE
        WHEN status = 'pending_verification' THEN 'pending'
        WHEN status IN ('verified', 'in_progress', 'awaiting_approval', 'fulfilling') THEN 'open'
        ELSE 'closed' END,
    queue_at = COALESCE(due_at, created_at + interval '30 days');
CREATE INDEX requests_queue ON requests (queue, queue_at, id);
CREATE INDEX requests_status_queue ON requests (status, queue_at, id);
CREATE INDEX requests_assignee_queue ON requests (assignee_id, queue, queue_at, id);

CREATE TABLE request_status_counts (
    status varchar(32) PRIMARY KEY,
    n      bigint NOT NULL
);
INSERT INTO request_status_counts (status, n) SELECT status, count(*) FROM requests GROUP BY status;

CREATE TABLE request_notes (
    id         bigserial PRIMARY KEY,
    request_id varchar(32) NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    staff_id   bigint NOT NULL REFERENCES staff_users (id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX idx_request_notes_request_id ON request_notes (request_id);

CREATE TABLE reminders_sent (
    request_id varchar(32) NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    kind       varchar(16) NOT NULL,
    due_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (request_id, kind, due_at)
);

-- +goose Down
DROP TABLE reminders_sent;
DROP TABLE request_notes;
DROP TABLE request_status_counts;
ALTER TABLE requests DROP COLUMN filed_by;
ALTER TABLE requests DROP COLUMN identity_confirmed;
ALTER TABLE requests DROP COLUMN extension_reason;
ALTER TABLE requests DROP COLUMN extended_at;
ALTER TABLE requests DROP COLUMN queue_at;
ALTER TABLE requests DROP COLUMN queue;
ALTER TABLE requests DROP COLUMN assignee_id;
DROP TABLE sessions;
DROP TABLE staff_users;
