-- Versioned extension: 0.1.0 updated to 0.2.0, 0.3.0 and then 0.4.0 has
-- exactly the objects of a fresh installation of the default version (run
-- in a database of its own).
\set SHOW_CONTEXT never
SELECT name, default_version FROM pg_available_extensions WHERE name = 'kt_fdw';
SELECT source, target, path FROM pg_extension_update_paths('kt_fdw')
  WHERE path IS NOT NULL ORDER BY 1, 2;
CREATE DATABASE kt_fdw_versions TEMPLATE template0;
\c kt_fdw_versions
SET lc_messages = 'C';
CREATE EXTENSION kt_fdw VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
\dx+ kt_fdw
SELECT kt_fdw_version();
-- a 0.1.0 installation works with the 0.2.0 library
CREATE SERVER s FOREIGN DATA WRAPPER kt_fdw OPTIONS (port '1');
CREATE USER MAPPING FOR PUBLIC SERVER s;
CREATE FOREIGN TABLE t (key text, value text) SERVER s;
ALTER EXTENSION kt_fdw UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
\dx+ kt_fdw
SELECT kt_fdw_version();
\d t
-- a kt_fdw_sync trigger created under 0.2.0 (PL/pgSQL) ...
CREATE TABLE src (k text PRIMARY KEY, v text);
CREATE TRIGGER src_sync AFTER INSERT OR UPDATE OR DELETE ON src
  FOR EACH ROW EXECUTE FUNCTION kt_fdw_sync('t', 'k', 'v');
ALTER EXTENSION kt_fdw UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
\dx+ kt_fdw
-- ... runs the C function of 0.3.0 (which buffers without asking KT: the
-- server on port 1 is never reached before COMMIT)
BEGIN;
INSERT INTO src VALUES ('a', '1'), ('b', '2');
SELECT buffered_writes FROM kt_fdw_stats();
ROLLBACK;
ALTER EXTENSION kt_fdw UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
\dx+ kt_fdw
-- the trigger still buffers, and 0.4.0's functions run with a fixed search_path
BEGIN;
INSERT INTO src VALUES ('a', '1');
SELECT buffered_writes FROM kt_fdw_stats();
ROLLBACK;
SELECT p.proname, l.lanname, p.proconfig
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kt_fdw') AND d.deptype = 'e'
   AND l.lanname <> 'c'
 ORDER BY 1;
DROP TABLE src;

-- the objects (and function definitions) of the updated installation ...
CREATE TEMP VIEW kt_fdw_objects AS
  SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
         coalesce(p.proname || '(' || pg_get_function_arguments(p.oid) || ') '
                  || pg_get_function_result(p.oid) || ' ' || p.provolatile::text
                  || p.proisstrict::text || ' ' || coalesce(p.proconfig::text, '') || ' '
                  || p.prosrc || coalesce(pg_get_function_sqlbody(p.oid), ''), '') AS definition
  FROM pg_depend d LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
  WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kt_fdw');
CREATE TEMP TABLE updated AS SELECT * FROM kt_fdw_objects;
DROP EXTENSION kt_fdw CASCADE;
-- ... equal those of a fresh installation of the default version
CREATE EXTENSION kt_fdw;
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
CREATE TEMP TABLE fresh AS SELECT * FROM kt_fdw_objects;
SELECT count(*) AS objects FROM fresh;
(SELECT 'only updated' AS side, * FROM updated EXCEPT SELECT 'only updated', * FROM fresh)
UNION ALL
(SELECT 'only fresh', * FROM fresh EXCEPT SELECT 'only fresh', * FROM updated);

\c kt_fdw_regression
DROP DATABASE kt_fdw_versions;
