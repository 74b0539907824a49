-- +goose Up
-- The language the request was filed in (en, es, de, fr): every email about
-- it is written in that language. 00015 edited the requests table's stored
-- definition in place; the connection that ran it still holds the old
-- parse (with column offsets of the shorter text), so the schema is
-- re-read before the column is added.
PRAGMA writable_schema = RESET;
ALTER TABLE requests ADD COLUMN lang text NOT NULL DEFAULT 'en';

-- +goose Down
ALTER TABLE requests DROP COLUMN lang;
