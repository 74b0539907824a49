-- +goose Up
-- Allow the opt_in type: an authorized agent's sale:opt-in (DRP), which
-- ends an opt-out once the person confirms it.
ALTER TABLE requests DROP CONSTRAINT requests_type_check;
ALTER TABLE requests ADD CONSTRAINT requests_type_check CHECK (type IN ('access', 'deletion', 'opt_out', 'correction', 'opt_in'));

-- +goose Down
DELETE FROM appeals WHERE request_id IN (SELECT id FROM requests WHERE type = 'opt_in');
DELETE FROM requests WHERE type = 'opt_in';
ALTER TABLE requests DROP CONSTRAINT requests_type_check;
ALTER TABLE requests ADD CONSTRAINT requests_type_check CHECK (type IN ('access', 'deletion', 'opt_out', 'correction'));
