-- A db the server does not have fails at the first statement that reaches
-- KT (HV00R), on every access path, with a hint listing the server's
-- databases. The KT port changes per run: it is masked.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.kt_try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m text; d text; h text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || regexp_replace(m, ':[0-9]+\)', ':PORT)') || E'\nDETAIL: ' || d || E'\nHINT: ' || h;
END
$$;
CREATE FOREIGN TABLE kt_nodb_name (key text, value text) SERVER kt_server OPTIONS (db 'nosuch.kch');
CREATE FOREIGN TABLE kt_nodb_index (key text, value text) SERVER kt_server OPTIONS (db '7');
-- a full scan (match_prefix), a point get, an IN list (binary get_bulk,
-- which would find nothing in such a database, silently)
SELECT pg_temp.kt_try('SELECT * FROM kt_nodb_name');
SELECT pg_temp.kt_try('SELECT * FROM kt_nodb_name WHERE key = ''a''');
SELECT pg_temp.kt_try('SELECT * FROM kt_nodb_index');
SELECT pg_temp.kt_try('SELECT * FROM kt_nodb_index WHERE key IN (''a'', ''b'')');
-- writes: the INSERT's duplicate check, and TRUNCATE at commit
SELECT pg_temp.kt_try('INSERT INTO kt_nodb_index VALUES (''a'', ''b'')');
SELECT pg_temp.kt_try('INSERT INTO kt_nodb_name VALUES (''a'', ''b'')');
\set VERBOSITY sqlstate
BEGIN;
TRUNCATE kt_nodb_index;
COMMIT;
\set VERBOSITY default
-- fixed as the hint says
ALTER FOREIGN TABLE kt_nodb_index OPTIONS (SET db '1');
SELECT pg_temp.kt_try('SELECT * FROM kt_nodb_index WHERE key IN (''a'', ''b'')');
DROP FOREIGN TABLE kt_nodb_name, kt_nodb_index;
