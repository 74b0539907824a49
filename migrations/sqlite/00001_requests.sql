-- +goose Up
-- SQLite lets a primary key other than INTEGER hold NULL unless it is declared NOT NULL.
CREATE TABLE requests (
    id            text NOT NULL PRIMARY KEY,
    type          text NOT NULL CHECK (type IN ('access', 'deletion', 'opt_out')),
    status        text NOT NULL,
    email         text NOT NULL,
    name          text NOT NULL,
    details       text NOT NULL DEFAULT '',
    scopes        text NOT NULL DEFAULT '',
    gpc           numeric NOT NULL DEFAULT 0,
    channel       text NOT NULL,
    denial_reason text NOT NULL DEFAULT '',
    expires_at    datetime,
    verified_at   datetime,
    due_at        datetime,
    closed_at     datetime,
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
CREATE INDEX requests_status_due ON requests (status, due_at, id);
CREATE INDEX requests_email_type ON requests (email, type, created_at);
CREATE INDEX requests_status_expires ON requests (status, expires_at);

CREATE TABLE request_tokens (
    id         integer PRIMARY KEY,
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    purpose    text NOT NULL,
    hash       text NOT NULL,
    max_uses   integer NOT NULL DEFAULT 0,
    uses       integer NOT NULL DEFAULT 0,
    expires_at datetime,
    used_at    datetime,
    created_at datetime NOT NULL
);
CREATE UNIQUE INDEX idx_request_tokens_hash ON request_tokens (hash);
CREATE INDEX idx_request_tokens_request_id ON request_tokens (request_id);

CREATE TABLE audit_events (
    id          integer PRIMARY KEY,
    request_id  text,
    actor       text NOT NULL,
    action      text NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    details     text NOT NULL,
    created_at  datetime NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);
CREATE UNIQUE INDEX idx_audit_events_hash ON audit_events (hash);
CREATE INDEX idx_audit_events_request_id ON audit_events (request_id);
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- +goose StatementEnd

CREATE TABLE emails (
    id         integer PRIMARY KEY,
    request_id text REFERENCES requests (id) ON DELETE SET NULL,
    kind       text NOT NULL,
    to_addr    text NOT NULL,
    data       text NOT NULL,
    status     text NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    message_id text NOT NULL,
    sent_at    datetime,
    created_at datetime NOT NULL
);
CREATE INDEX idx_emails_request_id ON emails (request_id);

CREATE TABLE suppressions (
    id         integer PRIMARY KEY,
    email_hash text NOT NULL,
    scope      text NOT NULL,
    request_id text,
    created_at datetime NOT NULL
);
CREATE UNIQUE INDEX suppressions_email_scope ON suppressions (email_hash, scope);

CREATE TABLE secrets (
    name       text NOT NULL PRIMARY KEY,
    value      blob NOT NULL,
    created_at datetime NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP TABLE suppressions;
DROP TABLE emails;
DROP TABLE audit_events;
DROP TABLE request_tokens;
DROP TABLE requests;
