/*
 * scan.c: executor scan callbacks. Go streams rows in batches; C waits for
 * them in short polls with CHECK_FOR_INTERRUPTS() in between, so a stalled
 * KT never keeps a cancel or statement_timeout waiting.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "ktfdw_plan.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

typedef struct KtScanState
{
	uintptr_t	handle;			/* Go scan; 0 once released */
	KtTableInfo info;
	KtScanSpec	spec;			/* kind, bounds, limit; values filled per start */
	List	   *exprs;			/* ExprStates of fdw_exprs (key values) */
	bool		need_key;		/* columns the query reads; others stay NULL */
	bool		need_value;
	bool		started;
	bool		eof;
	KtBatch		batch;			/* malloc'd by Go; freed here */
	int			row;			/* next row of batch */
	size_t		pos;			/* its byte offset */
	MemoryContextCallback on_reset;
} KtScanState;

static void
free_batch(KtScanState *s)
{
	free(s->batch.data);
	memset(&s->batch, 0, sizeof(s->batch));
	s->row = 0;
	s->pos = 0;
}

/* Runs when the query's memory goes away, also after an error (rule 4). */
static void
scan_on_reset(void *arg)
{
	KtScanState *s = arg;

	free_batch(s);
	if (s->handle)
	{
		uintptr_t	h = s->handle;

		s->handle = 0;
		GOCALL(ktfdw_release(h));
	}
}

/* The scan's KT round trips and records so far (EXPLAIN ANALYZE); false if none ran. */
bool
ktfdw_scan_counters(ForeignScanState *node, int64 *trips, int64 *records)
{
	KtScanState *s = node->fdw_state;
	int64_t		t = 0,
				r = 0;

	if (s == NULL || s->handle == 0)
		return false;
	GOCALL(ktfdw_scan_stats(s->handle, &t, &r));
	*trips = t;
	*records = r;
	return true;
}

void
ktfdw_BeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	KtScanState *s;
	KtStatus	st = {0};
	uintptr_t	h = 0;
	int			rc;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;					/* EXPLAIN opens no connection */

	s = palloc0(sizeof(KtScanState));
	ktfdw_table_info(node->ss.ss_currentRelation, &s->info);
	ktfdw_require_user_mapping(ktfdw_scan_user(node), s->info.table.server_oid);
	s->spec.kind = intVal(list_nth(fs->fdw_private, KT_PRIV_KIND));
	s->spec.prefix_is_like = intVal(list_nth(fs->fdw_private, KT_PRIV_PREFIX_IS_LIKE));
	s->spec.lo.set = intVal(list_nth(fs->fdw_private, KT_PRIV_LO)) != 0;
	s->spec.lo.exclusive = intVal(list_nth(fs->fdw_private, KT_PRIV_LO)) == 2;
	s->spec.hi.set = intVal(list_nth(fs->fdw_private, KT_PRIV_HI)) != 0;
	s->spec.hi.exclusive = intVal(list_nth(fs->fdw_private, KT_PRIV_HI)) == 2;
	s->spec.ordered = intVal(list_nth(fs->fdw_private, KT_PRIV_ORDERED));
	s->spec.limit = intVal(list_nth(fs->fdw_private, KT_PRIV_LIMIT));
	s->exprs = ExecInitExprList(fs->fdw_exprs, (PlanState *) node);
	s->need_key = intVal(list_nth(fs->fdw_private, KT_PRIV_NEED_KEY)) != 0;
	s->need_value = intVal(list_nth(fs->fdw_private, KT_PRIV_NEED_VALUE)) != 0;
	s->spec.keys_only = !s->need_value;

	s->on_reset.func = scan_on_reset;
	s->on_reset.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->on_reset);
	node->fdw_state = s;

	GOCALL(rc = ktfdw_scan_begin(&s->info.table, &h, &st));
	ktfdw_check(rc, &st);
	s->handle = h;
}

/* Evaluate the i-th key value; false when it is NULL. */
static bool
eval_value(ForeignScanState *node, KtScanState *s, int i, const char **data, size_t *len)
{
	bool		isnull;
	Datum		d = ExecEvalExpr(list_nth(s->exprs, i), node->ss.ps.ps_ExprContext, &isnull);

	if (isnull)
		return false;
	ktfdw_key_bytes(&s->info, d, data, len);
	return true;
}

