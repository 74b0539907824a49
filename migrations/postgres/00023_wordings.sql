-- +goose Up
-- The company's own wording: an admin's subject and opening paragraph of a
-- customer email (kind) or the privacy center's introduction, per language.
-- No row means the built-in wording.
CREATE TABLE wordings (
    kind       text     NOT NULL,
    lang       text     NOT NULL,
    subject    text     NOT NULL DEFAULT '',
    intro      text     NOT NULL DEFAULT '',
    updated_by text     NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, lang)
);

-- +goose Down
DROP TABLE wordings;
