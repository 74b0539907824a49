-- +goose Up
-- Each session names its staff member, so disabling a member, changing
-- their role or their password deletes all their sessions in one
-- statement; session_version, copied into a session at sign-in, ends any
-- older session that a request still in flight writes back afterwards.
ALTER TABLE staff_users ADD COLUMN session_version integer NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN staff_id integer REFERENCES staff_users (id);
CREATE INDEX sessions_staff_id ON sessions (staff_id);

-- +goose Down
DROP INDEX sessions_staff_id;
ALTER TABLE sessions DROP COLUMN staff_id;
ALTER TABLE staff_users DROP COLUMN session_version;
