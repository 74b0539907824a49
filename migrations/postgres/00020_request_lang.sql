-- +goose Up
-- The language the request was filed in (en, es, de, fr): every email about
-- it is written in that language.
ALTER TABLE requests ADD COLUMN lang varchar(8) NOT NULL DEFAULT 'en';

-- +goose Down
ALTER TABLE requests DROP COLUMN lang;
