-- kt_fdw 0.1.0: foreign-data wrapper for Kyoto Tycoon
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
-- write, and cached KT server connections.
CREATE FUNCTION kt_fdw_stats(
  OUT open_handles bigint,
  OUT buffered_writes bigint,
  OUT connections bigint)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;
