-- Savepoints and PL/pgSQL exception blocks discard exactly their KT writes;
-- kt_fdw_stats() shows the buffer; conflict_check fails a commit with 40001.
\set SHOW_CONTEXT never
\set QUIET off
\getenv kt_host KT_HOST
\getenv kt_port KT_PORT
DO $$ BEGIN DELETE FROM kt_test; END $$;

-- nested savepoints: every level reads its own state
BEGIN;
INSERT INTO kt_test VALUES ('a', '1');
SAVEPOINT s1;
UPDATE kt_test SET value = '2' WHERE key = 'a';
INSERT INTO kt_test VALUES ('b', '1');
SAVEPOINT s2;
DELETE FROM kt_test WHERE key = 'a';
INSERT INTO kt_test VALUES ('c', '1');
SELECT * FROM kt_test ORDER BY key;
SELECT * FROM kt_test WHERE key = 'a';
ROLLBACK TO SAVEPOINT s2;
SELECT * FROM kt_test ORDER BY key;
SAVEPOINT s3;
UPDATE kt_test SET value = '3' WHERE key = 'b';
RELEASE SAVEPOINT s3;
SELECT * FROM kt_test ORDER BY key;
ROLLBACK TO SAVEPOINT s1;
SELECT * FROM kt_test ORDER BY key;
SELECT * FROM kt_test WHERE key = 'b';
SAVEPOINT s4;
INSERT INTO kt_test VALUES ('d', '4');
RELEASE SAVEPOINT s4;
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- a savepoint rolled back twice; the keys existed before the transaction
BEGIN;
SAVEPOINT sp;
DELETE FROM kt_test;
SELECT count(*) FROM kt_test;
ROLLBACK TO SAVEPOINT sp;
SELECT count(*) FROM kt_test;
UPDATE kt_test SET value = 'x';
ROLLBACK TO SAVEPOINT sp;
SELECT * FROM kt_test ORDER BY key;
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- PL/pgSQL exception blocks are subtransactions: a caught error drops the
-- block's KT writes
CREATE FUNCTION kt_try(k text, v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    INSERT INTO kt_test VALUES (k, v);
    IF v = 'fail' THEN
      RAISE EXCEPTION 'refused %', k;
    END IF;
    RETURN 'inserted';
  EXCEPTION
    WHEN unique_violation THEN RETURN 'duplicate';
    WHEN raise_exception THEN RETURN 'rolled back';
  END;
END $$;
BEGIN;
SELECT kt_try('e1', 'ok') AS e1, kt_try('e2', 'fail') AS e2, kt_try('a', 'again') AS a;
SELECT * FROM kt_test ORDER BY key;
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- nested blocks: the inner block's write goes, the outer block's stays
DO $$
BEGIN
  UPDATE kt_test SET value = 'outer' WHERE key = 'a';
  BEGIN
    UPDATE kt_test SET value = 'inner' WHERE key = 'd';
    DELETE FROM kt_test WHERE key = 'e1';
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'inner block sees d = %', (SELECT value FROM kt_test WHERE key = 'd');
  END;
END $$;
SELECT * FROM kt_test ORDER BY key;

-- the buffer in kt_fdw_stats(): keys and approximate bytes
BEGIN;
INSERT INTO kt_test SELECT 'big' || i, repeat('x', 1000) FROM generate_series(1, 100) i;
SELECT buffered_writes, buffered_bytes >= 100 * 1000 AS has_bytes FROM kt_fdw_stats();
SAVEPOINT sp;
INSERT INTO kt_test SELECT 'more' || i, repeat('y', 1000) FROM generate_series(1, 100) i;
SELECT buffered_writes, buffered_bytes >= 200 * 1000 AS has_bytes FROM kt_fdw_stats();
ROLLBACK TO SAVEPOINT sp;
SELECT buffered_writes, buffered_bytes < 200 * 1000 AS shrank FROM kt_fdw_stats();
ROLLBACK;
SELECT buffered_writes, buffered_bytes FROM kt_fdw_stats();
SELECT count(*) FROM kt_test;

-- apply options are validated
CREATE SERVER kt_cc FOREIGN DATA WRAPPER kt_fdw OPTIONS (apply 'sometimes');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER kt_cc FOREIGN DATA WRAPPER kt_fdw OPTIONS (apply_batch '0');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER kt_cc FOREIGN DATA WRAPPER kt_fdw OPTIONS (conflict_check 'maybe');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER kt_cc FOREIGN DATA WRAPPER kt_fdw
  OPTIONS (host :'kt_host', port :'kt_port', apply 'auto', apply_batch '2', conflict_check 'on');
CREATE USER MAPPING FOR PUBLIC SERVER kt_cc;
CREATE FOREIGN TABLE kt_cc_test (key text, value text) SERVER kt_cc;
CREATE FOREIGN TABLE kt_nocc_test (key text, value text) SERVER kt_cc OPTIONS (conflict_check 'off');
ALTER FOREIGN TABLE kt_nocc_test OPTIONS (SET conflict_check 'x');
\echo :LAST_ERROR_SQLSTATE

-- conflict_check: another KT client changes a key between this
-- transaction's read and its commit. Here the other client is server
-- kt_server: writes to each server are applied separately at commit, in
-- creation order, so kt_server's write lands first.
DELETE FROM kt_test;
INSERT INTO kt_test VALUES ('c1', 'v0'), ('c3', 'v3');
BEGIN;
UPDATE kt_cc_test SET value = 'mine' WHERE key = 'c1';
INSERT INTO kt_cc_test VALUES ('c2', 'mine');
UPDATE kt_test SET value = 'theirs' WHERE key = 'c1';
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;
-- an INSERT expects the key to be still absent
BEGIN;
INSERT INTO kt_cc_test VALUES ('c2', 'mine');
DELETE FROM kt_cc_test WHERE key = 'c3';
INSERT INTO kt_test VALUES ('c2', 'theirs');
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;
-- the same through a table with conflict_check off: last writer wins
BEGIN;
UPDATE kt_nocc_test SET value = 'mine' WHERE key = 'c1';
UPDATE kt_test SET value = 'theirs again' WHERE key = 'c1';
COMMIT;
SELECT * FROM kt_test ORDER BY key;
-- a read rolled back to a savepoint is not checked
BEGIN;
SAVEPOINT sp;
UPDATE kt_cc_test SET value = 'undone' WHERE key = 'c1';
ROLLBACK TO SAVEPOINT sp;
UPDATE kt_cc_test SET value = 'mine' WHERE key = 'c3';
UPDATE kt_test SET value = 'theirs' WHERE key = 'c1';
COMMIT;
SELECT * FROM kt_test ORDER BY key;
-- apply 'bulk' detects the conflict too (with get_bulk before writing)
ALTER SERVER kt_cc OPTIONS (SET apply 'bulk');
BEGIN;
UPDATE kt_cc_test SET value = 'bulk' WHERE key = 'c3';
DELETE FROM kt_test WHERE key = 'c3';
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test ORDER BY key;

DROP FOREIGN TABLE kt_cc_test, kt_nocc_test;
DROP USER MAPPING FOR PUBLIC SERVER kt_cc;
DROP SERVER kt_cc;
DROP FUNCTION kt_try(text, text);
DELETE FROM kt_test;