/* The non-NULL elements of an IN list / ANY array, into spec. */
static void
eval_keys(ForeignScanState *node, KtScanState *s)
{
	bool		isnull;
	Datum		d = ExecEvalExpr(linitial(s->exprs), node->ss.ps.ps_ExprContext, &isnull);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	const char **keys;
	size_t	   *klens;

	s->spec.nkeys = 0;
	if (isnull)
		return;
	arr = DatumGetArrayTypeP(d);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
	keys = palloc(sizeof(char *) * Max(n, 1));
	klens = palloc(sizeof(size_t) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			continue;
		ktfdw_key_bytes(&s->info, elems[i], &keys[s->spec.nkeys], &klens[s->spec.nkeys]);
		s->spec.nkeys++;
	}
	s->spec.keys = keys;
	s->spec.klens = klens;
}

static void
start_scan(ForeignScanState *node, KtScanState *s)
{
	KtStatus	st = {0};
	KtScanSpec *spec = &s->spec;
	int			i = 0;
	int			rc;

	/* Runs in the per-tuple context: the evaluated values die with it. */
	spec->empty = 0;
	spec->nkeys = 0;
	switch (spec->kind)
	{
		case KT_SCAN_GET:
			{
				const char **key = palloc(sizeof(char *));
				size_t	   *len = palloc(sizeof(size_t));

				if (eval_value(node, s, 0, key, len))
					spec->nkeys = 1;
				else
					spec->empty = 1;	/* key = NULL */
				spec->keys = key;
				spec->klens = len;
			}
			break;
		case KT_SCAN_KEYS:
			eval_keys(node, s);
			spec->empty = spec->nkeys == 0;
			break;
		case KT_SCAN_PREFIX:
			if (!eval_value(node, s, 0, &spec->prefix, &spec->prefixlen))
				spec->empty = 1;
			break;
		case KT_SCAN_RANGE:
			if (spec->lo.set && !eval_value(node, s, i++, &spec->lo.key, &spec->lo.len))
				spec->empty = 1;
			if (spec->hi.set && !eval_value(node, s, i++, &spec->hi.key, &spec->hi.len))
				spec->empty = 1;
			break;
	}
	GOCALL(rc = ktfdw_scan_start_spec(s->handle, spec, &st));
	ktfdw_check(rc, &st);
	s->started = true;
	s->eof = false;
}

/* Wait for the next batch; false at the end of the scan. */
static bool
fetch_batch(KtScanState *s)
{
	KtStatus	st = {0};
	int			rc;

	free_batch(s);
	ktfdw_wait_start(ktfdw_scan_wait(s->spec.kind));
	for (;;)
	{
		GOCALL(rc = ktfdw_scan_next(s->handle, KT_POLL_MS, &s->batch, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	pgstat_report_wait_end();
	if (rc == KT_EOF)
	{
		s->eof = true;
		return false;
	}
	ktfdw_check(rc, &st);
	return true;
}

static const char *
next_field(KtScanState *s, uint32 *len)
{
	const char *p;

	if (s->pos + sizeof(uint32) > s->batch.len)
		elog(ERROR, "kt_fdw: truncated row batch");
	memcpy(len, s->batch.data + s->pos, sizeof(uint32));
	s->pos += sizeof(uint32);
	if (s->pos + *len > s->batch.len)
		elog(ERROR, "kt_fdw: truncated row batch");
	p = s->batch.data + s->pos;
	s->pos += *len;
	return p;
}

TupleTableSlot *
ktfdw_IterateForeignScan(ForeignScanState *node)
{
	KtScanState *s = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	const char *key,
			   *val;
	uint32		keylen,
				vallen;

	ExecClearTuple(slot);
	if (!s->started)
		start_scan(node, s);
	while (s->row >= s->batch.nrows)
	{
		if (s->eof || !fetch_batch(s))
			return slot;
	}

	key = next_field(s, &keylen);
	val = next_field(s, &vallen);
	s->row++;

	/* Columns the query does not read stay NULL: no copy, no encoding check. */
	ktfdw_fill_row(&s->info, slot->tts_tupleDescriptor->natts, key, keylen, val, vallen,
				   s->need_key, s->need_value, slot->tts_values, slot->tts_isnull);
	return ExecStoreVirtualTuple(slot);
}

void
ktfdw_ReScanForeignScan(ForeignScanState *node)
{
	KtScanState *s = node->fdw_state;

	free_batch(s);
	s->started = false;
	s->eof = false;
}

void
ktfdw_EndForeignScan(ForeignScanState *node)
{
	KtScanState *s = node->fdw_state;

	if (s)
		scan_on_reset(s);
}
