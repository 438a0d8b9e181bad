/*
 * scan.c: executor scan callbacks. Go streams rows in batches; C waits for
 * them in short polls with CHECK_FOR_INTERRUPTS() in between, so a stalled
 * KT never keeps a cancel or statement_timeout waiting.
 */
#include "ktfdw.h"

#include <stdlib.h>

#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/memutils.h"

typedef struct KtScanState
{
	uintptr_t	handle;			/* Go scan; 0 once released */
	KtTableInfo info;
	bool		point_get;
	ExprState  *key_state;		/* the key value of a get */
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
	s->point_get = intVal(linitial(fs->fdw_private)) != 0;
	if (s->point_get)
		s->key_state = ExecInitExpr(linitial(fs->fdw_exprs), (PlanState *) node);

	s->on_reset.func = scan_on_reset;
	s->on_reset.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->on_reset);
	node->fdw_state = s;

	GOCALL(rc = ktfdw_scan_begin(&s->info.table, &h, &st));
	ktfdw_check(rc, &st);
	s->handle = h;
}

static void
start_scan(ForeignScanState *node, KtScanState *s)
{
	KtStatus	st = {0};
	const char *key = NULL;
	size_t		keylen = 0;
	bool		keynull = true;
	int			rc;

	if (s->point_get)
	{
		Datum		d = ExecEvalExpr(s->key_state, node->ss.ps.ps_ExprContext, &keynull);

		if (!keynull)
			ktfdw_datum_bytes(d, &key, &keylen);
	}
	GOCALL(rc = ktfdw_scan_start(s->handle, s->point_get, (char *) key, keylen, keynull, &st));
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
	for (;;)
	{
		GOCALL(rc = ktfdw_scan_next(s->handle, KT_POLL_MS, &s->batch, &st));
		if (rc != KT_PENDING)
			break;
		CHECK_FOR_INTERRUPTS();
	}
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

	for (int i = 0; i < slot->tts_tupleDescriptor->natts; i++)
		slot->tts_isnull[i] = true;
	slot->tts_values[s->info.key_attno - 1] = ktfdw_bytes_datum(s->info.key_type, key, keylen);
	slot->tts_isnull[s->info.key_attno - 1] = false;
	slot->tts_values[s->info.val_attno - 1] = ktfdw_bytes_datum(s->info.val_type, val, vallen);
	slot->tts_isnull[s->info.val_attno - 1] = false;
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
