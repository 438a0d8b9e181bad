-- kt_fdw_sync re-entered during its own row conversion: a cast to text that
-- runs SQL changing the synced table fires the trigger again while the outer
-- call is converting its row. The nested call takes kt_fdw_sync_checked();
-- it used to rebuild the trigger's cache entry (another user) under the
-- outer call, which then ran on freed memory (a backend crash).
\set SHOW_CONTEXT never
DO $$ BEGIN DELETE FROM kt_test; END $$;
CREATE ROLE regress_kt_sync_reentry;
CREATE FOREIGN TABLE reentry_tgt (key text, value text) SERVER kt_server OPTIONS (prefix 're:');
CREATE TYPE reentry_t AS (t text);
CREATE TABLE reentry_src (id int PRIMARY KEY, v reentry_t);
-- the cast of a positive t inserts a row of its own (t = 0: no further row);
-- its own search_path, since kt_fdw_sync_checked runs with pg_catalog's
CREATE FUNCTION reentry_text(reentry_t) RETURNS text LANGUAGE sql SECURITY DEFINER
  SET search_path = public AS $$
  INSERT INTO reentry_src SELECT -($1).t::int, ROW('0')::reentry_t WHERE ($1).t::int > 0;
  SELECT 'T' || ($1).t;
$$;
ALTER FUNCTION reentry_text(reentry_t) OWNER TO regress_kt_sync_reentry;
CREATE CAST (reentry_t AS text) WITH FUNCTION reentry_text(reentry_t);
GRANT ALL ON reentry_src, reentry_tgt TO regress_kt_sync_reentry;
CREATE TRIGGER s AFTER INSERT OR UPDATE OR DELETE ON reentry_src
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('reentry_tgt', 'id', 'v');
-- the nested call runs as the function's owner
INSERT INTO reentry_src VALUES (1, ROW('1'));
INSERT INTO reentry_src VALUES (2, ROW('2')), (3, ROW('3'));
SELECT * FROM kt_test ORDER BY key;
-- as the same user
ALTER FUNCTION reentry_text(reentry_t) SECURITY INVOKER;
INSERT INTO reentry_src VALUES (4, ROW('4'));
UPDATE reentry_src SET v = ROW('5') WHERE id = 4;
DELETE FROM reentry_src WHERE id = -4;
SELECT * FROM kt_test ORDER BY key;
SELECT id, (v).t FROM reentry_src ORDER BY id;
DROP TABLE reentry_src;
DROP CAST (reentry_t AS text);
DROP FUNCTION reentry_text(reentry_t);
DROP TYPE reentry_t;
DROP FOREIGN TABLE reentry_tgt;
DROP ROLE regress_kt_sync_reentry;
DO $$ BEGIN DELETE FROM kt_test; END $$;
