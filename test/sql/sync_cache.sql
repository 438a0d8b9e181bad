-- kt_fdw_sync since 0.3.0 (C): no KT round trip while rows change (only
-- the commit's apply), and its per-trigger cache follows catalog changes
-- made between statements of one session.
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE FOREIGN TABLE sync_tgt (key text, value text) SERVER kt_server OPTIONS (prefix 'a:');
CREATE TABLE sync_src (k text PRIMARY KEY, v text);
CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON sync_src
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('sync_tgt', 'k', 'v');
INSERT INTO sync_src SELECT 'r' || i, 'v' || i FROM generate_series(1, 20) i;
-- 60 row changes, no KT round trip before COMMIT
CREATE TEMP TABLE trips AS SELECT round_trips FROM kt_fdw_server_stats() WHERE server_name = 'kt_server';
BEGIN;
UPDATE sync_src SET v = v || '!';
UPDATE sync_src SET k = k || 'x' WHERE k < 'r3';
DELETE FROM sync_src WHERE k > 'r5';
SELECT s.round_trips - t.round_trips AS round_trips_before_commit
  FROM kt_fdw_server_stats() s, trips t WHERE s.server_name = 'kt_server';
SELECT buffered_writes FROM kt_fdw_stats();
COMMIT;
SELECT * FROM kt_test ORDER BY key;
-- the target's options, changed between statements
ALTER FOREIGN TABLE sync_tgt OPTIONS (SET prefix 'b:');
UPDATE sync_src SET v = 'moved' WHERE k = 'r4';
SELECT * FROM kt_test WHERE key LIKE 'b:%' ORDER BY key;
ALTER FOREIGN TABLE sync_tgt OPTIONS (ADD readonly 'true');
UPDATE sync_src SET v = 'refused' WHERE k = 'r4';
-- dropped and created again, now with bytea columns
DROP FOREIGN TABLE sync_tgt;
UPDATE sync_src SET v = 'no target' WHERE k = 'r4';
CREATE FOREIGN TABLE sync_tgt (key bytea, value bytea) SERVER kt_server OPTIONS (prefix 'c:');
UPDATE sync_src SET v = 'back' WHERE k = 'r4';
SELECT * FROM kt_test WHERE key LIKE 'c:%' ORDER BY key;
-- the source's columns
ALTER TABLE sync_src RENAME COLUMN v TO w;
UPDATE sync_src SET w = 'renamed' WHERE k = 'r4';
ALTER TABLE sync_src RENAME COLUMN w TO v;
ALTER TABLE sync_src ALTER COLUMN v TYPE boolean USING v = 'back';
UPDATE sync_src SET v = NOT v WHERE k = 'r4';
SELECT * FROM kt_test WHERE key LIKE 'c:%' ORDER BY key;
DROP TABLE sync_src;
DROP FOREIGN TABLE sync_tgt;
DO $$ BEGIN DELETE FROM kt_test; END $$;
