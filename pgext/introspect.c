/*
 * introspect.c: kt_fdw_disconnect(server), kt_fdw_disconnect_all() and
 * kt_fdw_server_stats(), in the style of postgres_fdw's connection functions.
 * The state is Go's (fdw/stats.go); C only builds the SQL results.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(kt_fdw_disconnect);

/* Close this backend's cached KT connections to one server; true if there were any. */
Datum
kt_fdw_disconnect(PG_FUNCTION_ARGS)
{
	ForeignServer *srv = GetForeignServerByName(text_to_cstring(PG_GETARG_TEXT_PP(0)), false);
	int			closed;

	GOCALL(closed = ktfdw_disconnect(srv->serverid));
	PG_RETURN_BOOL(closed != 0);
}

PG_FUNCTION_INFO_V1(kt_fdw_disconnect_all);

Datum
kt_fdw_disconnect_all(PG_FUNCTION_ARGS)
{
	int			closed;

	GOCALL(closed = ktfdw_disconnect_all());
	PG_RETURN_BOOL(closed != 0);
}

/* A malloc'd Go string as text (NULL when empty); the original is freed. */
static Datum
take_text(char *s, bool *isnull)
{
	Datum		d = (Datum) 0;

	*isnull = (s == NULL || s[0] == '\0');
	if (!*isnull)
		d = CStringGetTextDatum(s);
	free(s);
	return d;
}

PG_FUNCTION_INFO_V1(kt_fdw_server_stats);

/*
 * One row per server this backend used: server_name, connected, hosts,
 * current_host, round_trips, errors, failovers.
 */
Datum
kt_fdw_server_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	int			n;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "kt_fdw_server_stats: return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcxt);

	GOCALL(n = ktfdw_server_stats_begin());
	for (int i = 0; i < n; i++)
	{
		unsigned int oid = 0;
		char	   *name = NULL,
				   *hosts = NULL,
				   *current = NULL;
		int64_t		vals[4] = {0};
		Datum		values[7];
		bool		nulls[7] = {false};
		ForeignServer *srv;

		GOCALL(ktfdw_server_stats_row(i, &oid, &name, &hosts, &current, vals));
		/* the current name (servers can be renamed); Go's for a dropped one */
		srv = GetForeignServerExtended(oid, FSV_MISSING_OK);
		if (srv)
		{
			values[0] = CStringGetTextDatum(srv->servername);
			free(name);
		}
		else
			values[0] = take_text(name, &nulls[0]);
		values[1] = BoolGetDatum(vals[0] != 0);
		values[2] = take_text(hosts, &nulls[2]);
		values[3] = take_text(current, &nulls[3]);
		values[4] = Int64GetDatum((int64) vals[1]);
		values[5] = Int64GetDatum((int64) vals[2]);
		values[6] = Int64GetDatum((int64) vals[3]);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
