-- The extension in a schema of its own, called with a hostile search_path:
-- a schema listed before pg_catalog that shadows the extension's internal
-- functions and the = operator its PL/pgSQL uses. Every shipped function
-- still works (they call each other as @extschema@.name and run with a
-- fixed search_path). Run in a database of its own.
\set SHOW_CONTEXT never
\getenv kt_host KT_HOST
\getenv kt_port KT_PORT
CREATE DATABASE kt_fdw_extschema TEMPLATE template0;
\c kt_fdw_extschema
SET lc_messages = 'C';
CREATE SCHEMA ext;
CREATE SCHEMA hostile;
-- shadows of the internal functions, and of = on regclass and text
CREATE FUNCTION hostile.kt_fdw_reconcile_batch(target regclass, kt_sql text, ft_key text, ft_key_t text,
    is_json bool, keys text[], vals text[], repair bool)
  RETURNS TABLE (kind text, key text) LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile kt_fdw_reconcile_batch called'; END $$;
CREATE FUNCTION hostile.kt_fdw_reconcile_run(source regclass, target regclass, repair bool,
    batch_size int, caller_search_path text)
  RETURNS TABLE (kind text, key text) LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile kt_fdw_reconcile_run called'; END $$;
CREATE FUNCTION hostile.eq(regclass, regclass) RETURNS bool LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile = (regclass) called'; END $$;
CREATE OPERATOR hostile.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = hostile.eq);
CREATE FUNCTION hostile.eq(text, text) RETURNS bool LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile = (text) called'; END $$;
CREATE OPERATOR hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.eq);

-- 0.3.0 in schema ext: its reconcile calls an unqualified function
CREATE EXTENSION kt_fdw SCHEMA ext VERSION '0.3.0';
CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host :'kt_host', port :'kt_port');
CREATE USER MAPPING FOR PUBLIC SERVER kt;
CREATE FOREIGN TABLE rules_kt (key text, value text) SERVER kt OPTIONS (prefix 'extschema:');
CREATE TABLE rules (name text PRIMARY KEY, action text);
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION ext.kt_fdw_sync('rules_kt', 'name', 'action');
CREATE TRIGGER rules_truncate AFTER TRUNCATE ON rules
  FOR EACH STATEMENT EXECUTE FUNCTION ext.kt_fdw_sync('rules_kt');
SET search_path = public;
INSERT INTO rules VALUES ('a', 'allow'), ('b', 'deny');
SELECT * FROM ext.kt_fdw_reconcile('rules');
ALTER EXTENSION kt_fdw UPDATE TO '0.4.0';
-- not relocatable once created
ALTER EXTENSION kt_fdw SET SCHEMA public;
SELECT e.extversion, n.nspname, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'kt_fdw';

-- the hostile path: hostile first, pg_catalog after it, ext not at all
SET search_path = hostile, pg_catalog, public;
SELECT 'rules_kt'::regclass = 'rules_kt'::regclass;   -- the shadow is live
TRUNCATE rules;                  -- kt_fdw_sync's checked path (PL/pgSQL)
SELECT count(*) FROM rules_kt;
INSERT INTO rules VALUES ('a', 'allow'), ('b', 'deny');   -- its C path
UPDATE rules SET action = 'deny' WHERE name OPERATOR(pg_catalog.=) 'a';
SELECT * FROM rules_kt ORDER BY key;
SELECT * FROM ext.kt_fdw_reconcile('rules');
DO $$ BEGIN DELETE FROM rules_kt WHERE key OPERATOR(pg_catalog.=) 'a';
  INSERT INTO rules_kt VALUES ('stray', 'x'); END $$;
SELECT * FROM ext.kt_fdw_reconcile('rules', batch_size => 1) ORDER BY key;
SELECT * FROM ext.kt_fdw_reconcile('rules', 'rules_kt', repair => true) ORDER BY key;
SELECT * FROM ext.kt_fdw_reconcile('rules');
-- misuse still raises the checked path's own errors
CREATE TABLE nopk (v text);
CREATE TRIGGER t AFTER INSERT ON nopk FOR EACH ROW EXECUTE FUNCTION ext.kt_fdw_sync('nopk');
INSERT INTO nopk VALUES ('x');
DROP TABLE nopk;
-- the C functions
SELECT ext.kt_fdw_version() OPERATOR(pg_catalog.=) extversion AS version_matches FROM pg_extension WHERE extname = 'kt_fdw';
SELECT buffered_writes FROM ext.kt_fdw_stats();
SELECT server_name, connected FROM ext.kt_fdw_server_stats();
SELECT ext.kt_fdw_disconnect('kt'), ext.kt_fdw_disconnect_all();
SELECT databases, error FROM ext.kt_fdw_diag('kt');
-- a fresh 0.4.0 installation behaves the same
RESET search_path;
DROP EXTENSION kt_fdw CASCADE;
CREATE EXTENSION kt_fdw SCHEMA ext;
CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw OPTIONS (host :'kt_host', port :'kt_port');
CREATE USER MAPPING FOR PUBLIC SERVER kt;
CREATE FOREIGN TABLE rules_kt (key text, value text) SERVER kt OPTIONS (prefix 'extschema:');
CREATE TRIGGER rules_sync AFTER INSERT OR UPDATE OR DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION ext.kt_fdw_sync('rules_kt', 'name', 'action');
SET search_path = hostile, pg_catalog, public;
UPDATE rules SET action = 'allow';
SELECT * FROM rules_kt ORDER BY key;
SELECT * FROM ext.kt_fdw_reconcile('rules');
DO $$ BEGIN DELETE FROM rules_kt; END $$;

\c kt_fdw_regression
DROP DATABASE kt_fdw_extschema;
