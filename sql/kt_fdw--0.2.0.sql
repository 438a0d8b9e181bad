-- kt_fdw 0.2.0: foreign-data wrapper for Kyoto Tycoon (full install script;
-- sql/kt_fdw--0.1.0--0.2.0.sql upgrades a 0.1.0 installation to the same objects)
--
--   CREATE SERVER kt FOREIGN DATA WRAPPER kt_fdw
--     OPTIONS (host '127.0.0.1', port '1978', timeout '2s', connect_timeout '2s');
--   CREATE USER MAPPING FOR PUBLIC SERVER kt;
--   CREATE FOREIGN TABLE kv (key text, value text) SERVER kt OPTIONS (db '');
--
-- The first column is the KT record key, the second its value; each is text
-- or bytea (bytea is binary-safe). KT records cannot hold NULL: a NULL key or
-- value is refused with SQLSTATE 23502 (store '' instead, or DELETE the row).
-- INSERT of an existing key is a unique violation (23505) unless
-- ON CONFLICT DO NOTHING. Writes are buffered per transaction and applied at
-- COMMIT (set_bulk / remove_bulk); ROLLBACK sends nothing; ROLLBACK TO
-- SAVEPOINT drops the writes made since the savepoint; PREPARE TRANSACTION
-- after KT writes is refused (0A000). A COMMIT that touches several KT
-- servers or databases applies them one after another, each set_bulk and
-- remove_bulk atomic on its own, not all together.
--
-- Since 0.2.0: TRUNCATE (a KT clear at commit), ANALYZE, IMPORT FOREIGN
-- SCHEMA kt FROM SERVER ... INTO ... and kt_fdw_version(). See doc/reference.md.
\echo Use "CREATE EXTENSION kt_fdw" to load this file. \quit

CREATE FUNCTION kt_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION kt_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER kt_fdw
  HANDLER kt_fdw_handler
  VALIDATOR kt_fdw_validator;

-- Counters of this backend's kt_fdw state, for leak checks: live Go handles
-- (scans and modifications in progress), keys with a buffered (uncommitted)
-- write, cached KT server connections, and (since 0.2.0) the approximate
-- memory of the transaction's write buffer in bytes.
CREATE FUNCTION kt_fdw_stats(
  OUT open_handles bigint,
  OUT buffered_writes bigint,
  OUT connections bigint,
  OUT buffered_bytes bigint)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- The version of the loaded kt_fdw library (since 0.2.0). It can be newer
-- than the extension's SQL objects until ALTER EXTENSION kt_fdw UPDATE.
CREATE FUNCTION kt_fdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- Connections (since 0.2.0), in the style of postgres_fdw_disconnect():
-- close this backend's cached KT connections to one server, or to all;
-- true when there were any. Buffered writes stay and are applied at commit.
CREATE FUNCTION kt_fdw_disconnect(server_name text)
RETURNS bool
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION kt_fdw_disconnect_all()
RETURNS bool
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- One row per server this backend has used (since 0.2.0): whether a
-- connection is cached, its hosts (a failover list marks hosts in back-off
-- "(down)"), the host in use, KT operations sent (a retried one counts
-- twice), failed operations and operations served by another host after a
-- failure. Counters live as long as the backend.
CREATE FUNCTION kt_fdw_server_stats(
  OUT server_name text,
  OUT connected bool,
  OUT hosts text,
  OUT current_host text,
  OUT round_trips bigint,
  OUT errors bigint,
  OUT failovers bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
