/*
 * version.c: kt_fdw_version(), the version of the loaded library (the SQL
 * objects of a database may be older until ALTER EXTENSION kt_fdw UPDATE).
 */
#include "ktfdw.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(kt_fdw_version);

Datum
kt_fdw_version(PG_FUNCTION_ARGS)
{
	char		buf[64];

	GOCALL(ktfdw_version(buf, sizeof(buf)));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
