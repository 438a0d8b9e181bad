-- Versioned extension: 0.1.0 updated to 0.2.0 has exactly the objects of a
-- fresh 0.2.0 installation (run in a database of its own).
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
CREATE FOREIGN TABLE t (key text, value text) SERVER s;
ALTER EXTENSION kt_fdw UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'kt_fdw';
\dx+ kt_fdw
SELECT kt_fdw_version();
\d t

-- the objects (and function definitions) of the updated installation ...
CREATE TEMP VIEW kt_fdw_objects AS
  SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
         coalesce(p.proname || '(' || pg_get_function_arguments(p.oid) || ') '
                  || pg_get_function_result(p.oid) || ' ' || p.provolatile::text
                  || p.proisstrict::text || ' ' || p.prosrc, '') AS definition
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
