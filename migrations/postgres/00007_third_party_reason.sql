-- +goose Up
-- A request can tell a recipient of two things: an opt-out (a Global Privacy
-- Control signal sent with it) and, later, its deletion.
ALTER TABLE third_party_notices ADD COLUMN reason text NOT NULL DEFAULT '';
UPDATE third_party_notices SET reason = (SELECT type FROM requests WHERE requests.id = third_party_notices.request_id);
DROP INDEX third_party_notices_once;
CREATE UNIQUE INDEX third_party_notices_once ON third_party_notices (request_id, recipient, reason);

-- +goose Down
DROP INDEX third_party_notices_once;
DELETE FROM third_party_notices WHERE reason <> (SELECT type FROM requests WHERE requests.id = third_party_notices.request_id);
CREATE UNIQUE INDEX third_party_notices_once ON third_party_notices (request_id, recipient);
ALTER TABLE third_party_notices DROP COLUMN reason;
