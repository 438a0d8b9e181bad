-- EXPLAIN VERBOSE shows where a kt_fdw node reads or writes (server with
-- host:port, database, prefix) and what it sends to KT; the KT port changes
-- per run: it is masked.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.kt_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    RETURN NEXT regexp_replace(l, ':[0-9]+\)', ':PORT)');
  END LOOP;
END
$$;
CREATE FOREIGN TABLE kt_ex (key text, value text) SERVER kt_server OPTIONS (db '1', prefix 'ex:', ordered 'true');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex WHERE key = ''a''');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex WHERE key IN (''a'', ''b'')');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex WHERE key LIKE ''a%''');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex WHERE key > ''a'' AND key <= ''m''');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex WHERE key < ''m''');
SELECT pg_temp.kt_explain('SELECT * FROM kt_ex');
-- a parameter: the expression, whose value exists only at run time
PREPARE kt_ex_get(text) AS SELECT * FROM kt_ex WHERE key = $1;
SET plan_cache_mode = force_generic_plan;
SELECT pg_temp.kt_explain('EXECUTE kt_ex_get(''a'')');
RESET plan_cache_mode;
DEALLOCATE kt_ex_get;
-- modifications: batch size, apply mode and conflict_check
SELECT pg_temp.kt_explain('INSERT INTO kt_ex VALUES (''a'', ''1'')');
SELECT pg_temp.kt_explain('INSERT INTO kt_ex VALUES (''a'', ''1'') ON CONFLICT DO NOTHING');
ALTER FOREIGN TABLE kt_ex OPTIONS (ADD conflict_check 'on', ADD batch_size '50');
SELECT pg_temp.kt_explain('UPDATE kt_ex SET value = ''2'' WHERE key = ''a''');
SELECT pg_temp.kt_explain('DELETE FROM kt_ex WHERE key = ''a''');
SELECT pg_temp.kt_explain('INSERT INTO kt_ex VALUES (''a'', ''1'')');
-- without VERBOSE: none of it
EXPLAIN (COSTS OFF) DELETE FROM kt_ex WHERE key = 'a';
DROP FOREIGN TABLE kt_ex;
