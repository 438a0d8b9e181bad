-- The empty key '' is a KT key like any other, and an empty value is a
-- record, distinct from a missing one (text: KT database 0, bytea: 1).
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
DO $$ BEGIN DELETE FROM kt_test; DELETE FROM kt_bin; END $$;

INSERT INTO kt_test VALUES ('', 'first');
-- every later INSERT of '' is a unique violation; KT keeps 'first'
\set VERBOSITY terse
INSERT INTO kt_test VALUES ('', 'second');
INSERT INTO kt_test SELECT '', 'second';
INSERT INTO kt_test VALUES ('b', '1'), ('', 'second');
INSERT INTO kt_test VALUES ('', 'second') RETURNING key;
COPY kt_test FROM stdin;
	second
\.
BEGIN;
INSERT INTO kt_test VALUES ('', 'second');
ROLLBACK;
SELECT key, value FROM kt_test ORDER BY key;
-- twice in one statement: the second row is the duplicate
DELETE FROM kt_test WHERE key = '';
INSERT INTO kt_test VALUES ('', 'x'), ('', 'y');
\set VERBOSITY default
SELECT key, value FROM kt_test ORDER BY key;
INSERT INTO kt_test VALUES ('', 'first');

-- ON CONFLICT DO NOTHING skips it
INSERT INTO kt_test VALUES ('', 'second'), ('n', 'new') ON CONFLICT DO NOTHING
  RETURNING key, value;
SELECT key = '' AS empty_key, value FROM kt_test ORDER BY key;

-- UPDATE, DELETE and RETURNING find the '' row by key; key moves
UPDATE kt_test SET value = 'u' WHERE key = '' RETURNING key = '' AS empty_key, value;
\set VERBOSITY terse
UPDATE kt_test SET key = 'n' WHERE key = '';
UPDATE kt_test SET key = '' WHERE key = 'n';
\set VERBOSITY default
UPDATE kt_test SET key = 'moved' WHERE key = '';
SELECT count(*) FROM kt_test WHERE key = '';
UPDATE kt_test SET key = '' WHERE key = 'n' RETURNING key = '' AS empty_key, value;
SELECT key, value FROM kt_test ORDER BY key;
DELETE FROM kt_test WHERE key = '' RETURNING key = '' AS empty_key, value;
DELETE FROM kt_test WHERE key = '';

-- savepoints
BEGIN;
SAVEPOINT a;
INSERT INTO kt_test VALUES ('', 'rolled back');
ROLLBACK TO SAVEPOINT a;
SELECT count(*) FROM kt_test WHERE key = '';
INSERT INTO kt_test VALUES ('', 'kept');
SAVEPOINT b;
DELETE FROM kt_test WHERE key = '';
ROLLBACK TO SAVEPOINT b;
SAVEPOINT c;
INSERT INTO kt_test VALUES ('', 'duplicate');
ROLLBACK TO SAVEPOINT c;
COMMIT;
SELECT key, value FROM kt_test WHERE key = '';

-- an empty value is a record: '' (not NULL), where a missing key has no row
DELETE FROM kt_test;
INSERT INTO kt_test VALUES ('e', ''), ('', '');
SELECT key, value, value IS NULL AS is_null, length(value) FROM kt_test ORDER BY key;
SELECT value IS NULL AS is_null FROM kt_test WHERE key = 'e';
SELECT count(*) FROM kt_test WHERE key = 'missing';
SELECT count(*) FROM kt_test WHERE key IN ('e', '', 'missing');
SELECT l.k, t.value IS NULL AS no_row, length(t.value)
  FROM (VALUES ('e'), (''), ('missing')) l(k) LEFT JOIN kt_test t ON t.key = l.k
  ORDER BY l.k;
\set VERBOSITY terse
INSERT INTO kt_test VALUES ('e', 'x');
INSERT INTO kt_test VALUES ('null', NULL);
\set VERBOSITY default

-- bytea: the zero-length key '\x' and value
INSERT INTO kt_bin VALUES ('\x', '\x'), ('\x00', '\x');
\set VERBOSITY terse
INSERT INTO kt_bin VALUES ('\x', '\x01');
\set VERBOSITY default
SELECT key, value, length(key) AS klen, length(value) AS vlen FROM kt_bin ORDER BY key;
UPDATE kt_bin SET key = '\x01' WHERE key = '\x';
UPDATE kt_bin SET key = '\x' WHERE key = '\x00';
SELECT key, value FROM kt_bin ORDER BY key;
DELETE FROM kt_bin WHERE key = '\x' RETURNING key, value;
SELECT key, value FROM kt_bin ORDER BY key;

DELETE FROM kt_test;
DELETE FROM kt_bin;
