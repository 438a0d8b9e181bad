/*
 * diag.c: kt_fdw_diag(server), the pre-flight of an upgrade: one row per KT
 * host of the server with the library and extension versions, the host's
 * KT version, its databases and the kt_fdw.lua protocol it runs. Go asks
 * the hosts (fdw/diag.go); C checks the server and builds the rows.
 */
#include "ktfdw.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

/* pg_extension.extversion of kt_fdw in this database (NULL if absent). */
static char *
extension_version(void)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *v = NULL;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("kt_fdw"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

		if (!isnull)
			v = text_to_cstring(DatumGetTextPP(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return v;
}

/* The next field of the task's batch as text (NULL when empty). */
static Datum
field_text(KtTask *task, bool *isnull)
{
	uint32		len;
	const char *s = ktfdw_task_field(task, &len);

	*isnull = (len == 0);
	return *isnull ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(s, len));
}

PG_FUNCTION_INFO_V1(kt_fdw_diag);

Datum
kt_fdw_diag(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *srv = GetForeignServerByName(text_to_cstring(PG_GETARG_TEXT_PP(0)), false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(srv->fdwid);
	char		lib[64];
	char	   *ext = extension_version();
	KtTable		desc = {0};
	KtStatus	st = {0};
	KtTask	   *task;
	uintptr_t	h = 0;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	int			rc;

	if (!OidIsValid(fdw->fdwhandler) || strcmp(get_func_name(fdw->fdwhandler), "kt_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a kt_fdw server", srv->servername)));
	ktfdw_require_user_mapping(GetUserId(), srv->serverid);
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "kt_fdw_diag: return type must be a row type");

	desc.server_oid = srv->serverid;
	desc.server_name = srv->servername;
	ktfdw_options(srv->options, &desc.server_opts);
	ktfdw_options(NIL, &desc.table_opts);
	task = ktfdw_task_new();
	GOCALL(rc = ktfdw_diag_begin(&desc, &h, &st));
	ktfdw_check(rc, &st);
	task->handle = h;
	for (;;)
	{
		GOCALL(rc = ktfdw_diag_wait(task->handle, KT_POLL_MS, &task->batch, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	ktfdw_check(rc, &st);
	GOCALL(ktfdw_version(lib, sizeof(lib)));

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcxt);

	for (int i = 0; i < task->batch.nrows / 3; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {false};
		uint32		len;

		values[0] = field_text(task, &nulls[0]);	/* host */
		values[1] = CStringGetTextDatum(lib);
		nulls[2] = (ext == NULL);
		values[2] = nulls[2] ? (Datum) 0 : CStringGetTextDatum(ext);
		values[3] = field_text(task, &nulls[3]);	/* kt_version */
		values[4] = field_text(task, &nulls[4]);	/* databases */
		values[6] = field_text(task, &nulls[6]);	/* lua_protocol */
		values[5] = BoolGetDatum(!nulls[6]);	/* runs kt_fdw.lua */
		values[7] = field_text(task, &nulls[7]);	/* error */
		(void) ktfdw_task_field(task, &len);
		if (!nulls[7])
			nulls[5] = nulls[6] = true; /* unknown: the host could not be asked */
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	ktfdw_task_done(task);
	return (Datum) 0;
}
