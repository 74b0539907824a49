-- +goose Up
-- What collection found per source; samples are cleared once the request is fulfilled.
CREATE TABLE collections (
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    source     text NOT NULL,
    status     text NOT NULL,
    counts     text NOT NULL,
    samples    text NOT NULL,
    error      text NOT NULL,
    attempts   bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (request_id, source)
);

-- Access exports on disk, deleted after they expire.
CREATE TABLE exports (
    id         bigserial PRIMARY KEY,
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    path       text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256     text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX idx_exports_request_id ON exports (request_id);
CREATE INDEX exports_expiry ON exports (deleted_at, expires_at);

-- What erasure did per source (a JSON result), so a re-run skips what is done.
CREATE TABLE erasures (
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    source     text NOT NULL,
    status     text NOT NULL,
    result     text NOT NULL,
    done_at    timestamptz NOT NULL,
    PRIMARY KEY (request_id, source)
);

-- Which third parties were told of a completed deletion or opt-out.
CREATE TABLE third_party_notices (
    id         bigserial PRIMARY KEY,
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    recipient  text NOT NULL,
    email      text NOT NULL,
    email_id   bigint NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX third_party_notices_once ON third_party_notices (request_id, recipient);

-- +goose Down
DROP TABLE third_party_notices;
DROP TABLE erasures;
DROP TABLE exports;
DROP TABLE collections;
