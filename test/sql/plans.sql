-- Key conditions become KT point lookups, however they are written or planned.
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
DO $$ BEGIN DELETE FROM kt_test; END $$;
INSERT INTO kt_test VALUES ('a', '1'), ('b', '2'), ('c', '3');

EXPLAIN (COSTS OFF) SELECT * FROM kt_test WHERE key = 'b';
SELECT * FROM kt_test WHERE key = 'b';
EXPLAIN (COSTS OFF) SELECT * FROM kt_test WHERE 'b' = key;
SELECT * FROM kt_test WHERE 'b' = key;
-- no key condition: a scan
EXPLAIN (COSTS OFF) SELECT * FROM kt_test WHERE value = '2';
SELECT * FROM kt_test WHERE value = '2';

-- a prepared statement keeps the lookup once the plan cache goes generic
PREPARE get_value(text) AS SELECT value FROM kt_test WHERE key = $1;
EXECUTE get_value('a');
EXECUTE get_value('b');
EXECUTE get_value('c');
EXECUTE get_value('a');
EXECUTE get_value('b');
EXECUTE get_value('nope');
EXPLAIN (COSTS OFF) EXECUTE get_value('c');
EXECUTE get_value('c');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE get_value('c');
EXECUTE get_value('c');
RESET plan_cache_mode;
DEALLOCATE get_value;

-- PL/pgSQL lookups (called often enough for its cached plan to go generic)
CREATE FUNCTION kt_lookup(k text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  SELECT value INTO v FROM kt_test WHERE key = k;
  RETURN v;
END
$$;
SELECT k, kt_lookup(k)
  FROM (VALUES ('a'), ('b'), ('c'), ('a'), ('b'), ('c'), ('zz'), ('a')) AS v(k);
DROP FUNCTION kt_lookup(text);

-- nested loop with the foreign table on the inner side, rescanned per
-- outer row (no hash/merge join, no materialization)
CREATE TABLE local_keys (k text, v text);
INSERT INTO local_keys VALUES ('a', '3'), ('c', '1'), ('zz', '2'), ('a', '9');
ANALYZE local_keys;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
  SELECT l.k, t.value FROM local_keys l JOIN kt_test t ON t.key = l.k;
SELECT l.k, t.value FROM local_keys l JOIN kt_test t ON t.key = l.k
  ORDER BY l.k, t.value;
-- a join on the value: each rescan is a full scan
EXPLAIN (COSTS OFF)
  SELECT l.k, t.key FROM local_keys l JOIN kt_test t ON t.value = l.v;
SELECT l.k, t.key FROM local_keys l JOIN kt_test t ON t.value = l.v
  ORDER BY l.k, t.key;
RESET enable_material;
RESET enable_hashjoin;
RESET enable_mergejoin;
DROP TABLE local_keys;

DELETE FROM kt_test;
