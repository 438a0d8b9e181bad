-- EXPLAIN ANALYZE shows each kt_fdw scan's KT round trips and the records
-- it read, over all its rescans.
\set SHOW_CONTEXT never
CREATE FOREIGN TABLE kt_exa (key text, value text) SERVER kt_server OPTIONS (db '1', prefix 'exa:');
DO $$ BEGIN DELETE FROM kt_exa; END $$;
INSERT INTO kt_exa VALUES ('a', '1'), ('b', '2'), ('c', '3');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM kt_exa WHERE key = 'a';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM kt_exa WHERE key IN ('a', 'b', 'nope');
-- a get per outer row: three round trips, two records found
CREATE TABLE kt_exa_outer (k text);
INSERT INTO kt_exa_outer VALUES ('a'), ('c'), ('zz');
ANALYZE kt_exa_outer;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT o.k, t.value FROM kt_exa_outer o JOIN kt_exa t ON t.key = o.k;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
-- a read the transaction's buffer answers asks KT nothing
BEGIN;
UPDATE kt_exa SET value = 'x' WHERE key = 'b';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM kt_exa WHERE key = 'b';
ROLLBACK;
DROP TABLE kt_exa_outer;
DO $$ BEGIN DELETE FROM kt_exa; END $$;
DROP FOREIGN TABLE kt_exa;
