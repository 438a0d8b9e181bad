-- Writes are buffered per transaction and applied at COMMIT.
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
DO $$ BEGIN DELETE FROM kt_test; END $$;

-- read-your-writes, and ROLLBACK leaves KT untouched
BEGIN;
INSERT INTO kt_test VALUES ('tx1', 'v1');
SELECT * FROM kt_test;
SELECT * FROM kt_test WHERE key = 'tx1';
ROLLBACK;
SELECT * FROM kt_test;

-- DELETE then SELECT in one transaction
INSERT INTO kt_test VALUES ('d1', 'v'), ('d2', 'w');
BEGIN;
DELETE FROM kt_test WHERE key = 'd1';
SELECT * FROM kt_test ORDER BY key;
SELECT * FROM kt_test WHERE key = 'd1';
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- UPDATE seen inside, gone after ROLLBACK
BEGIN;
UPDATE kt_test SET value = 'changed' WHERE key = 'd2';
SELECT * FROM kt_test WHERE key = 'd2';
ROLLBACK;
SELECT * FROM kt_test WHERE key = 'd2';

-- insert, delete and re-insert of one key in one transaction
BEGIN;
INSERT INTO kt_test VALUES ('x1', 'first');
DELETE FROM kt_test WHERE key = 'x1';
INSERT INTO kt_test VALUES ('x1', 'second');
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- ROLLBACK TO SAVEPOINT drops exactly the later writes
BEGIN;
INSERT INTO kt_test VALUES ('s1', 'a');
SAVEPOINT sp;
INSERT INTO kt_test VALUES ('s2', 'b');
UPDATE kt_test SET value = 'a2' WHERE key = 's1';
ROLLBACK TO SAVEPOINT sp;
SELECT * FROM kt_test ORDER BY key;
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- an error aborts the whole transaction's writes
BEGIN;
INSERT INTO kt_test VALUES ('e1', 'a');
\set VERBOSITY terse
INSERT INTO kt_test VALUES ('d2', 'dup');
\set VERBOSITY default
COMMIT;
SELECT * FROM kt_test ORDER BY key;

-- PREPARE TRANSACTION after a KT write is refused
BEGIN;
INSERT INTO kt_test VALUES ('p1', 'x');
PREPARE TRANSACTION 'kt_fdw_p1';
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_test WHERE key = 'p1';
SELECT count(*) FROM pg_prepared_xacts;
-- reading only does not block two-phase commit
BEGIN;
SELECT count(*) FROM kt_test;
PREPARE TRANSACTION 'kt_fdw_ro';
COMMIT PREPARED 'kt_fdw_ro';

DELETE FROM kt_test;
