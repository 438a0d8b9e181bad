-- Access paths (issue 6): every key condition reaches KT as the cheapest
-- operation, shown as "KT Operation" in EXPLAIN; results are checked too.
\set SHOW_CONTEXT never
-- a hash database (0) and a key-ordered tree database (1, option ordered)
CREATE FOREIGN TABLE kt_paths (key text, value text) SERVER kt_server;
CREATE FOREIGN TABLE kt_tree (key text COLLATE "C", value text) SERVER kt_server
  OPTIONS (db '1', ordered 'true');
CREATE FOREIGN TABLE kt_tree_bin (key bytea, value text) SERVER kt_server
  OPTIONS (db '1', ordered 'true');
DELETE FROM kt_paths;
DELETE FROM kt_tree;
INSERT INTO kt_paths SELECT 'k' || i, 'v' || i FROM generate_series(1, 30) i;
INSERT INTO kt_paths VALUES ('a_b', 'underscore'), ('axb', 'x'), ('a\b', 'backslash'),
  ('a%b', 'percent');
INSERT INTO kt_tree SELECT 'r' || lpad(i::text, 4, '0'), 'v' || i FROM generate_series(1, 1500) i;

-- option validation
\set VERBOSITY terse
CREATE FOREIGN TABLE kt_bad (key text, value text) SERVER kt_server OPTIONS (ordered 'sometimes');
ALTER FOREIGN TABLE kt_tree OPTIONS (ADD batch_size '0');
ALTER SERVER kt_server OPTIONS (ADD ordered 'true');
\set VERBOSITY default

-- IN lists and = ANY: one get_bulk, estimated at the number of keys
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key IN ('k1', 'k2', 'nope');
SELECT * FROM kt_paths WHERE key IN ('k1', 'k2', 'nope') ORDER BY key;
SELECT * FROM kt_paths WHERE key IN ('k3', 'k3', NULL) ORDER BY key;
SELECT count(*) FROM kt_paths WHERE key IN (NULL);
EXPLAIN SELECT * FROM kt_paths WHERE key IN ('k1', 'k2', 'k3', 'k4');
PREPARE by_keys(text[]) AS SELECT key, value FROM kt_paths WHERE key = ANY($1) ORDER BY key;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_keys('{k5,k6}');
EXECUTE by_keys('{k5,k6,k7,none}');
EXECUTE by_keys(NULL);
RESET plan_cache_mode;
DEALLOCATE by_keys;
-- an IN list of parameters (an ARRAY[] of Params)
PREPARE by_two(text, text) AS SELECT key FROM kt_paths WHERE key IN ($1, $2) ORDER BY key;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_two('k8', 'k9');
EXECUTE by_two('k8', 'k9');
RESET plan_cache_mode;
DEALLOCATE by_two;

-- a key computed from a parameter (no columns, nothing volatile) is a get
PREPARE by_expr(int) AS SELECT value FROM kt_paths WHERE key = 'k' || $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_expr(5);
EXECUTE by_expr(5);
RESET plan_cache_mode;
DEALLOCATE by_expr;
-- a volatile one is not
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key = 'k' || (random() * 0)::int;

-- prefixes: match_prefix, the condition rechecked by Postgres
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key LIKE 'k1%';
SELECT * FROM kt_paths WHERE key LIKE 'k1%' ORDER BY key;
SELECT * FROM kt_paths WHERE key LIKE 'k2%0' ORDER BY key;
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE starts_with(key, 'k3');
SELECT * FROM kt_paths WHERE starts_with(key, 'k3') ORDER BY key;
SELECT * FROM kt_paths WHERE key ^@ 'a' ORDER BY key;
-- wildcards and escapes before the % are not pushed down: a full scan
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key LIKE 'a_b%';
SELECT * FROM kt_paths WHERE key LIKE 'a_b%' ORDER BY key;
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key LIKE 'a\%b';
SELECT * FROM kt_paths WHERE key LIKE 'a\%b' ORDER BY key;
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key LIKE '%1';
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key ILIKE 'k1%';
-- a LIKE pattern from a parameter: its prefix is found when the scan starts
PREPARE like_p(text) AS SELECT key FROM kt_paths WHERE key LIKE $1 ORDER BY key;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE like_p('k2%');
EXECUTE like_p('k2%');
EXECUTE like_p('%0');
EXECUTE like_p('a_b');
RESET plan_cache_mode;
DEALLOCATE like_p;
-- LIMIT with a prefix served exactly: match_prefix asks for few keys
EXPLAIN (COSTS OFF) SELECT key FROM kt_paths WHERE key LIKE 'k1%' LIMIT 2;
SELECT count(*) FROM (SELECT key FROM kt_paths WHERE key LIKE 'k1%' LIMIT 2) s;

