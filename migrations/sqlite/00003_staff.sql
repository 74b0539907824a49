-- +goose Up
CREATE TABLE staff_users (
    id            integer PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash text NOT NULL,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  datetime,
    last_login_at datetime,
    disabled_at   datetime,
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (email);

-- scs sessions; the token column holds a SHA-256 of the cookie, never the cookie.
CREATE TABLE sessions (
    token  text NOT NULL PRIMARY KEY,
    data   blob NOT NULL,
    expiry real NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

ALTER TABLE requests ADD COLUMN assignee_id integer REFERENCES staff_users (id);
ALTER TABLE requests ADD COLUMN queue text NOT NULL DEFAULT 'closed';
ALTER TABLE requests ADD COLUMN queue_at datetime;
ALTER TABLE requests ADD COLUMN extended_at datetime;
ALTER TABLE requests ADD COLUMN extension_reason text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN identity_confirmed text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN filed_by integer REFERENCES staff_users (id);
UPDATE requests SET
    queue = CASE
        WHEN status = 'pending_verification' THEN 'pending'
        WHEN status IN ('verified', 'in_progress', 'awaiting_approval', 'fulfilling') THEN 'open'
        ELSE 'closed' END,
    queue_at = COALESCE(due_at, datetime(created_at, '+30 days'));
CREATE INDEX requests_queue ON requests (queue, queue_at, id);
CREATE INDEX requests_status_queue ON requests (status, queue_at, id);
CREATE INDEX requests_assignee_queue ON requests (assignee_id, queue, queue_at, id);

CREATE TABLE request_status_counts (
    status text NOT NULL PRIMARY KEY,
    n      integer NOT NULL
);
INSERT INTO request_status_counts (status, n) SELECT status, count(*) FROM requests GROUP BY status;

CREATE TABLE request_notes (
    id         integer PRIMARY KEY,
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    staff_id   integer NOT NULL REFERENCES staff_users (id),
    body       text NOT NULL,
    created_at datetime NOT NULL
);
CREATE INDEX idx_request_notes_request_id ON request_notes (request_id);

CREATE TABLE reminders_sent (
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    due_at     datetime NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (request_id, kind, due_at)
);

-- +goose Down
DROP TABLE reminders_sent;
DROP TABLE request_notes;
DROP TABLE request_status_counts;
DROP INDEX requests_assignee_queue;
DROP INDEX requests_status_queue;
DROP INDEX requests_queue;
ALTER TABLE requests DROP COLUMN filed_by;
ALTER TABLE requests DROP COLUMN identity_confirmed;
ALTER TABLE requests DROP COLUMN extension_reason;
ALTER TABLE requests DROP COLUMN extended_at;
ALTER TABLE requests DROP COLUMN queue_at;
ALTER TABLE requests DROP COLUMN queue;
ALTER TABLE requests DROP COLUMN assignee_id;
DROP TABLE sessions;
DROP TABLE staff_users;
