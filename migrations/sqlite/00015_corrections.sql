-- +goose Up
-- Allow the correction type. SQLite cannot alter a CHECK constraint, so the
-- table's stored definition is widened in place, the documented way to
-- loosen a constraint that every row already satisfies
-- (sqlite.org/lang_altertable.html, "other kinds of table schema changes");
-- the CREATE TABLE below changes the schema version, so every connection
-- reads the new definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '(type IN (''access'', ''deletion'', ''opt_out''))', '(type IN (''access'', ''deletion'', ''opt_out'', ''correction''))')
 WHERE type = 'table' AND name = 'requests';
PRAGMA writable_schema = OFF;
-- One row per field a correction request asks to change (GDPR Art. 16, CCPA §1798.106).
CREATE TABLE corrections (
    request_id text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    field      text NOT NULL,
    requested  text NOT NULL,
    current    text NOT NULL DEFAULT '{}',
    decision   text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    decided_by text NOT NULL DEFAULT '',
    decided_at datetime,
    applied_at datetime,
    result     text NOT NULL DEFAULT '{}',
    PRIMARY KEY (request_id, field)
);

-- +goose Down
DROP TABLE corrections;
DELETE FROM appeals WHERE request_id IN (SELECT id FROM requests WHERE type = 'correction');
DELETE FROM requests WHERE type = 'correction';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '(type IN (''access'', ''deletion'', ''opt_out'', ''correction''))', '(type IN (''access'', ''deletion'', ''opt_out''))')
 WHERE type = 'table' AND name = 'requests';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_bump (x integer);
DROP TABLE schema_bump;
