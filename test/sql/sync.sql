-- kt_fdw_sync(): a trigger mirroring a source table into a foreign table
-- (KT DB 0 through kt_test), with the change applied at COMMIT.
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; END $$;

-- value = one named column
CREATE TABLE rules (name text PRIMARY KEY, action text, enabled boolean NOT NULL DEFAULT true);
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_test', 'name', 'action');
CREATE TRIGGER rules_sync_truncate AFTER TRUNCATE ON rules
  FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('kt_test');
INSERT INTO rules VALUES ('block-tor', 'deny'), ('allow-office', 'allow'), ('rate-api', 'limit');
SELECT * FROM kt_test ORDER BY key;
-- a rolled-back change never reaches KT
BEGIN;
UPDATE rules SET action = 'allow' WHERE name = 'block-tor';
DELETE FROM rules WHERE name = 'rate-api';
SELECT * FROM kt_test ORDER BY key;   -- the transaction sees its own writes
ROLLBACK;
SELECT * FROM kt_test ORDER BY key;
-- key change moves the record; delete removes it
UPDATE rules SET name = 'block-tor-exits' WHERE name = 'block-tor';
DELETE FROM rules WHERE name = 'rate-api';
SELECT * FROM kt_test ORDER BY key;
-- a NULL value means no KT record; setting it again brings it back
UPDATE rules SET action = NULL WHERE name = 'allow-office';
SELECT * FROM kt_test ORDER BY key;
UPDATE rules SET action = 'allow' WHERE name = 'allow-office';
SELECT * FROM kt_test ORDER BY key;
-- a stale KT value is overwritten by the next change of the row
UPDATE kt_test SET value = 'stale' WHERE key = 'allow-office';
UPDATE rules SET enabled = false WHERE name = 'allow-office';
SELECT * FROM kt_test ORDER BY key;
-- TRUNCATE of the source truncates the foreign table (at commit)
BEGIN;
TRUNCATE rules;
SELECT count(*) FROM kt_test;
ROLLBACK;
SELECT count(*) FROM kt_test;
TRUNCATE rules;
SELECT count(*) FROM kt_test;
DROP TABLE rules;

-- value = the whole row as JSON; key = the primary key (an integer)
CREATE TABLE limits (id int PRIMARY KEY, route text NOT NULL, rps numeric, tags text[]);
CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('public.kt_test');
INSERT INTO limits VALUES (1, '/api', 10.5, '{a,b}'), (2, '/søk "ü"', NULL, '{}');
SELECT * FROM kt_test ORDER BY key;
UPDATE limits SET id = 3 WHERE id = 1;
SELECT * FROM kt_test ORDER BY key;
DELETE FROM limits;
SELECT count(*) FROM kt_test;
DROP TABLE limits;

-- quoting: names that need quotes on both sides
CREATE FOREIGN TABLE "KT ""odd"" table" ("the key" text, "the value" text) SERVER kt_server;
CREATE TABLE "Odd ""source""" ("Key col" text PRIMARY KEY, "Val; DROP" text);
CREATE TRIGGER odd_sync AFTER INSERT OR UPDATE OR DELETE ON "Odd ""source"""
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('"KT ""odd"" table"', 'Key col', 'Val; DROP');
INSERT INTO "Odd ""source""" VALUES ('it''s', 'x');
SELECT * FROM "KT ""odd"" table";
DELETE FROM "Odd ""source""";
SELECT count(*) FROM "KT ""odd"" table";
DROP TABLE "Odd ""source""";
DROP FOREIGN TABLE "KT ""odd"" table";

-- misuse
CREATE TABLE nopk (a text, b text);
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_test');
INSERT INTO nopk VALUES ('a', 'b');
DROP TRIGGER t ON nopk;
CREATE TRIGGER t BEFORE INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_test', 'a', 'b');
INSERT INTO nopk VALUES ('a', 'b');
DROP TRIGGER t ON nopk;
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH STATEMENT EXECUTE FUNCTION kt_fdw_sync('kt_test', 'a', 'b');
INSERT INTO nopk VALUES ('a', 'b');
DROP TRIGGER t ON nopk;
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('nopk', 'a', 'b');
INSERT INTO nopk VALUES ('a', 'b');
DROP TRIGGER t ON nopk;
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync();
INSERT INTO nopk VALUES ('a', 'b');
DROP TRIGGER t ON nopk;
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('kt_test', 'nope');
INSERT INTO nopk VALUES ('a', 'b');
DROP TABLE nopk;
SELECT count(*) FROM kt_test;

-- a format 'json' target takes the row's columns by name
CREATE FOREIGN TABLE limits_typed (id int, route text, rps numeric) SERVER kt_server
  OPTIONS (format 'json', prefix 'lim:');
CREATE TABLE limits (id int PRIMARY KEY, route text, rps numeric, note text);
CREATE TRIGGER limits_sync AFTER INSERT OR UPDATE OR DELETE ON limits
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_typed');
INSERT INTO limits VALUES (1, '/a', 1.5, 'not in KT'), (2, '/b', NULL, NULL);
UPDATE limits SET id = 3, rps = 7 WHERE id = 2;
SELECT * FROM limits_typed ORDER BY id;
SELECT key, value FROM kt_test ORDER BY key;
DELETE FROM limits WHERE id = 1;
SELECT * FROM limits_typed ORDER BY id;
DROP TRIGGER limits_sync ON limits;
CREATE TRIGGER limits_sync AFTER INSERT ON limits
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('limits_typed', 'id', 'route');
INSERT INTO limits VALUES (4, '/d');
DROP TABLE limits;
DELETE FROM limits_typed;
DROP FOREIGN TABLE limits_typed;
