-- The validator refuses unknown and malformed options at CREATE and ALTER.
\set SHOW_CONTEXT never
-- show command tags (INSERT 0 1, UPDATE 0, ...): pg_regress runs psql -q
\set QUIET off
-- unknown option: HV00D, listing the valid ones
CREATE SERVER bad_opt FOREIGN DATA WRAPPER kt_fdw OPTIONS (hots '127.0.0.1');
\echo :LAST_ERROR_SQLSTATE
-- malformed values: 22023
CREATE SERVER bad_opt FOREIGN DATA WRAPPER kt_fdw OPTIONS (port 'abc');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad_opt FOREIGN DATA WRAPPER kt_fdw OPTIONS (port '70000');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad_opt FOREIGN DATA WRAPPER kt_fdw OPTIONS (port '0');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad_opt FOREIGN DATA WRAPPER kt_fdw OPTIONS (timeout '-1s');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_foreign_server WHERE srvname = 'bad_opt';

-- a valid server, then the same mistakes through ALTER
CREATE SERVER opt_server FOREIGN DATA WRAPPER kt_fdw
  OPTIONS (host '127.0.0.1', port '1978', timeout '2s');
ALTER SERVER opt_server OPTIONS (ADD hots 'x');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER opt_server OPTIONS (SET port 'abc');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER opt_server OPTIONS (SET port '65536');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER opt_server OPTIONS (SET timeout '-5s');
\echo :LAST_ERROR_SQLSTATE
-- nothing of the refused ALTERs stuck; a good one does
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_server';
ALTER SERVER opt_server OPTIONS (SET port '65535', SET timeout '500ms');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_server';

-- table and user mapping options are validated too
CREATE FOREIGN TABLE opt_table (key text, value text) SERVER opt_server
  OPTIONS (nosuch 'x');
\echo :LAST_ERROR_SQLSTATE
CREATE USER MAPPING FOR PUBLIC SERVER opt_server OPTIONS (nosuch 'x');
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE opt_table (key text, value text) SERVER opt_server;
ALTER FOREIGN TABLE opt_table OPTIONS (ADD nosuch 'x');
\echo :LAST_ERROR_SQLSTATE

-- buffer_memory (since 0.3.0): a size with an optional unit, within range
ALTER SERVER opt_server OPTIONS (ADD buffer_memory '1kB');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER opt_server OPTIONS (ADD buffer_memory 'lots');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER opt_server OPTIONS (ADD buffer_memory '64MB');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_server';

-- enum and boolean values, uniformly (since 0.4.0): an enum takes its exact
-- lower-case values, a boolean what Postgres' defGetBoolean takes (any case);
-- neither takes surrounding spaces
ALTER FOREIGN TABLE opt_table OPTIONS (ADD format 'JSON');
ALTER SERVER opt_server OPTIONS (ADD apply ' bulk ');
ALTER SERVER opt_server OPTIONS (ADD apply 'BULK');
ALTER SERVER opt_server OPTIONS (ADD apply 'bulk');
ALTER SERVER opt_server OPTIONS (ADD readonly ' on');
ALTER SERVER opt_server OPTIONS (ADD readonly 'yes');
ALTER SERVER opt_server OPTIONS (ADD readonly 'TRUE');
ALTER FOREIGN TABLE opt_table OPTIONS (ADD ordered 'Off');
ALTER FOREIGN TABLE opt_table ALTER COLUMN value OPTIONS (ADD xt 'yes');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_server';
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'opt_table'::regclass;

DROP SERVER opt_server CASCADE;
