-- +goose Up
CREATE TABLE requests (
    id            varchar(32) PRIMARY KEY,
    type          varchar(16) NOT NULL CHECK (type IN ('access', 'deletion', 'opt_out')),
    status        varchar(32) NOT NULL,
    email         varchar(320) NOT NULL,
    name          varchar(200) NOT NULL,
    details       text NOT NULL DEFAULT '',
    scopes        varchar(200) NOT NULL DEFAULT '',
    gpc           boolean NOT NULL DEFAULT false,
    channel       varchar(16) NOT NULL,
    denial_reason text NOT NULL DEFAULT '',
    expires_at    timestamptz,
    verified_at   timestamptz,
    due_at        timestamptz,
    closed_at     timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX requests_status_due ON requests (status, due_at, id);
CREATE INDEX requests_email_type ON requests (email, type, created_at);
CREATE INDEX requests_status_expires ON requests (status, expires_at);

CREATE TABLE request_tokens (
    id         bigserial PRIMARY KEY,
    request_id varchar(32) NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    purpose    varchar(16) NOT NULL,
    hash       varchar(64) NOT NULL,
    max_uses   bigint NOT NULL DEFAULT 0,
    uses       bigint NOT NULL DEFAULT 0,
    expires_at timestamptz,
    used_at    timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX idx_request_tokens_hash ON request_tokens (hash);
CREATE INDEX idx_request_tokens_request_id ON request_tokens (request_id);

CREATE TABLE audit_events (
    id          bigint PRIMARY KEY,
    request_id  varchar(32),
    actor       varchar(200) NOT NULL,
    action      varchar(64) NOT NULL,
    from_status varchar(32) NOT NULL,
    to_status   varchar(32) NOT NULL,
    details     text NOT NULL,
    created_at  timestamptz NOT NULL,
    prev_hash   varchar(64) NOT NULL,
    hash        varchar(64) NOT NULL
);
CREATE UNIQUE INDEX idx_audit_events_hash ON audit_events (hash);
CREATE INDEX idx_audit_events_request_id ON audit_events (request_id);
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE emails (
    id         bigserial PRIMARY KEY,
    request_id varchar(32) REFERENCES requests (id) ON DELETE SET NULL,
    kind       varchar(64) NOT NULL,
    to_addr    varchar(320) NOT NULL,
    data       text NOT NULL,
    status     varchar(16) NOT NULL,
    attempts   bigint NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    message_id varchar(200) NOT NULL,
    sent_at    timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX idx_emails_request_id ON emails (request_id);

CREATE TABLE suppressions (
    id         bigserial PRIMARY KEY,
    email_hash varchar(64) NOT NULL,
    scope      varchar(32) NOT NULL,
    request_id varchar(32),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX suppressions_email_scope ON suppressions (email_hash, scope);

CREATE TABLE secrets (
    name       varchar(64) PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP TABLE suppressions;
DROP TABLE emails;
DROP TRIGGER audit_events_no_change ON audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_events;
DROP TABLE request_tokens;
DROP TABLE requests;
