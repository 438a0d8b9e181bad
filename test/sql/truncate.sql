-- TRUNCATE clears the table's KT database at COMMIT, like any other write:
-- buffered, seen by later reads of the transaction, undone by ROLLBACK.
\set SHOW_CONTEXT never
\set QUIET off
DO $$ BEGIN DELETE FROM kt_test; DELETE FROM kt_bin; END $$;
INSERT INTO kt_test VALUES ('a', '1'), ('b', '2');

-- rolled back: KT keeps its rows
BEGIN;
TRUNCATE kt_test;
SELECT count(*) FROM kt_test;
SELECT * FROM kt_test WHERE key = 'a';
-- the table is empty now, so this is no duplicate
INSERT INTO kt_test VALUES ('a', 'again');
SELECT * FROM kt_test ORDER BY key;
ROLLBACK;
SELECT * FROM kt_test ORDER BY key;

-- every access path sees the TRUNCATE: point get, IN list, prefix, and on a
-- key-ordered table ranges, ORDER BY key and the full cursor walk
CREATE FOREIGN TABLE kt_trunc_tree (key text COLLATE "C", value text) SERVER kt_server
  OPTIONS (db '1', ordered 'true');
INSERT INTO kt_trunc_tree VALUES ('t1', 'x'), ('t2', 'y');
BEGIN;
TRUNCATE kt_test, kt_trunc_tree;
INSERT INTO kt_test VALUES ('a2', 'new');
INSERT INTO kt_trunc_tree VALUES ('t3', 'z');
SELECT * FROM kt_test WHERE key = 'b';
SELECT * FROM kt_test WHERE key IN ('a', 'b', 'a2') ORDER BY key;
SELECT * FROM kt_test WHERE key LIKE 'a%' ORDER BY key;
SELECT * FROM kt_trunc_tree WHERE key >= 't1' ORDER BY key;
SELECT * FROM kt_trunc_tree WHERE key BETWEEN 't0' AND 't9';
SELECT * FROM kt_trunc_tree ORDER BY key;
SELECT count(*) FROM kt_trunc_tree;
ROLLBACK;
SELECT * FROM kt_trunc_tree ORDER BY key;
DELETE FROM kt_trunc_tree;
DROP FOREIGN TABLE kt_trunc_tree;

-- committed: only the writes made after the TRUNCATE remain
BEGIN;
UPDATE kt_test SET value = 'before' WHERE key = 'b';
TRUNCATE kt_test;
INSERT INTO kt_test VALUES ('c', '3');
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- ROLLBACK TO SAVEPOINT undoes a TRUNCATE made after the savepoint
INSERT INTO kt_test VALUES ('d', '4');
BEGIN;
SAVEPOINT s1;
TRUNCATE kt_test;
INSERT INTO kt_test VALUES ('e', '5');
ROLLBACK TO s1;
SELECT * FROM kt_test ORDER BY key;
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- RELEASE keeps it; writes of the outer level made before it are gone
BEGIN;
INSERT INTO kt_test VALUES ('f', '6');
SAVEPOINT s1;
TRUNCATE kt_test;
RELEASE s1;
INSERT INTO kt_test VALUES ('g', '7');
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- several tables (and the options Postgres accepts for TRUNCATE) in one statement
INSERT INTO kt_bin VALUES ('\x01', '\x02');
TRUNCATE ONLY kt_test, kt_bin RESTART IDENTITY CASCADE;
SELECT count(*) FROM kt_test;
SELECT count(*) FROM kt_bin;

-- a local table and a foreign table together
CREATE TABLE local_rules (name text);
INSERT INTO local_rules VALUES ('r1');
INSERT INTO kt_test VALUES ('h', '8');
BEGIN;
TRUNCATE local_rules, kt_test;
ROLLBACK;
SELECT count(*) FROM local_rules;
SELECT * FROM kt_test ORDER BY key;
TRUNCATE local_rules, kt_test;
SELECT count(*) FROM local_rules;
SELECT count(*) FROM kt_test;
DROP TABLE local_rules;

-- a readonly table refuses TRUNCATE before anything is buffered
CREATE FOREIGN TABLE kt_ro (key text, value text) SERVER kt_server
  OPTIONS (readonly 'true');
INSERT INTO kt_test VALUES ('i', '9');
TRUNCATE kt_test, kt_ro;
SELECT * FROM kt_test ORDER BY key;
DROP FOREIGN TABLE kt_ro;

-- a table with the prefix option truncates only the keys under its prefix
CREATE FOREIGN TABLE kt_pre (key text, value text) SERVER kt_server
  OPTIONS (prefix 'pre:');
INSERT INTO kt_pre VALUES ('inside', 'x'), ('inside2', 'y');
SELECT * FROM kt_test ORDER BY key;
BEGIN;
TRUNCATE kt_pre;
SELECT * FROM kt_test ORDER BY key;
SELECT count(*) FROM kt_pre;
INSERT INTO kt_pre VALUES ('inside2', 'again');
COMMIT;
SELECT * FROM kt_test ORDER BY key;
DELETE FROM kt_pre;
DROP FOREIGN TABLE kt_pre;

-- PREPARE TRANSACTION after a TRUNCATE is refused like after any KT write
BEGIN;
TRUNCATE kt_test;
PREPARE TRANSACTION 'kt_truncate';
