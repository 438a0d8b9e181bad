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
