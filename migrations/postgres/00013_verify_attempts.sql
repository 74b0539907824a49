-- +goose Up
-- Stronger verification (CCPA regs §7062): wrong order numbers or serials given on the
-- verification page, and when the third wrong one locked the request.
ALTER TABLE requests ADD COLUMN verify_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN verify_locked_at timestamptz;

-- +goose Down
ALTER TABLE requests DROP COLUMN verify_locked_at;
ALTER TABLE requests DROP COLUMN verify_attempts;
