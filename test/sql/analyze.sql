-- ANALYZE samples KT records so the planner has statistics; the row count
-- is KT's own (status count).
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; DELETE FROM kt_bin; END $$;
SELECT reltuples FROM pg_class WHERE relname = 'kt_test';
INSERT INTO kt_test SELECT 'k' || g, 'v' || (g % 10) FROM generate_series(1, 500) g;
ANALYZE kt_test;
SELECT reltuples FROM pg_class WHERE relname = 'kt_test';
SELECT attname, null_frac, n_distinct FROM pg_stats
  WHERE tablename = 'kt_test' ORDER BY attname;
SELECT most_common_vals FROM pg_stats
  WHERE tablename = 'kt_test' AND attname = 'value';
-- the planner uses them: row estimates from reltuples and the value histogram
CREATE FUNCTION plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j->0->'Plan'->>'Plan Rows')::float8;
END $$;
SELECT plan_rows('SELECT * FROM kt_test');
SELECT plan_rows($$SELECT * FROM kt_test WHERE value = 'v1'$$);
SELECT plan_rows($$SELECT * FROM kt_test WHERE value <> 'v1'$$);
DROP FUNCTION plan_rows(text);

-- a table with the prefix option (in the same KT database as kt_test): its
-- own rows only, their keys without the prefix
CREATE FOREIGN TABLE kt_pre (key text, value text) SERVER kt_server
  OPTIONS (prefix 'pre:');
INSERT INTO kt_pre SELECT 'p' || g, 'x' FROM generate_series(1, 40) g;
ANALYZE kt_pre;
SELECT reltuples FROM pg_class WHERE relname = 'kt_pre';
SELECT n_distinct, histogram_bounds::text LIKE '%pre:%' AS prefixed
  FROM pg_stats WHERE tablename = 'kt_pre' AND attname = 'key';
DELETE FROM kt_pre;
DROP FOREIGN TABLE kt_pre;

-- a sample smaller than the table (statistics target 1: 300 rows)
INSERT INTO kt_bin SELECT int4send(g), int4send(g % 7) FROM generate_series(1, 2000) g;
ALTER FOREIGN TABLE kt_bin ALTER COLUMN value SET STATISTICS 1;
ALTER FOREIGN TABLE kt_bin ALTER COLUMN key SET STATISTICS 1;
ANALYZE VERBOSE kt_bin;
SELECT reltuples FROM pg_class WHERE relname = 'kt_bin';
SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'kt_bin' ORDER BY attname;
ALTER FOREIGN TABLE kt_bin ALTER COLUMN value SET STATISTICS -1;
ALTER FOREIGN TABLE kt_bin ALTER COLUMN key SET STATISTICS -1;

-- an empty database
DELETE FROM kt_bin;
ANALYZE kt_bin;
SELECT reltuples FROM pg_class WHERE relname = 'kt_bin';
DELETE FROM kt_test;

-- a database-wide ANALYZE skips foreign tables: no KT is contacted
CREATE SERVER kt_down FOREIGN DATA WRAPPER kt_fdw OPTIONS (port '1');
CREATE USER MAPPING FOR PUBLIC SERVER kt_down;
CREATE FOREIGN TABLE kt_unreachable (key text, value text) SERVER kt_down;
ANALYZE;
-- named, it is analyzed, and an unreachable KT is an error
ANALYZE kt_unreachable;
DROP SERVER kt_down CASCADE;
