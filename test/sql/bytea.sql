-- bytea keys and values carry any byte, NUL included (KT database 1).
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
DO $$ BEGIN DELETE FROM kt_bin; END $$;
DO $$ BEGIN DELETE FROM kt_test; END $$;

INSERT INTO kt_bin VALUES
  ('\x00', '\x6100620063'),
  ('\xdead00beef', '\x00'),
  ('\x00ff', '\x'),
  ('\x0a09', '\x0d0a');
SELECT key, value, length(key) AS klen, length(value) AS vlen
  FROM kt_bin ORDER BY key;
SELECT value FROM kt_bin WHERE key = '\xdead00beef';
SELECT value FROM kt_bin WHERE key = '\xdead';
\set VERBOSITY terse
INSERT INTO kt_bin VALUES ('\x00', '\x01');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
UPDATE kt_bin SET value = '\x0000' WHERE key = '\x00';
DELETE FROM kt_bin WHERE key = '\xdead00beef';
SELECT key, value FROM kt_bin ORDER BY key;

-- database 1 is separate from database 0
SELECT count(*) FROM kt_test;

DELETE FROM kt_bin;
SELECT count(*) FROM kt_bin;
