-- +goose Up
-- Intake looks for a request of the same email and type still waiting for
-- confirmation (to merge a repeated filing into it). Without this index
-- SQLite answered from requests_status_expires, walking every waiting
-- request, so each filing cost more the more filings were waiting.
CREATE INDEX requests_email_type_status ON requests (email, type, status, expires_at);

-- +goose Down
DROP INDEX requests_email_type_status;
