/*
 * kt_fdw.c: module entry points: _PG_init, the FDW handler and validator,
 * kt_fdw_stats(), and raising the errors Go reports.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "kt_fdw", .version = KTFDW_VERSION);
#else
PG_MODULE_MAGIC;
#endif

sigset_t	ktfdw_callmask;

/*
 * Block every signal before the Go runtime starts its threads (EXT_NOTES.md):
 * this constructor has a priority, so it runs before Go's own .init_array
 * entry, and every Go thread inherits the all-blocked mask. Postgres' signals
 * (SIGURG latch wakeups, SIGINT, SIGTERM, SIGALRM, SIGUSR1 ...) then always
 * reach the backend's own thread. _PG_init restores the saved mask.
 */
static sigset_t ktfdw_saved_mask;
static bool ktfdw_mask_saved = false;

/*
 * Postgres' SIGURG action, saved before the Go runtime starts: Go installs
 * its own SIGURG handler even in a shared library with async preemption off
 * (runtime/signal_unix.go sigInstallGoHandler) and drops SIGURGs that other
 * processes send instead of forwarding them. Up to PostgreSQL 14 a latch is
 * woken by a SIGURG handler (15+ block SIGURG and read it from a signalfd),
 * so _PG_init gives SIGURG back to Postgres. Go does not need it: async
 * preemption is off (Makefile).
 */
static struct sigaction ktfdw_saved_sigurg;
static bool ktfdw_sigurg_saved = false;

__attribute__((constructor(101)))
static void
ktfdw_block_signals_for_go(void)
{
	sigset_t	all;

	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &ktfdw_saved_mask) == 0)
		ktfdw_mask_saved = true;
	if (sigaction(SIGURG, NULL, &ktfdw_saved_sigurg) == 0)
		ktfdw_sigurg_saved = true;
}

void		_PG_init(void);

void
_PG_init(void)
{
	if (ktfdw_mask_saved)
		pthread_sigmask(SIG_SETMASK, &ktfdw_saved_mask, NULL);

	if (process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("kt_fdw cannot be loaded via shared_preload_libraries"),
				 errdetail("kt_fdw contains a Go runtime, which does not survive the postmaster's fork()."),
				 errhint("Remove kt_fdw from shared_preload_libraries; each backend loads it when it first uses it.")));

	/* Everything but the synchronous signals stays blocked during Go calls. */
	sigfillset(&ktfdw_callmask);
	sigdelset(&ktfdw_callmask, SIGSEGV);
	sigdelset(&ktfdw_callmask, SIGBUS);
	sigdelset(&ktfdw_callmask, SIGFPE);
	sigdelset(&ktfdw_callmask, SIGILL);
	sigdelset(&ktfdw_callmask, SIGTRAP);
	sigdelset(&ktfdw_callmask, SIGABRT);
	sigdelset(&ktfdw_callmask, SIGSYS);

	GOCALL(ktfdw_init());		/* returns once the runtime has set its handlers */
	if (ktfdw_sigurg_saved)
		sigaction(SIGURG, &ktfdw_saved_sigurg, NULL);
	ktfdw_register_xact_callbacks();
}

/*
 * Raise the error Go reported. The strings are copied into palloc'd memory
 * and the malloc'd originals freed before ereport longjmps.
 */
