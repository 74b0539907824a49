-- +goose Up
-- Authorized agents of the Data Rights Protocol: the directory entries
-- staff trust (configured, never self-registered), the hashes of the
-- bearer tokens issued to them by pair-wise setup, and which requests
-- each agent filed.
CREATE TABLE agents (
    id                text     NOT NULL PRIMARY KEY,
    name              text     NOT NULL,
    verify_key        text     NOT NULL,
    callback_hosts    text     NOT NULL DEFAULT '',
    technical_contact text     NOT NULL DEFAULT '',
    business_contact  text     NOT NULL DEFAULT '',
    created_at        datetime NOT NULL,
    updated_at        datetime NOT NULL
);
CREATE TABLE agent_tokens (
    hash       text     NOT NULL PRIMARY KEY,
    agent_id   text     NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_at datetime NOT NULL
);
CREATE INDEX agent_tokens_agent ON agent_tokens (agent_id);
CREATE TABLE agent_requests (
    request_id       text     NOT NULL PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    agent_id         text     NOT NULL REFERENCES agents (id),
    message_hash     text     NOT NULL UNIQUE,
    agent_request_id text     NOT NULL DEFAULT '',
    exercise         text     NOT NULL,
    regime           text     NOT NULL DEFAULT '',
    status_callback  text     NOT NULL DEFAULT '',
    revoke_reason    text     NOT NULL DEFAULT '',
    revoked_at       datetime,
    created_at       datetime NOT NULL
);
CREATE INDEX agent_requests_agent ON agent_requests (agent_id);

-- +goose Down
DROP TABLE agent_requests;
DROP TABLE agent_tokens;
DROP TABLE agents;
