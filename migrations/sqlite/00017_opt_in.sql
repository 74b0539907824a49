-- +goose Up
-- Allow the opt_in type: an authorized agent's sale:opt-in (DRP), which
-- ends an opt-out once the person confirms it. SQLite cannot alter a CHECK
-- constraint, so the table's stored definition is widened in place, as
-- 00015 did; the CREATE TABLE below changes the schema version, so every
-- connection reads the new definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '(type IN (''access'', ''deletion'', ''opt_out'', ''correction''))', '(type IN (''access'', ''deletion'', ''opt_out'', ''correction'', ''opt_in''))')
 WHERE type = 'table' AND name = 'requests';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_bump (x integer);
DROP TABLE schema_bump;

-- +goose Down
DELETE FROM appeals WHERE request_id IN (SELECT id FROM requests WHERE type = 'opt_in');
DELETE FROM requests WHERE type = 'opt_in';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '(type IN (''access'', ''deletion'', ''opt_out'', ''correction'', ''opt_in''))', '(type IN (''access'', ''deletion'', ''opt_out'', ''correction''))')
 WHERE type = 'table' AND name = 'requests';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_bump (x integer);
DROP TABLE schema_bump;