-- key order on an ordered table: no Sort, LIMIT stops the scan early
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree ORDER BY key LIMIT 3;
SELECT * FROM kt_tree ORDER BY key LIMIT 3;
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree ORDER BY key DESC LIMIT 3;
SELECT * FROM kt_tree ORDER BY key DESC LIMIT 3;
-- a hash table keeps its Sort
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths ORDER BY key LIMIT 3;
-- a full scan of an ordered table lists its keys (in key order) like a hash table
EXPLAIN (COSTS OFF) SELECT count(*), min(key), max(key) FROM kt_tree;
SELECT count(*), min(key), max(key) FROM kt_tree;
SELECT count(*) FROM (SELECT key, lag(key) OVER (ORDER BY key) AS prev FROM kt_tree) s
  WHERE prev >= key;

-- ranges on an ordered table: cursor jump, stop at the bound
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree WHERE key >= 'r0100' AND key < 'r0104' ORDER BY key;
SELECT * FROM kt_tree WHERE key >= 'r0100' AND key < 'r0104' ORDER BY key;
SELECT * FROM kt_tree WHERE key > 'r0100' AND key <= 'r0104' ORDER BY key;
SELECT * FROM kt_tree WHERE key BETWEEN 'r0998' AND 'r1001' ORDER BY key;
SELECT * FROM kt_tree WHERE 'r1498' < key ORDER BY key;
SELECT count(*) FROM kt_tree WHERE key < 'r0011';
SELECT count(*) FROM kt_tree WHERE key > 'r0100' AND key < 'r0100';
SELECT count(*) FROM kt_tree WHERE key >= 'zzz';
SELECT count(*) FROM kt_tree WHERE key > NULL;
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree WHERE key > 'r1000' ORDER BY key LIMIT 2;
SELECT * FROM kt_tree WHERE key > 'r1000' ORDER BY key LIMIT 2;
-- a range with a non-C collation is not KT's order: no range, a Sort
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree WHERE key > 'r1000' COLLATE "und-x-icu" ORDER BY key;
EXPLAIN (COSTS OFF) SELECT * FROM kt_tree ORDER BY key COLLATE "und-x-icu" LIMIT 1;
-- a range on a hash table is a full scan
EXPLAIN (COSTS OFF) SELECT * FROM kt_paths WHERE key > 'k2';
SELECT * FROM kt_paths WHERE key > 'k28' ORDER BY key;
-- bytea keys: byte order
EXPLAIN (COSTS OFF) SELECT key FROM kt_tree_bin WHERE key >= '\x72303031'::bytea ORDER BY key LIMIT 2;
SELECT key FROM kt_tree_bin WHERE key >= '\x72303031'::bytea ORDER BY key LIMIT 2;
-- range bounds from parameters
PREPARE rng(text, text) AS SELECT key FROM kt_tree WHERE key BETWEEN $1 AND $2 ORDER BY key;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE rng('r0001', 'r0003');
EXECUTE rng('r0001', 'r0003');
EXECUTE rng('r0003', 'r0001');
RESET plan_cache_mode;
DEALLOCATE rng;

-- the transaction's own writes are merged in key order
BEGIN;
INSERT INTO kt_tree VALUES ('r0100x', 'new'), ('a', 'first');
DELETE FROM kt_tree WHERE key = 'r0101';
UPDATE kt_tree SET value = 'changed' WHERE key = 'r0102';
SELECT * FROM kt_tree ORDER BY key LIMIT 3;
SELECT * FROM kt_tree WHERE key BETWEEN 'r0100' AND 'r0103' ORDER BY key;
SELECT * FROM kt_tree WHERE key IN ('r0100x', 'r0101', 'r0102') ORDER BY key;
SELECT * FROM kt_tree WHERE key LIKE 'r0100%' ORDER BY key;
SELECT count(*) FROM kt_tree;
ROLLBACK;

-- joins on the key keep their parameterized get
CREATE TEMP TABLE wanted (k text);
INSERT INTO wanted VALUES ('k1'), ('k2'), ('nope');
ANALYZE wanted;
EXPLAIN (COSTS OFF) SELECT w.k, p.value FROM wanted w JOIN kt_paths p ON p.key = w.k;
SELECT w.k, p.value FROM wanted w JOIN kt_paths p ON p.key = w.k ORDER BY 1;

-- batch_size: server and table option
ALTER SERVER kt_server OPTIONS (ADD batch_size '7');
ALTER FOREIGN TABLE kt_paths OPTIONS (ADD batch_size '3');
INSERT INTO kt_paths SELECT 'b' || i, 'x' FROM generate_series(1, 10) i;
SELECT count(*) FROM kt_paths WHERE key LIKE 'b%';
\set VERBOSITY terse
INSERT INTO kt_paths SELECT 'b' || i, 'x' FROM generate_series(9, 12) i;
\set VERBOSITY default
INSERT INTO kt_paths SELECT 'b' || i, 'x' FROM generate_series(9, 12) i ON CONFLICT DO NOTHING;
SELECT key FROM kt_paths WHERE key LIKE 'b1%' ORDER BY key;
ALTER FOREIGN TABLE kt_paths OPTIONS (DROP batch_size);
ALTER SERVER kt_server OPTIONS (DROP batch_size);

DELETE FROM kt_paths;
DELETE FROM kt_tree;
DROP FOREIGN TABLE kt_paths, kt_tree, kt_tree_bin;
