-- The original kt_fdw regression test's behaviours, then NULLs, RETURNING,
-- ON CONFLICT and key moves.
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
-- start from an empty KT database whatever an earlier run left there
DO $$ BEGIN DELETE FROM kt_test; END $$;
SELECT count(*) FROM kt_test;

INSERT INTO kt_test VALUES ('key1', 'value1');
INSERT INTO kt_test VALUES ('key2', 'value2');
-- duplicate key: unique violation naming the key (terse: the DETAIL names
-- the KT server's port, which changes from run to run)
\set VERBOSITY terse
INSERT INTO kt_test VALUES ('key1', 'other');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
-- a duplicate inside one statement is caught too
\set VERBOSITY terse
INSERT INTO kt_test VALUES ('key9', 'a'), ('key9', 'b');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;

-- update by key
UPDATE kt_test SET value = 'new1' WHERE key = 'key1';
SELECT * FROM kt_test ORDER BY key;
-- update and delete of a missing key touch nothing
UPDATE kt_test SET value = 'x' WHERE key = 'nokey';
DELETE FROM kt_test WHERE key = 'nokey';
SELECT * FROM kt_test ORDER BY key;
-- delete by a non-key condition
DELETE FROM kt_test WHERE value = 'value2';
SELECT * FROM kt_test ORDER BY key;
-- delete all
INSERT INTO kt_test VALUES ('key3', 'value3');
DELETE FROM kt_test;
SELECT * FROM kt_test ORDER BY key;
-- re-insert a deleted key
INSERT INTO kt_test VALUES ('key1', 'again');
SELECT * FROM kt_test ORDER BY key;

-- NULL key is refused
INSERT INTO kt_test VALUES (NULL, 'v');
\echo :LAST_ERROR_SQLSTATE
UPDATE kt_test SET key = NULL WHERE key = 'key1';
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;
-- NULL value
INSERT INTO kt_test VALUES ('nullval', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT key, value, value IS NULL AS value_is_null FROM kt_test ORDER BY key;
DELETE FROM kt_test WHERE key = 'nullval';

-- RETURNING
INSERT INTO kt_test VALUES ('r1', 'a') RETURNING *;
UPDATE kt_test SET value = 'b' WHERE key = 'r1' RETURNING key, value;
DELETE FROM kt_test WHERE key = 'r1' RETURNING *;
SELECT * FROM kt_test ORDER BY key;

-- ON CONFLICT DO NOTHING
INSERT INTO kt_test VALUES ('key1', 'ignored') ON CONFLICT DO NOTHING;
INSERT INTO kt_test VALUES ('oc1', 'fresh') ON CONFLICT DO NOTHING;
SELECT * FROM kt_test ORDER BY key;

-- UPDATE that changes the key moves the record
UPDATE kt_test SET key = 'moved' WHERE key = 'oc1';
SELECT * FROM kt_test ORDER BY key;
SELECT * FROM kt_test WHERE key = 'oc1';
SELECT * FROM kt_test WHERE key = 'moved';
-- moving a record onto an existing key is a unique violation, not an overwrite
\set VERBOSITY terse
UPDATE kt_test SET key = 'key1' WHERE key = 'moved';
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;
-- ON CONFLICT DO NOTHING also skips a duplicate within the statement
INSERT INTO kt_test VALUES ('oc2', 'one'), ('oc2', 'two') ON CONFLICT DO NOTHING;
SELECT * FROM kt_test WHERE key = 'oc2';
DELETE FROM kt_test WHERE key = 'oc2';

-- UPDATE ... FROM and DELETE ... USING a local table
CREATE TABLE changes (k text, v text);
INSERT INTO changes VALUES ('key1', 'from-join'), ('nokey', 'ignored');
UPDATE kt_test t SET value = c.v FROM changes c WHERE t.key = c.k;
DELETE FROM kt_test t USING changes c WHERE t.value = c.v;
SELECT * FROM kt_test ORDER BY key;
INSERT INTO kt_test VALUES ('key1', 'back');
-- reading and writing the same table in one statement
INSERT INTO kt_test SELECT key || '_copy', value FROM kt_test;
SELECT * FROM kt_test ORDER BY key;
DELETE FROM kt_test WHERE key LIKE '%\_copy';
DROP TABLE changes;

-- keys and values with separators and non-ASCII text round-trip
INSERT INTO kt_test VALUES (E'tab\there', E'line1\nline2'), ('ключ', 'значение ✓');
SELECT * FROM kt_test WHERE key = E'tab\there';
SELECT * FROM kt_test WHERE key = 'ключ';

DELETE FROM kt_test;
