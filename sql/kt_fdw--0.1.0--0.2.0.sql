-- kt_fdw 0.1.0 -> 0.2.0 (ALTER EXTENSION kt_fdw UPDATE TO '0.2.0').
-- Every object added in 0.2.0 is created here too, so an updated
-- installation has exactly the objects of a fresh 0.2.0 one (the versions
-- regression test compares them). TRUNCATE, ANALYZE and IMPORT FOREIGN
-- SCHEMA need no SQL objects: they come with the 0.2.0 library.
\echo Use "ALTER EXTENSION kt_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- The version of the loaded kt_fdw library.
CREATE FUNCTION kt_fdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- kt_fdw_stats() gains buffered_bytes: the approximate memory of the
-- transaction's write buffer.
DROP FUNCTION kt_fdw_stats();
CREATE FUNCTION kt_fdw_stats(
  OUT open_handles bigint,
  OUT buffered_writes bigint,
  OUT connections bigint,
  OUT buffered_bytes bigint)
RETURNS record
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
