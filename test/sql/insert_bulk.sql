-- Bulk INSERT: a batched INSERT buffers its rows at once and checks their
-- keys against KT in the background, one get_bulk per 10,000 keys, the last
-- group at the end of the statement. Duplicates must still fail the
-- statement with 23505 naming the key, and leave nothing behind.
\set SHOW_CONTEXT never
\set QUIET off
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE FOREIGN TABLE kt_bulk (key text, value text) SERVER kt_server;
-- b5000 is in the first group of 10,000 keys, b24990 in the last one
INSERT INTO kt_bulk VALUES ('b5000', 'old'), ('b24990', 'old');

-- a key KT has, found by a background check: 23505 naming it, KT untouched
\set VERBOSITY terse
INSERT INTO kt_bulk SELECT 'b' || i, 'new' FROM generate_series(1, 25000) i;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_bulk ORDER BY key;
-- the same, found only by the check at the end of the statement
INSERT INTO kt_bulk SELECT 'b' || i, 'new' FROM generate_series(6000, 25000) i;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM kt_bulk ORDER BY key;

-- inside a transaction: ROLLBACK TO SAVEPOINT drops the failed statement's
-- rows, the earlier ones stay and commit
BEGIN;
INSERT INTO kt_bulk VALUES ('s1', 'kept');
SAVEPOINT sp;
INSERT INTO kt_bulk SELECT 'b' || i, 'new' FROM generate_series(20000, 25000) i;
ROLLBACK TO SAVEPOINT sp;
SELECT count(*) FROM kt_bulk;
COMMIT;
SELECT * FROM kt_bulk ORDER BY key;

-- a key repeated within the statement, in another batch: found at once
INSERT INTO kt_bulk SELECT 'd' || (i % 150), 'x' FROM generate_series(1, 300) i;
\echo :LAST_ERROR_SQLSTATE
-- a key an earlier statement of the transaction wrote
BEGIN;
INSERT INTO kt_bulk SELECT 'e' || i, 'x' FROM generate_series(1, 500) i;
INSERT INTO kt_bulk SELECT 'e' || i, 'x' FROM generate_series(450, 460) i;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- a key deleted earlier in the transaction may be inserted again
BEGIN;
DELETE FROM kt_bulk WHERE key = 'b5000';
INSERT INTO kt_bulk SELECT 'b' || i, 'again' FROM generate_series(4999, 5001) i;
SELECT * FROM kt_bulk ORDER BY key;
ROLLBACK;
\set VERBOSITY default

-- PL/pgSQL catches the deferred unique_violation; its block's rows are gone
DO $$
BEGIN
  INSERT INTO kt_bulk SELECT 'f' || i, 'x' FROM generate_series(1, 1000) i
    UNION ALL SELECT 'b24990', 'x';
EXCEPTION WHEN unique_violation THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT count(*) FROM kt_bulk WHERE key LIKE 'f%';

-- ON CONFLICT DO NOTHING is answered per batch: the count is exact
INSERT INTO kt_bulk SELECT 'b' || i, 'new' FROM generate_series(24981, 25010) i
  ON CONFLICT DO NOTHING;
SELECT count(*) FROM kt_bulk;
-- RETURNING goes row by row
INSERT INTO kt_bulk VALUES ('r1', 'a'), ('r2', 'b') RETURNING key, value;
\set VERBOSITY terse
INSERT INTO kt_bulk VALUES ('r3', 'c'), ('b24990', 'd') RETURNING key;
\set VERBOSITY default
SELECT key FROM kt_bulk WHERE key LIKE 'r%' ORDER BY key;

-- AFTER ROW triggers run before the end of the statement, so a table with
-- one checks each batch at once: the trigger never sees a failed row
CREATE FUNCTION kt_bulk_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'after insert of %', NEW.key;
  RETURN NULL;
END $$;
CREATE TRIGGER kt_bulk_note AFTER INSERT ON kt_bulk
  FOR EACH ROW EXECUTE FUNCTION kt_bulk_note();
\set VERBOSITY terse
INSERT INTO kt_bulk VALUES ('t1', 'x'), ('b24990', 'x');
\set VERBOSITY default
INSERT INTO kt_bulk VALUES ('t2', 'x');
DROP TRIGGER kt_bulk_note ON kt_bulk;
DROP FUNCTION kt_bulk_note();

-- COPY FROM goes row by row but checks like a batched INSERT: the key KT
-- has fails the COPY at its end, naming it, and KT is untouched
\set VERBOSITY terse
COPY kt_bulk FROM stdin;
c1	x
b24990	x
c2	x
\.
\set VERBOSITY default
SELECT count(*) FROM kt_bulk WHERE key LIKE 'c%';
COPY kt_bulk FROM stdin;
c1	x
c2	x
\.
SELECT * FROM kt_bulk WHERE key LIKE 'c%' ORDER BY key;
-- with a BEFORE ROW trigger COPY checks each row before the next one
CREATE FUNCTION kt_bulk_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'before insert of %', NEW.key;
  RETURN NEW;
END $$;
CREATE TRIGGER kt_bulk_before BEFORE INSERT ON kt_bulk
  FOR EACH ROW EXECUTE FUNCTION kt_bulk_before();
\set VERBOSITY terse
COPY kt_bulk FROM stdin;
c3	x
b24990	x
c4	x
\.
\set VERBOSITY default
DROP TRIGGER kt_bulk_before ON kt_bulk;
DROP FUNCTION kt_bulk_before();

-- a large INSERT that succeeds, with a larger batch_size too
INSERT INTO kt_bulk SELECT 'g' || i, 'x' FROM generate_series(1, 25000) i;
ALTER FOREIGN TABLE kt_bulk OPTIONS (ADD batch_size '5000');
INSERT INTO kt_bulk SELECT 'h' || i, 'x' FROM generate_series(1, 12345) i;
SELECT left(key, 1) AS k, count(*) FROM kt_bulk GROUP BY 1 ORDER BY 1;

DELETE FROM kt_bulk;
DROP FOREIGN TABLE kt_bulk;
