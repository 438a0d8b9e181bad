-- kt_fdw_diag(server): the pre-flight of an upgrade, one row per KT host.
-- The KT port changes per run: hosts are masked.
\set SHOW_CONTEXT never
\getenv kt_host KT_HOST
\getenv kt_port KT_PORT
SELECT regexp_replace(host, ':[0-9]+$', ':PORT') AS host,
       library_version = extension_version AS versions_match,
       kt_version <> '' AS has_kt_version, databases,
       runs_kt_fdw_lua IS NOT NULL AS script_known, error
  FROM kt_fdw_diag('kt_server');
-- every host of a failover list, a down one included
\set diag_hosts '127.0.0.1:1,' :kt_host
CREATE SERVER kt_diag FOREIGN DATA WRAPPER kt_fdw
  OPTIONS (host :'diag_hosts', port :'kt_port', connect_timeout '1s');
CREATE USER MAPPING FOR PUBLIC SERVER kt_diag;
SELECT regexp_replace(host, ':[0-9]+$', ':PORT') AS host, databases IS NOT NULL AS listed,
       runs_kt_fdw_lua IS NOT NULL AS script_known,
       regexp_replace(error, ':[0-9]+:', ':PORT:') AS error
  FROM kt_fdw_diag('kt_diag');
-- no user mapping: refused, as every other use of the server
DROP USER MAPPING FOR PUBLIC SERVER kt_diag;
SELECT * FROM kt_fdw_diag('kt_diag');
-- a server of another wrapper, an unknown server
CREATE FOREIGN DATA WRAPPER kt_diag_other;
CREATE SERVER kt_diag_other FOREIGN DATA WRAPPER kt_diag_other;
SELECT * FROM kt_fdw_diag('kt_diag_other');
SELECT * FROM kt_fdw_diag('nosuch');
DROP SERVER kt_diag, kt_diag_other;
DROP FOREIGN DATA WRAPPER kt_diag_other;