void
ktfdw_raise(KtStatus *st)
{
	char	   *message = st->message ? pstrdup(st->message) : pstrdup("kt_fdw: unknown error");
	char	   *detail = st->detail ? pstrdup(st->detail) : NULL;
	char	   *hint = st->hint ? pstrdup(st->hint) : NULL;
	int			code = ERRCODE_INTERNAL_ERROR;

	free(st->message);
	free(st->detail);
	free(st->hint);
	st->message = st->detail = st->hint = NULL;

	if (strlen(st->sqlstate) == 5)
		code = MAKE_SQLSTATE(st->sqlstate[0], st->sqlstate[1], st->sqlstate[2],
							 st->sqlstate[3], st->sqlstate[4]);

	ereport(ERROR,
			(errcode(code),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

/* Raise st unless rc says the call succeeded. */
void
ktfdw_check(int rc, KtStatus *st)
{
	if (rc == KT_ERROR)
		ktfdw_raise(st);
}

PG_FUNCTION_INFO_V1(kt_fdw_handler);

Datum
kt_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *r = makeNode(FdwRoutine);

	r->GetForeignRelSize = ktfdw_GetForeignRelSize;
	r->GetForeignPaths = ktfdw_GetForeignPaths;
	r->GetForeignPlan = ktfdw_GetForeignPlan;
	r->BeginForeignScan = ktfdw_BeginForeignScan;
	r->IterateForeignScan = ktfdw_IterateForeignScan;
	r->ReScanForeignScan = ktfdw_ReScanForeignScan;
	r->EndForeignScan = ktfdw_EndForeignScan;
	r->ExplainForeignScan = ktfdw_ExplainForeignScan;
	r->ExplainForeignModify = ktfdw_ExplainForeignModify;

	r->AddForeignUpdateTargets = ktfdw_AddForeignUpdateTargets;
	r->PlanForeignModify = ktfdw_PlanForeignModify;
	r->BeginForeignModify = ktfdw_BeginForeignModify;
	r->ExecForeignInsert = ktfdw_ExecForeignInsert;
	r->ExecForeignUpdate = ktfdw_ExecForeignUpdate;
	r->ExecForeignDelete = ktfdw_ExecForeignDelete;
	r->EndForeignModify = ktfdw_EndForeignModify;
	r->BeginForeignInsert = ktfdw_BeginForeignInsert;
	r->EndForeignInsert = ktfdw_EndForeignInsert;
	r->IsForeignRelUpdatable = ktfdw_IsForeignRelUpdatable;
	r->GetForeignModifyBatchSize = ktfdw_GetForeignModifyBatchSize;
	r->ExecForeignBatchInsert = ktfdw_ExecForeignBatchInsert;
	r->ExecForeignTruncate = ktfdw_ExecForeignTruncate;
	r->ImportForeignSchema = ktfdw_ImportForeignSchema;
	r->AnalyzeForeignTable = ktfdw_AnalyzeForeignTable;

	PG_RETURN_POINTER(r);
}

/* Catalog kinds as package fdw numbers them (fdw.Catalog). */
static int
catalog_kind(Oid catalog)
{
	switch (catalog)
	{
		case ForeignDataWrapperRelationId:
			return 0;
		case ForeignServerRelationId:
			return 1;
		case UserMappingRelationId:
			return 2;
		case ForeignTableRelationId:
			return 3;
		case AttributeRelationId:
			return 4;
	}
	return -1;
}

PG_FUNCTION_INFO_V1(kt_fdw_validator);

/* Option checking is Go's: C only hands over the name/value pairs. */
Datum
kt_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *defs = untransformRelOptions(PG_GETARG_DATUM(0));
	KtOptions	opts;
	KtStatus	st = {0};
	int			rc;

	ktfdw_options(defs, &opts);
	/* Options naming server files are superuser-only (fdw.CheckOptionPrivileges). */
	GOCALL(rc = ktfdw_validate(catalog_kind(PG_GETARG_OID(1)), &opts, superuser(), &st));
	ktfdw_check(rc, &st);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(kt_fdw_stats);

/*
 * kt_fdw_stats(): Go-side counters, for leak tests. Only the columns the
 * installed SQL declares are filled (0.1.0 has the first three).
 */
Datum
kt_fdw_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	int64_t		counters[KT_STATS_N] = {0};
	Datum		values[KT_STATS_N];
	bool		nulls[KT_STATS_N] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "kt_fdw_stats: return type must be a row type");
	if (tupdesc->natts > KT_STATS_N)
		elog(ERROR, "kt_fdw_stats: the SQL function has %d columns, the library knows %d",
			 tupdesc->natts, KT_STATS_N);
	GOCALL(ktfdw_stats(counters));
	for (int i = 0; i < tupdesc->natts; i++)
		values[i] = Int64GetDatum((int64) counters[i]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
